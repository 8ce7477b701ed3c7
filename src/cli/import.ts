import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, DEFAULT_CONFIG_FILE, type ConfigOutline } from '../config/load.js';
import { CLIENT_KINDS, ClientConfigError, type ClientKind } from './client-config.js';
import {
  clientKind,
  importServers,
  pointClient,
  readClientConfig,
  reportImport,
  toolgateEntry,
  variablesIn,
} from './client-import.js';
import type { CliOutput } from './cli-output.js';

interface ImportOptions {
  rewrite?: boolean;
  client?: ClientKind;
  config?: string;
}

/** Adds `toolgate import FILE [--rewrite]`. */
export function addImportCommand(program: Command, out: CliOutput): void {
  program
    .command('import <file>')
    .description('Copy the MCP servers of a Claude Desktop, Cursor or VS Code config file into toolgate.json')
    .option('--rewrite', 'then point that client at Toolgate instead (its file is backed up first)')
    .option('--client <kind>', `${CLIENT_KINDS.join(', ')}: when the file's name does not tell`, clientKind)
    .option('-c, --config <file>', `the config to add them to, created if missing (default: ./${DEFAULT_CONFIG_FILE})`)
    .action((file: string, options: ImportOptions) => {
      try {
        runImport(resolve(file), options, out);
      } catch (error) {
        if (!(error instanceof ClientConfigError) && !(error instanceof ConfigError)) throw error;
        out.error(error.message);
        process.exitCode = 1;
      }
    });
}

function runImport(file: string, options: ImportOptions, out: CliOutput): void {
  const client = readClientConfig(file, options.client);
  if (options.rewrite === true && client.kind === undefined) {
    throw new ClientConfigError(
      `${file}: cannot tell which client this file belongs to; name it with --client ${CLIENT_KINDS.join('|')}`,
    );
  }
  const configFile = resolve(options.config ?? DEFAULT_CONFIG_FILE);
  const { plan, existing, text, outline } = importServers(client, configFile);
  // Everything that can fail is settled before the first file is written.
  const kind = client.kind;
  const entry =
    options.rewrite !== true || kind === undefined ? undefined : toolgateEntry(kind, configFile, outline.listen);
  // A rewritten Claude Desktop launches Toolgate on this file, so it must exist even with nothing imported.
  if (plan.imported.length > 0 || (entry !== undefined && existing === null)) writeFileSync(configFile, text);

  const left = entry ? 'left in the client’s file as they are' : 'fix, then import again';
  reportImport(file, configFile, plan, left, out);
  if (entry === undefined || kind === undefined) return;

  const backup = pointClient(client, plan, entry);
  out.log(`Pointed ${file} at Toolgate (the original is in ${backup}); restart the client to use it.`);
  for (const line of rewriteAdvice(kind, text, outline)) out.log(line);
}

/** What the person must still do for the rewritten client to work. */
function rewriteAdvice(kind: ClientKind, configText: string, outline: ConfigOutline): string[] {
  if (kind === 'claude-desktop') {
    const names = variablesIn(configText);
    if (names.length === 0) return [];
    return [
      `The config refers to environment variables (${names.join(', ')}). Claude Desktop does not pass your`,
      'shell’s environment on: add them to the "env" of its "toolgate" entry, or Toolgate will not start.',
    ];
  }
  const advice = ['Start the gateway (toolgate start) before the client connects.'];
  if (!outline.listen.allowTokenless) {
    advice.push(
      'The client needs a grant’s token: create one (toolgate grants create --label NAME --policy FILE) and add',
      '"headers": { "Authorization": "Bearer <token>" } to its "toolgate" entry; or, to serve this machine’s',
      'clients without a token under the config’s policy, set "listen": { "allowTokenless": true } in the config.',
    );
  }
  return advice;
}
