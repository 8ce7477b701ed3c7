import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { applyEdits, modify } from 'jsonc-parser';
import { ConfigError, DEFAULT_CONFIG_FILE, parseConfig, type GatewayConfig } from '../config/load.js';
import { buildInventory, type UnlistedServer } from '../inventory/inventory.js';
import { suggestPolicy } from '../inventory/suggested-policy.js';
import { classifyServers } from '../risk/classify-servers.js';
import { listConfiguredServers } from '../services/server-listings.js';
import { CLIENT_KINDS, ClientConfigError, type ClientConfig, type ClientKind } from './client-config.js';
import {
  clientKind,
  gatewayUrl,
  importServers,
  issuesOfServer,
  movedServers,
  pointClient,
  readClientConfig,
  reportImport,
  serverIdsIn,
  toolgateEntry,
  TOOLGATE_ID,
  variablesIn,
  type ServerImport,
} from './client-import.js';
import { clientLocations } from './client-locations.js';
import { CliError, reportingErrors } from './cli-error.js';
import { stdioCommand } from '../config/stdio-command.js';
import type { CliOutput } from './cli-output.js';
import { findClientConfig } from './find-client-config.js';
import { nextSteps, pointingAdvice } from './init-advice.js';
import { inventorySummary } from './inventory-summary.js';
import { ruleOptions, type RuleFlags } from './inventory.js';
import { withServices } from './state-services.js';

/** The file init writes the suggested policy to, beside toolgate.json. */
const POLICY_FILE = 'toolgate-policy.json';
/** The grant init creates for the client's agent. */
const GRANT = 'agent';

interface InitOptions extends RuleFlags {
  clientConfig?: string;
  client?: ClientKind;
  dir?: string;
  rewrite?: boolean;
  yes?: boolean;
  admin?: string;
}

/** Adds `toolgate init`. */
export function addInitCommand(program: Command, out: CliOutput): void {
  program
    .command('init')
    .description(
      "Put Toolgate in front of an MCP client's servers: import them, classify every tool, write toolgate.json and " +
        'a safe policy, and create a grant for the agent',
    )
    .option('--client-config <file>', 'the client config to import (default: the one found in the usual places)')
    .option(
      '--client <kind>',
      `${CLIENT_KINDS.join(', ')}: the client to look for, or the one the file belongs to`,
      clientKind,
    )
    .option('--dir <dir>', 'where to write toolgate.json and its policy (default: this folder)')
    .option('--destructive <how>', 'hide Destructive tools ("hide") or hold them for approval ("approve")', 'hide')
    .option('--root <dir>', 'refuse paths outside this folder for tools that change or run things')
    .option('--rewrite', 'point the client at Toolgate too (its file is backed up first)')
    .option('--yes', `replace the ${POLICY_FILE} and the grant "${GRANT}" of an earlier init`)
    .option('--admin <name>', "add the console's first admin with this name, and show their password once")
    .action((options: InitOptions) =>
      reportingErrors(out, async () => {
        try {
          await runInit(options, out);
        } catch (error) {
          if (error instanceof ClientConfigError || error instanceof ConfigError) throw new CliError(error.message);
          throw error;
        }
      }),
    );
}

async function runInit(options: InitOptions, out: CliOutput): Promise<void> {
  const rules = ruleOptions(options);
  const client = options.clientConfig
    ? readClientConfig(resolve(options.clientConfig), options.client)
    : discoverClientConfig(options.client);
  if (options.rewrite === true && client.kind === undefined) {
    throw new ClientConfigError(
      `${client.file}: cannot tell which client this file belongs to; name it with --client ${CLIENT_KINDS.join('|')}`,
    );
  }
  const dir = resolve(options.dir ?? '.');
  const configFile = join(dir, DEFAULT_CONFIG_FILE);
  const policyFile = join(dir, POLICY_FILE);
  if (existsSync(policyFile) && options.yes !== true) {
    throw new CliError(
      `${policyFile} exists already (from an earlier toolgate init?): pass --yes to replace it and give the grant ` +
        `"${GRANT}" a new token, or --dir DIR to set up elsewhere`,
    );
  }

  // Everything that can fail is settled before the first file is written.
  const imported = importServers(client, configFile, { policy: POLICY_FILE });
  reportImport(client.file, configFile, imported.plan, 'left in the client’s file as they are', out);
  const { outline } = imported;
  if (outline.serverIds.length === 0) {
    throw new CliError(`No server to put behind Toolgate: neither ${client.file} nor ${configFile} has one it can run`);
  }
  if (outline.state.sqlite === ':memory:') {
    throw new CliError(`${configFile}: state.sqlite is ":memory:": the grant init creates would be lost at once`);
  }
  if (options.yes !== true) await refuseExistingGrant(imported, out);
  // Claude Desktop's entry is complete now; the others wait for the token, but their address is checked here.
  if (options.rewrite === true) toolgateEntry(client.kind!, configFile, outline.listen);
  const { config, unset } = listableConfig(imported.text, configFile);

  out.error(`Starting ${config.servers.length} servers to list their tools…`);
  const listed = await listConfiguredServers(config);
  const inventory = buildInventory(
    listed.listings,
    [...listed.unlisted, ...unset],
    config.namespacing,
    classifyServers,
  );
  const suggested = suggestPolicy(inventory, rules);

  mkdirSync(dir, { recursive: true });
  if (imported.text !== imported.existing) writeFileSync(configFile, imported.text);
  writeFileSync(policyFile, `${JSON.stringify(suggested.policy, null, 2)}\n`);
  const token = await grantFor(imported, policyFile, out);

  out.log('');
  for (const line of inventorySummary(outline.serverIds, inventory, suggested)) out.log(line);
  out.log('');
  out.log(imported.text === imported.existing ? `Kept ${configFile} as it was.` : `Wrote ${configFile}.`);
  out.log(`Wrote ${policyFile}: what is not allowed is denied; a rule for each tool, with its reason.`);
  out.log(
    outline.policy === policyFile
      ? `  It is the policy of local callers (toolgate stdio without --grant, tokenless HTTP callers).`
      : `  Local callers keep the config's own policy: ${outline.policy ?? 'none (they may call every tool)'}.`,
  );
  out.log(`Grant "${GRANT}" has that policy. Its token, shown this once (HTTP clients send it):`);
  out.log(token);
  out.log('');
  if (options.admin !== undefined) {
    for (const line of await firstAdmin(imported, options.admin, out)) out.log(line);
    out.log('');
  }

  const access = { grant: GRANT, token };
  const url = gatewayUrl(outline.listen);
  const kind = client.kind;
  const entry =
    kind === undefined || (kind !== 'claude-desktop' && url === null)
      ? null
      : toolgateEntry(kind, configFile, outline.listen, access);
  const backup = options.rewrite === true && entry !== null ? pointClient(client, imported.plan, entry) : null;
  const advice = pointingAdvice({
    client,
    moved: movedServers(imported.plan).filter((id) => id !== TOOLGATE_ID),
    entry,
    command: stdioCommand(configFile, GRANT),
    url,
    backup,
    variables: variablesIn(imported.text),
  });
  for (const line of [...advice, '', ...nextSteps(configFile, resolve(DEFAULT_CONFIG_FILE), url, GRANT)]) {
    out.log(line);
  }
}

