import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ConfigOutline } from '../config/load.js';
import { GrantError, SqliteGrantStore, type GrantChanges, type GrantStore } from '../grants/grant-store.js';
import type { Grant } from '../grants/grant.js';
import { loadPolicy } from '../config/load-policy.js';
import { PolicyError } from '../policy/policy-error.js';
import { openStateDb } from '../state/state-db.js';
import { openExistingStateDb } from './existing-state-db.js';
import { readableTime, relativeTime } from './readable-time.js';
import { formatTable } from './table.js';

/** Where the grant commands print. */
export interface CliOutput {
  log(line: string): void;
  error(line: string): void;
}

/**
 * Adds `toolgate grants create|list|update|rotate|revoke`. They act on the state database the config names, which
 * the running gateway reads on every request: changes apply to the next call.
 */
export function addGrantCommands(
  program: Command,
  readConfig: (file: string | undefined) => ConfigOutline,
  out: CliOutput,
): void {
  const grants = program.command('grants').description('Manage grants: one bearer token per agent');
  // Only `grants create` may create the state database; the others act on grants that must already be in it.
  const withStore = async (
    configFile: string | undefined,
    run: (store: GrantStore, config: ConfigOutline) => Promise<void>,
    opening: 'create' | 'existing' = 'existing',
  ) => {
    const config = readConfig(configFile);
    const db =
      opening === 'create' ? openStateDb(config.state.sqlite) : openExistingStateDb(config.state.sqlite, out.error);
    try {
      await run(new SqliteGrantStore(db), config);
    } catch (error) {
      if (!(error instanceof GrantError) && !(error instanceof PolicyError)) throw error;
      out.error(error.message);
      process.exitCode = 1;
    } finally {
      db.close();
    }
  };
  const config = ['-c, --config <file>', 'config file (default: ./toolgate.json if present)'] as const;

  grants
    .command('create')
    .description('Create a grant and print its token (shown once, never stored)')
    .requiredOption('--label <label>', 'a name for the agent or machine, e.g. ci-runner')
    .option('--policy <file>', 'the policy file that decides its calls (without one, it is denied everything)')
    .option('--servers <ids>', 'comma-separated server ids it may use (default: all)')
    .option(...config)
    .action((options: { label: string; policy?: string; servers?: string; config?: string }) =>
      withStore(
        options.config,
        async (store, config) => {
          const policy = options.policy === undefined ? null : loadablePolicy(options.policy);
          const servers = options.servers === undefined ? null : serverList(options.servers, config);
          const first = !(await store.hasActiveGrants());
          const { grant, token } = await store.create({ label: options.label, policy, servers }, Date.now());
          out.log(`Created grant "${grant.label}" (${grant.id}). Its token, shown this once:`);
          out.log(token);
          if (policy === null) out.log('It has no policy, so every call it makes is denied until it gets one.');
          // On stderr, so that a script reading the token from stdout is not confused by it.
          if (first) for (const line of FIRST_GRANT_WARNING) out.error(line);
        },
        'create',
      ),
    );

  grants
    .command('list')
    .description('List grants, revoked ones included (tokens are never shown)')
    .option('--json', 'JSON Lines, times in ISO 8601, instead of a table')
    .option(...config)
    .action((options: { json?: boolean; config?: string }) =>
      withStore(options.config, async (store) => {
        const all = await store.list();
        if (options.json === true) {
          for (const grant of all) out.log(JSON.stringify(grantJson(grant)));
          return;
        }
        if (all.length === 0) out.log('No grants. Create one with: toolgate grants create --label NAME --policy FILE');
        const now = Date.now();
        const rows = all.map((grant) => [
          grant.label,
          grant.id,
          grant.revokedAt === null ? 'active' : `revoked ${relativeTime(grant.revokedAt, now)}`,
          grant.servers === null ? '(all)' : grant.servers.join(','),
          `${readableTime(grant.createdAt)} (${relativeTime(grant.createdAt, now)})`,
          grant.policy ?? '(none: denied everything)',
        ]);
        for (const line of formatTable(['LABEL', 'ID', 'STATUS', 'SERVERS', 'CREATED', 'POLICY'], rows)) out.log(line);
      }),
    );

  grants
    .command('update <label>')
    .description("Change a grant's label, policy or servers; its token stays the same")
    .option('--label <label>', 'its new label')
    .option('--policy <file>', 'the policy file that decides its calls from now on')
    .option('--servers <ids>', 'comma-separated server ids it may use from now on')
    .option('--all-servers', 'it may use every server from now on')
    .option(...config)
    .action(
      (
        label: string,
        options: { label?: string; policy?: string; servers?: string; allServers?: boolean; config?: string },
      ) =>
        withStore(options.config, async (store, config) => {
          if (options.servers !== undefined && options.allServers === true) {
            throw new GrantError('Give --servers or --all-servers, not both');
          }
          const changes: GrantChanges = {
            ...(options.label === undefined ? {} : { label: options.label }),
            ...(options.policy === undefined ? {} : { policy: loadablePolicy(options.policy) }),
            ...(options.servers === undefined ? {} : { servers: serverList(options.servers, config) }),
            ...(options.allServers === true ? { servers: null } : {}),
          };
          if (Object.keys(changes).length === 0) {
            throw new GrantError('Nothing to change: give --label, --policy, --servers or --all-servers');
          }
          const grant = await store.update(label, changes);
          out.log(`Updated grant "${grant.label}" (${grant.id}); its token is unchanged.`);
          out.log(`  policy:  ${grant.policy ?? '(none: denied everything)'}`);
          out.log(`  servers: ${grant.servers === null ? '(all)' : grant.servers.join(',')}`);
        }),
    );

  grants
    .command('rotate <label>')
    .description('Give a grant a new token; the old one stops working at once')
    .option(...config)
    .action((label: string, options: { config?: string }) =>
      withStore(options.config, async (store) => {
        const { grant, token } = await store.rotate(label, Date.now());
        out.log(`Rotated grant "${grant.label}" (${grant.id}). Its new token, shown this once:`);
        out.log(token);
      }),
    );

  grants
    .command('revoke <label>')
    .description('Revoke a grant; its token stops working at once')
    .option(...config)
    .action((label: string, options: { config?: string }) =>
      withStore(options.config, async (store) => {
        const grant = await store.revoke(label, Date.now());
        out.log(`Revoked grant "${grant.label}" (${grant.id}).`);
      }),
    );
}

