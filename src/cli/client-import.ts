import { constants, copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { applyEdits, modify, parse } from 'jsonc-parser';
import { ConfigError, parseConfigOutline, type ConfigIssue, type ConfigOutline } from '../config/load.js';
import { formatJsonPath } from '../json/json-path.js';
import { stdioCommand } from '../config/stdio-command.js';
import { readFailure } from '../json/read-failure.js';
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

/** What became of each of the client's servers. */
export interface ImportPlan {
  /** New entries for toolgate.json: `id` there, `sourceId` in the client's file. */
  readonly imported: { id: string; sourceId: string; entry: Record<string, unknown> }[];
  /** The client's ids of the servers that were behind Toolgate already (or were Toolgate). */
  readonly present: string[];
  /** `id: what happened`, for the servers imported with a remark or skipped. */
  readonly notes: string[];
  /** `id: why`, for the servers Toolgate cannot take; they stay in the client's file. */
  readonly refused: string[];
}

/** A client's servers planned into toolgate.json: nothing is written yet. */
export interface ServerImport {
  readonly plan: ImportPlan;
  /** toolgate.json as it was; null when there was none. */
  readonly existing: string | null;
  /** toolgate.json with the imported servers, validated. */
  readonly text: string;
  readonly outline: ConfigOutline;
}

/** The server id a client's entry for Toolgate itself has: what `import` and `init` write and then skip. */
export const TOOLGATE_ID = 'toolgate';

const FORMATTING = { formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' } } as const;

/**
 * Reads a client's config file.
 * @throws ClientConfigError naming the file, and where and what is wrong with it.
 */
export function readClientConfig(file: string, kind?: ClientKind): ClientConfig {
  return parseClientConfig(readText(file), file, kind);
}

/**
 * Plans the client's servers into the toolgate.json at `configFile` (created when missing, added to otherwise,
 * never changing what it has). With `policy`, a config without a `policy` gets that one.
 * @throws ConfigError when the existing toolgate.json does not load: adding to it would hide where the problem is.
 */
export function importServers(
  client: ClientConfig,
  configFile: string,
  options: { readonly policy?: string } = {},
): ServerImport {
  const existing = existsSync(configFile) ? readText(configFile) : null;
  const before = existing === null ? null : parseConfigOutline(existing, configFile);
  const plan = planImport(client, existing, before?.namespacing.separator ?? '__');
  for (;;) {
    const text = candidate(existing, plan.imported, options.policy);
    try {
      return { plan, existing, text, outline: parseConfigOutline(text, configFile) };
    } catch (error) {
      if (!(error instanceof ConfigError) || refuseInvalid(plan, error.issues) === 0) throw error;
    }
  }
}

/** How the client reaches Toolgate: the stdio command for one grant's calls, a URL with a token otherwise. */
export interface ToolgateAccess {
  /** The grant a launched `toolgate stdio` runs as; none: the config's policy for local callers. */
  readonly grant?: string;
  /** The bearer token an HTTP client sends; none: the client is left to add it. */
  readonly token?: string;
}

/**
 * The client's entry for Toolgate. Claude Desktop launches its servers: it launches this Toolgate, with this node,
 * on the config's absolute path. Cursor and VS Code reach it over Streamable HTTP, at the config's address.
 * @throws ClientConfigError when the config listens on no fixed port.
 */
export function toolgateEntry(
  kind: ClientKind,
  configFile: string,
  listen: ConfigOutline['listen'],
  access: ToolgateAccess = {},
): Record<string, unknown> {
  if (kind === 'claude-desktop') {
    const [command, ...args] = stdioCommand(configFile, access.grant);
    return { command, args };
  }
  const url = gatewayUrl(listen);
  if (url === null) {
    throw new ClientConfigError('The config listens on port 0 (any free port): give listen.port a fixed port first');
  }
  const headers = access.token === undefined ? {} : { headers: { Authorization: `Bearer ${access.token}` } };
  return kind === 'vscode' ? { type: 'http', url, ...headers } : { url, ...headers };
}

/** The address clients on this machine reach the gateway at; null when it listens on any free port. */
export function gatewayUrl(listen: ConfigOutline['listen']): string | null {
  if (listen.port === 0) return null;
  const host = listen.host === '0.0.0.0' ? '127.0.0.1' : listen.host === '::' ? '::1' : listen.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${listen.port}/mcp`;
}

/**
 * Points the client's file at Toolgate: the servers now behind Toolgate replaced by `entry`, the rest kept.
 * @returns the backup of the original file.
 */
export function pointClient(client: ClientConfig, plan: ImportPlan, entry: Record<string, unknown>): string {
  const backup = backUp(client.file);
  writeFileSync(client.file, pointAtToolgate(client, movedServers(plan), entry));
  return backup;
}

/**
 * Says which servers were imported, with the notes on them, and which were not and why.
 * @param left what becomes of the servers not imported, for the person to read.
 */
export function reportImport(file: string, configFile: string, plan: ImportPlan, left: string, out: CliOutput): void {
  const ids = plan.imported.map(({ id }) => id);
  out.log(
    ids.length === 0
      ? `No server imported from ${file}.`
      : `Imported ${ids.length} ${ids.length === 1 ? 'server' : 'servers'} from ${file} into ${configFile}: ${ids.join(', ')}`,
  );
  for (const note of plan.notes) out.log(`  ${note}`);
  if (plan.refused.length === 0) return;
  out.error(`Not imported (${left}):`);
  for (const line of plan.refused) out.error(`  ${line}`);
}

/** The client's ids of the servers behind Toolgate once it is pointed at it (its own entry included). */
export function movedServers(plan: ImportPlan): string[] {
  return [...plan.present, ...plan.imported.map(({ sourceId }) => sourceId)];
}

/** The names of the environment variables a config refers to, which a client that launches Toolgate must pass. */
export function variablesIn(configText: string): string[] {
  const names = new Set<string>();
  for (const match of configText.matchAll(/(?<!\$)\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)\}/g)) names.add(match[1]!);
  return [...names];
}

/** The issues of `issues` that are about the server `id` of toolgate.json. */
export function issuesOfServer(issues: readonly ConfigIssue[], id: string): ConfigIssue[] {
  const at = formatJsonPath(['mcpServers', id]);
  return issues.filter(
    (issue) => issue.path === at || (issue.path.startsWith(at) && /^[.[]/.test(issue.path.slice(at.length))),
  );
}

/** The client's servers other than Toolgate itself. */
export function serversBesideToolgate(client: ClientConfig): string[] {
  return client.servers.map(([id]) => id).filter((id) => id !== TOOLGATE_ID);
}

/** `--client KIND`, for commander. */
export function clientKind(value: string): ClientKind {
  if (!(CLIENT_KINDS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${CLIENT_KINDS.join(', ')}`);
  }
  return value as ClientKind;
}