/** The client config at the usual places (of `kind` only, when given), with servers to import. */
function discoverClientConfig(kind: ClientKind | undefined): ClientConfig {
  const settings = process.platform === 'win32' ? process.env.APPDATA : process.env.XDG_CONFIG_HOME;
  const locations = clientLocations({
    platform: process.platform,
    home: homedir(),
    cwd: process.cwd(),
    ...(settings ? { appData: settings } : {}),
  }).filter((location) => kind === undefined || location.kind === kind);
  return findClientConfig(locations, (location) =>
    existsSync(location.file) ? readClientConfig(location.file, location.kind) : undefined,
  );
}

/** Refuses to run again over the grant of an earlier init, which --yes would give a new token. */
async function refuseExistingGrant({ outline }: ServerImport, out: CliOutput): Promise<void> {
  if (!existsSync(outline.state.sqlite)) return;
  await withServices(outline, out, async ({ grants }) => {
    if (!(await grants.find(GRANT))) return;
    throw new CliError(
      `A grant labelled "${GRANT}" exists already in ${outline.state.sqlite}: pass --yes to give it the new policy ` +
        `and a new token, or revoke it first (toolgate grants revoke ${GRANT})`,
    );
  });
}

/** Creates the grant `agent` with the suggested policy, or gives an earlier one that policy and a new token. */
async function grantFor({ outline }: ServerImport, policyFile: string, out: CliOutput): Promise<string> {
  let token = '';
  await withServices(
    outline,
    out,
    async ({ grants }) => {
      if (!(await grants.find(GRANT))) {
        token = (await grants.create({ label: GRANT, policy: policyFile })).token;
        return;
      }
      await grants.update(GRANT, { policy: policyFile, servers: null });
      token = (await grants.rotate(GRANT)).token;
    },
    'create',
  );
  return token;
}

/** Adds the console's first admin, with a password made for them; an existing member of that name is kept. */
async function firstAdmin({ outline }: ServerImport, name: string, out: CliOutput): Promise<string[]> {
  const lines: string[] = [];
  await withServices(
    outline,
    out,
    async ({ members }) => {
      if ((await members.list()).some((member) => member.name === name)) {
        lines.push(`Member "${name}" exists already: kept, with their password.`);
        return;
      }
      const { madePassword } = await members.add(name, 'admin');
      lines.push(`Console admin "${name}" added. Their password, shown this once:`, madePassword ?? '');
    },
    'create',
  );
  return lines;
}

/**
 * The config the servers are started from. A server whose entry refers to an environment variable that is not
 * set cannot start; it is set aside, with the reason, rather than stopping the whole setup.
 * @throws ConfigError for a problem that is not a server's.
 */
function listableConfig(text: string, file: string): { config: GatewayConfig; unset: UnlistedServer[] } {
  const unset: UnlistedServer[] = [];
  let current = text;
  for (;;) {
    try {
      return { config: parseConfig(current, file), unset };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const ids = serverIdsIn(current).filter(
        (id) => !unset.some((server) => server.serverId === id) && issuesOfServer(error.issues, id).length > 0,
      );
      if (ids.length === 0) throw error;
      for (const id of ids) {
        const why = issuesOfServer(error.issues, id).map((issue) => issue.message);
        unset.push({ serverId: id, why: why.join('; ') });
        current = applyEdits(current, modify(current, ['mcpServers', id, 'disabled'], true, {}));
      }
    }
  }
}
