import { resolve } from 'node:path';
import type { Command } from 'commander';
import { systemClock } from '../clock.js';
import type { ConfigOutline } from '../config/load.js';
import { grantView, type GrantEdit } from '../services/grant-service.js';
import { CliError, reportingErrors } from './cli-error.js';
import { recordCliChange } from './cli-actor.js';
import type { CliOutput } from './cli-output.js';
import { readableTime, relativeTime } from './readable-time.js';
import { withServices } from './state-services.js';
import { formatTable } from './table.js';

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
  const config = ['-c, --config <file>', 'config file (default: ./toolgate.json if present)'] as const;

  grants
    .command('create')
    .description('Create a grant and print its token (shown once, never stored)')
    .requiredOption('--label <label>', 'a name for the agent or machine, e.g. ci-runner')
    .option('--policy <file>', 'the policy file that decides its calls (without one, it is denied everything)')
    .option('--servers <ids>', 'comma-separated server ids it may use (default: all)')
    .option(...config)
    .action((options: { label: string; policy?: string; servers?: string; config?: string }) =>
      reportingErrors(out, () =>
        withServices(
          readConfig(options.config),
          out,
          async (services) => {
            const { grant, token } = await services.grants.create({
              label: options.label,
              ...(options.policy === undefined ? {} : { policy: resolve(options.policy) }),
              ...(options.servers === undefined ? {} : { servers: serverList(options.servers) }),
            });
            await recordCliChange(services, {
              action: 'grant_created',
              target: grant.label,
              what: `created grant "${grant.label}"`,
            });
            out.log(`Created grant "${grant.label}" (${grant.id}). Its token, shown this once:`);
            out.log(token);
            if (grant.policy === null) {
              out.log('It has no policy, so every call it makes is denied until it gets one.');
            }
            // On stderr, so that a script reading the token from stdout is not confused by it.
            out.error('Its client sends it in the header "Authorization: Bearer <token>".');
          },
          'create',
        ),
      ),
    );

  grants
    .command('list')
    .description('List grants, revoked ones included (tokens are never shown)')
    .option('--json', 'JSON Lines, times in ISO 8601, instead of a table')
    .option(...config)
    .action((options: { json?: boolean; config?: string }) =>
      reportingErrors(out, () =>
        withServices(readConfig(options.config), out, async ({ grants }) => {
          const all = await grants.list();
          if (options.json === true) {
            for (const grant of all) out.log(JSON.stringify(grantView(grant)));
            return;
          }
          if (all.length === 0) {
            out.log('No grants. Create one with: toolgate grants create --label NAME --policy FILE');
          }
          const now = systemClock.now();
          const rows = all.map((grant) => [
            grant.label,
            grant.id,
            grant.revokedAt === null ? 'active' : `revoked ${relativeTime(grant.revokedAt, now)}`,
            grant.servers === null ? '(all)' : grant.servers.join(','),
            `${readableTime(grant.createdAt)} (${relativeTime(grant.createdAt, now)})`,
            grant.policy ?? '(none: denied everything)',
          ]);
          for (const line of formatTable(['LABEL', 'ID', 'STATUS', 'SERVERS', 'CREATED', 'POLICY'], rows)) {
            out.log(line);
          }
        }),
      ),
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
        reportingErrors(out, () =>
          withServices(readConfig(options.config), out, async (services) => {
            const { grants } = services;
            if (options.servers !== undefined && options.allServers === true) {
              throw new CliError('Give --servers or --all-servers, not both');
            }
            const edit: GrantEdit = {
              ...(options.label === undefined ? {} : { label: options.label }),
              ...(options.policy === undefined ? {} : { policy: resolve(options.policy) }),
              ...(options.servers === undefined ? {} : { servers: serverList(options.servers) }),
              ...(options.allServers === true ? { servers: null } : {}),
            };
            if (Object.keys(edit).length === 0) {
              throw new CliError('Nothing to change: give --label, --policy, --servers or --all-servers');
            }
            const grant = await grants.update(label, edit);
            await recordCliChange(services, {
              action: 'grant_changed',
              target: grant.label,
              what: `changed the ${Object.keys(edit).join(', ')} of grant "${grant.label}"`,
            });
            out.log(`Updated grant "${grant.label}" (${grant.id}); its token is unchanged.`);
            out.log(`  policy:  ${grant.policy ?? '(none: denied everything)'}`);
            out.log(`  servers: ${grant.servers === null ? '(all)' : grant.servers.join(',')}`);
          }),
        ),
    );

  grants
    .command('rotate <label>')
    .description('Give a grant a new token; the old one stops working at once')
    .option(...config)
    .action((label: string, options: { config?: string }) =>
      reportingErrors(out, () =>
        withServices(readConfig(options.config), out, async (services) => {
          const { grant, token } = await services.grants.rotate(label);
          await recordCliChange(services, {
            action: 'grant_rotated',
            target: grant.label,
            what: `rotated the token of grant "${grant.label}"`,
          });
          out.log(`Rotated grant "${grant.label}" (${grant.id}). Its new token, shown this once:`);
          out.log(token);
        }),
      ),
    );

  grants
    .command('revoke <label>')
    .description('Revoke a grant; its token stops working at once')
    .option(...config)
    .action((label: string, options: { config?: string }) =>
      reportingErrors(out, () =>
        withServices(readConfig(options.config), out, async (services) => {
          const grant = await services.grants.revoke(label);
          await recordCliChange(services, {
            action: 'grant_revoked',
            target: grant.label,
            what: `revoked grant "${grant.label}"`,
          });
          out.log(`Revoked grant "${grant.label}" (${grant.id}).`);
        }),
      ),
    );
}

/** The ids of `--servers`; whether the config names them is for the grant service to say. */
function serverList(text: string): string[] {
  const ids = text
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  if (ids.length === 0) throw new CliError('--servers: expected comma-separated server ids');
  return ids;
}