/** Decides, for each of the client's servers, whether it is imported, already there, or refused. */
function planImport(client: ClientConfig, existing: string | null, separator: string): ImportPlan {
  const taken = new Set(existing === null ? [] : serverIdsIn(existing));
  const plan: ImportPlan = { imported: [], present: [], notes: [], refused: [] };
  for (const [sourceId, entry] of client.servers) {
    if (sourceId === TOOLGATE_ID) {
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
    const own = issuesOfServer(issues, id);
    if (own.length === 0) continue;
    plan.imported.splice(index, 1);
    plan.refused.push(`${sourceId}: ${own.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`);
    count++;
  }
  return count;
}

/** toolgate.json with the imported entries (and `policy` where it has none): the existing file edited, or a new one. */
function candidate(existing: string | null, imported: ImportPlan['imported'], policy: string | undefined): string {
  const entries = imported.map(({ id, entry }) => [id, entry] as const);
  if (existing === null) {
    const document = { ...(policy === undefined ? {} : { policy }), mcpServers: Object.fromEntries(entries) };
    return `${JSON.stringify(document, null, 2)}\n`;
  }
  const text = withServers(existing, entries);
  const current = (parse(text) as { policy?: unknown } | undefined)?.policy;
  if (policy === undefined || current !== undefined) return text;
  return applyEdits(text, modify(text, ['policy'], policy, FORMATTING));
}

/** The server ids a toolgate.json has, disabled ones included. */
export function serverIdsIn(text: string): string[] {
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
