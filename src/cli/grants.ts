import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { GatewayConfig } from '../config/load.js';
import { GrantError, SqliteGrantStore, type GrantStore } from '../grants/grant-store.js';
import type { Grant } from '../grants/grant.js';
import { openStateDb } from '../state/state-db.js';

/** Where the grant commands print. */
export interface CliOutput {
  log(line: string): void;
  error(line: string): void;
}

/**
 * Adds `toolgate grants create|list|rotate|revoke`. They act on the state database the config names, which
 * the running gateway reads on every request: changes apply to the next call.
 */
export function addGrantCommands(
  program: Command,
  readConfig: (file: string | undefined) => GatewayConfig,
  out: CliOutput,
): void {
  const grants = program.command('grants').description('Manage grants: one bearer token per agent');
  const withStore = async (
    configFile: string | undefined,
    run: (store: GrantStore, config: GatewayConfig) => Promise<void>,
  ) => {
    const config = readConfig(configFile);
    const db = openStateDb(config.state.sqlite);
    try {
      await run(new SqliteGrantStore(db), config);
    } catch (error) {
      if (!(error instanceof GrantError)) throw error;
      out.error(error.message);
      process.exitCode = 1;
    } finally {
      db.close();
    }
  };

  grants
    .command('create')
    .description('Create a grant and print its token (shown once, never stored)')
    .requiredOption('--label <label>', 'a name for the agent or machine, e.g. ci-runner')
    .option('--policy <file>', 'the policy file that decides its calls (without one, it is denied everything)')
    .option('--servers <ids>', 'comma-separated server ids it may use (default: all)')
    .option('-c, --config <file>', 'config file (default: ./toolgate.json if present)')
    .action((options: { label: string; policy?: string; servers?: string; config?: string }) =>
      withStore(options.config, async (store, config) => {
        const policy = options.policy === undefined ? null : resolve(options.policy);
        if (policy !== null && !existsSync(policy)) throw new GrantError(`No policy file at ${policy}`);
        const servers = options.servers === undefined ? null : options.servers.split(',').map((id) => id.trim());
        const unknown = (servers ?? []).filter((id) => !config.servers.some((server) => server.id === id));
        if (unknown.length > 0) throw new GrantError(`Unknown server ids: ${unknown.join(', ')}`);
        const { grant, token } = await store.create({ label: options.label, policy, servers }, Date.now());
        out.log(`Created grant "${grant.label}" (${grant.id}). Its token, shown this once:`);
        out.log(token);
        if (policy === null) out.log('It has no policy, so every call it makes is denied until it gets one.');
      }),
    );

  grants
    .command('list')
    .description('List grants (tokens are never shown)')
    .option('-c, --config <file>', 'config file (default: ./toolgate.json if present)')
    .action((options: { config?: string }) =>
      withStore(options.config, async (store) => {
        const all = await store.list();
        if (all.length === 0) out.log('No grants. Create one with: toolgate grants create --label NAME --policy FILE');
        for (const grant of all) out.log(describe(grant));
      }),
    );

  grants
    .command('rotate <label>')
    .description('Give a grant a new token; the old one stops working at once')
    .option('-c, --config <file>', 'config file (default: ./toolgate.json if present)')
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
    .option('-c, --config <file>', 'config file (default: ./toolgate.json if present)')
    .action((label: string, options: { config?: string }) =>
      withStore(options.config, async (store) => {
        const grant = await store.revoke(label, Date.now());
        out.log(`Revoked grant "${grant.label}" (${grant.id}).`);
      }),
    );
}

function describe(grant: Grant): string {
  const status = grant.revokedAt === null ? 'active' : `revoked ${new Date(grant.revokedAt).toISOString()}`;
  const servers = grant.servers === null ? 'all servers' : `servers ${grant.servers.join(',')}`;
  return [
    grant.label,
    grant.id,
    status,
    grant.policy ?? '(no policy)',
    servers,
    `created ${new Date(grant.createdAt).toISOString()}`,
  ].join('\t');
}