/**
 * Until the first grant exists, a gateway on loopback serves HTTP clients without a token; from then on it asks
 * every one for a grant's token, so the clients set up without one stop working at once.
 */
const FIRST_GRANT_WARNING = [
  'This is the first grant. From now on every HTTP client must send a grant’s token: those set up without one',
  '(a Cursor or VS Code entry with only a "url", curl, the MCP Inspector) now get 401 Unauthorized. Give each',
  'its own grant (toolgate grants create --label NAME --policy FILE) and put its token in the client’s entry:',
  '  "headers": { "Authorization": "Bearer <token>" }',
  'Clients that launch `toolgate stdio` are not affected: they run as the local user, under the config’s policy.',
];

/**
 * The absolute path of a policy file that loads, as the gateway would load it; a file that does not is refused
 * with the problems `toolgate policy check` reports, so that no grant is made that would be denied everything.
 */
function loadablePolicy(file: string): string {
  const path = resolve(file);
  loadPolicy(path);
  return path;
}

function serverList(text: string, config: ConfigOutline): string[] {
  const ids = text
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  if (ids.length === 0) throw new GrantError('--servers: expected comma-separated server ids');
  const unknown = ids.filter((id) => !config.serverIds.includes(id));
  if (unknown.length > 0) {
    const known = config.serverIds.length === 0 ? 'the config names none' : `known: ${config.serverIds.join(', ')}`;
    throw new GrantError(`Unknown server ids: ${unknown.join(', ')} (${known})`);
  }
  return ids;
}

/** A grant as `grants list --json` prints it: times in ISO 8601, null when they have not happened. */
function grantJson(grant: Grant): Record<string, unknown> {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: grant.id,
    label: grant.label,
    status: grant.revokedAt === null ? 'active' : 'revoked',
    policy: grant.policy,
    servers: grant.servers,
    createdAt: iso(grant.createdAt),
    rotatedAt: iso(grant.rotatedAt),
    revokedAt: iso(grant.revokedAt),
  };
}
