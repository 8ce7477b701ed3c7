import { constants, copyFileSync, existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { parse } from 'jsonc-parser';
import {
  ConfigError,
  DEFAULT_CONFIG_FILE,
  parseConfigOutline,
  type ConfigIssue,
  type ConfigOutline,
} from '../config/load.js';
import { readFailure } from '../json/read-failure.js';
import { formatJsonPath } from '../json/json-path.js';
import { SqliteGrantStore } from '../grants/grant-store.js';
import { openCliStateDb } from './cli-state-db.js';
import {
  CLIENT_KINDS,
  ClientConfigError,
  convertServer,
  parseClientConfig,
  pointAtToolgate,
  withServers,
  type ClientConfig,
  type ClientKind,
} from './client-config.js';
import type { CliOutput } from './cli-output.js';

interface ImportOptions {
  rewrite?: boolean;
  client?: ClientKind;
  config?: string;
}

/** What became of each of the client's servers. */
interface ImportPlan {
  /** New entries for toolgate.json: `id` there, `sourceId` in the client's file. */
  readonly imported: { id: string; sourceId: string; entry: Record<string, unknown> }[];
  /** The client's ids of the servers that were behind Toolgate already (or were Toolgate). */
  readonly present: string[];
  /** `id: what happened`, for the servers imported with a remark or skipped. */
  readonly notes: string[];
  /** `id: why`, for the servers Toolgate cannot take; they stay in the client's file. */
  readonly refused: string[];
}

/** Adds `toolgate import FILE [--rewrite]`. */
export function addImportCommand(program: Command, out: CliOutput): void {
  program
    .command('import <file>')
    .description('Copy the MCP servers of a Claude Desktop, Cursor or VS Code config file into toolgate.json')
    .option('--rewrite', 'then point that client at Toolgate instead (its file is backed up first)')
    .option('--client <kind>', `${CLIENT_KINDS.join(', ')}: when the file's name does not tell`, clientKind)
    .option('-c, --config <file>', `the config to add them to, created if missing (default: ./${DEFAULT_CONFIG_FILE})`)
    .action(async (file: string, options: ImportOptions) => {
      try {
        await runImport(resolve(file), options, out);
      } catch (error) {
        if (!(error instanceof ClientConfigError) && !(error instanceof ConfigError)) throw error;
        out.error(error.message);
        process.exitCode = 1;
      }
    });
}

async function runImport(file: string, options: ImportOptions, out: CliOutput): Promise<void> {
  const client = parseClientConfig(readText(file), file, options.client);
  if (options.rewrite === true && client.kind === undefined) {
    throw new ClientConfigError(
      `${file}: cannot tell which client this file belongs to; name it with --client ${CLIENT_KINDS.join('|')}`,
    );
  }
  const configFile = resolve(options.config ?? DEFAULT_CONFIG_FILE);
  const existing = existsSync(configFile) ? readText(configFile) : null;
  // A config that does not load is reported as it is: adding to it would hide where the problem is.
  const before = existing === null ? null : parseConfigOutline(existing, configFile);
  const plan = planImport(client, existing, before?.namespacing.separator ?? '__');

  const { text, outline } = validated(existing, plan, configFile);
  // Everything that can fail is settled before the first file is written.
  const kind = client.kind;
  const entry =
    options.rewrite !== true || kind === undefined
      ? undefined
      : kind === 'claude-desktop'
        ? stdioEntry(configFile)
        : urlEntry(kind, outline.listen);
  // A rewritten Claude Desktop launches Toolgate on this file, so it must exist even with nothing imported.
  if (plan.imported.length > 0 || (entry !== undefined && existing === null)) writeFileSync(configFile, text);

  const ids = plan.imported.map(({ id }) => id);
  out.log(
    ids.length === 0
      ? `No server imported from ${file}.`
      : `Imported ${ids.length} ${ids.length === 1 ? 'server' : 'servers'} from ${file} into ${configFile}: ${ids.join(', ')}`,
  );
  for (const note of plan.notes) out.log(`  ${note}`);
  if (plan.refused.length > 0) {
    out.error(`Not imported (${entry ? 'left in the client’s file as they are' : 'fix, then import again'}):`);
    for (const line of plan.refused) out.error(`  ${line}`);
  }
  if (entry === undefined || kind === undefined) return;

  const backup = backUp(file);
  const moved = [...plan.present, ...plan.imported.map(({ sourceId }) => sourceId)];
  writeFileSync(file, pointAtToolgate(client, moved, entry));
  out.log(`Pointed ${file} at Toolgate (the original is in ${backup}); restart the client to use it.`);
  for (const line of await rewriteAdvice(kind, text, outline)) out.log(line);
}

/**
 * toolgate.json with the planned entries, validated: its own validation has the last word on each entry, and
 * one it refuses moves from `imported` to `refused` (see refuseInvalid).
 * @throws ConfigError when the problem lies elsewhere in the file.
 */
function validated(
  existing: string | null,
  plan: ImportPlan,
  configFile: string,
): { text: string; outline: ConfigOutline } {
  for (;;) {
    const text = candidate(existing, plan.imported);
    try {
      return { text, outline: parseConfigOutline(text, configFile) };
    } catch (error) {
      if (!(error instanceof ConfigError) || refuseInvalid(plan, error.issues) === 0) throw error;
    }
  }
}

/** Decides, for each of the client's servers, whether it is imported, already there, or refused. */
function planImport(client: ClientConfig, existing: string | null, separator: string): ImportPlan {
  const taken = new Set(existing === null ? [] : serverIdsIn(existing));
  const plan: ImportPlan = { imported: [], present: [], notes: [], refused: [] };
  for (const [sourceId, entry] of client.servers) {
    if (sourceId === 'toolgate') {
      plan.present.push(sourceId);
      plan.notes.push(`${sourceId}: skipped: it is Toolgate itself`);
      continue;
    }
    const id = serverIdFor(sourceId, separator);
    if (taken.has(id)) {
      plan.present.push(sourceId);
      plan.notes.push(`${sourceId}: skipped: toolgate.json already has a server "${id}", which is left as it is`);
      continue;
    }
    const converted = convertServer(entry, client);
    if ('refused' in converted) {
      plan.refused.push(`${sourceId}: ${converted.refused}`);
      continue;
    }
    taken.add(id);
    plan.imported.push({ id, sourceId, entry: converted.entry });
    if (id !== sourceId)
      plan.notes.push(`${sourceId}: imported as "${id}" (a server id is letters, digits, "_", "." or "-")`);
    for (const note of converted.notes) plan.notes.push(`${id}: ${note}`);
  }
  return plan;
}

/**
 * Moves each imported entry that toolgate.json's validation refuses from `imported` to `refused`, with what the
 * validation said. Returns how many it moved: none means the problem lies elsewhere in the file.
 */
function refuseInvalid(plan: ImportPlan, issues: readonly ConfigIssue[]): number {
  let count = 0;
  for (let index = plan.imported.length - 1; index >= 0; index--) {
    const { id, sourceId } = plan.imported[index]!;
    const at = formatJsonPath(['mcpServers', id]);
    const own = issues.filter(
      (issue) => issue.path === at || (issue.path.startsWith(at) && /^[.[]/.test(issue.path.slice(at.length))),
    );
    if (own.length === 0) continue;
    plan.imported.splice(index, 1);
    plan.refused.push(`${sourceId}: ${own.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`);
    count++;
  }
  return count;
}

/** toolgate.json with the imported entries: the existing file edited in place, or a new one. */
function candidate(existing: string | null, imported: ImportPlan['imported']): string {
  const entries = imported.map(({ id, entry }) => [id, entry] as const);
  if (existing !== null) return withServers(existing, entries);
  return `${JSON.stringify({ mcpServers: Object.fromEntries(entries) }, null, 2)}\n`;
}

/** The server ids a toolgate.json already has, disabled ones included. */
function serverIdsIn(text: string): string[] {
  const value = parse(text) as { mcpServers?: Record<string, unknown> } | undefined;
  return Object.keys(value?.mcpServers ?? {});
}

/**
 * A server id toolgate.json accepts for a client's id: clients allow any name ("My Server"), Toolgate names tools
 * after the id, so it is kept to letters, digits, "_", "." and "-", and never holds the namespacing separator.
 */
function serverIdFor(sourceId: string, separator: string): string {
  const id = sourceId
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .split(separator)
    .join('-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64);
  return id === '' ? 'server' : id;
}

/** Claude Desktop launches its servers: it launches this Toolgate, with this node, on the config's absolute path. */
function stdioEntry(configFile: string): Record<string, unknown> {
  return { command: process.execPath, args: [realpathSync(process.argv[1]!), 'stdio', '--config', configFile] };
}

/** Cursor and VS Code reach Toolgate over Streamable HTTP, at the address the config listens on. */
function urlEntry(kind: ClientKind, listen: ConfigOutline['listen']): Record<string, unknown> {
  if (listen.port === 0) {
    throw new ClientConfigError('The config listens on port 0 (any free port): give listen.port a fixed port first');
  }
  const host = listen.host === '0.0.0.0' ? '127.0.0.1' : listen.host === '::' ? '::1' : listen.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${listen.port}/mcp`;
  return kind === 'vscode' ? { type: 'http', url } : { url };
}

/** What the person must still do for the rewritten client to work. */
async function rewriteAdvice(kind: ClientKind, configText: string, outline: ConfigOutline): Promise<string[]> {
  if (kind === 'claude-desktop') {
    const names = new Set<string>();
    for (const match of configText.matchAll(/(?<!\$)\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)\}/g)) names.add(match[1]!);
    if (names.size === 0) return [];
    return [
      `The config refers to environment variables (${[...names].join(', ')}). Claude Desktop does not pass your`,
      'shell’s environment on: add them to the "env" of its "toolgate" entry, or Toolgate will not start.',
    ];
  }
  const advice = ['Start the gateway (toolgate start) before the client connects.'];
  if (outline.state.sqlite !== ':memory:' && existsSync(outline.state.sqlite)) {
    const db = openCliStateDb(outline.state);
    try {
      if (await new SqliteGrantStore(db).hasGrants()) {
        advice.push(
          'Grants exist, so the client needs a token: create a grant for it and add',
          '"headers": { "Authorization": "Bearer <token>" } to its "toolgate" entry.',
        );
      }
    } finally {
      db.close();
    }
  }
  return advice;
}

/** Copies `file` to `file.bak-<UTC time>` (with `-2`, `-3`... when that exists), never over an existing file. */
function backUp(file: string): string {
  const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  for (let attempt = 1; ; attempt++) {
    const backup = `${file}.bak-${stamp}${attempt === 1 ? '' : `-${attempt}`}`;
    try {
      copyFileSync(file, backup, constants.COPYFILE_EXCL);
      return backup;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ClientConfigError(`${file}: cannot read it: ${readFailure(error)}`);
  }
}

function clientKind(value: string): ClientKind {
  if (!(CLIENT_KINDS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${CLIENT_KINDS.join(', ')}`);
  }
  return value as ClientKind;
}
