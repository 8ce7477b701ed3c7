import type { Command } from 'commander';
import type { ConfigOutline } from '../config/load.js';
import { ROLES } from '../members/member.js';
import { reportingErrors } from './cli-error.js';
import { recordCliChange } from './cli-actor.js';
import type { CliOutput } from './cli-output.js';
import { readableTime } from './readable-time.js';
import { withServices } from './state-services.js';
import { formatTable } from './table.js';

/**
 * Adds `toolgate members add|list|remove`: the operators who sign in to the console, and their roles. A password
 * is read from standard input (never from the command line, where `ps` and shell history would keep it), or made
 * and shown once.
 */
export function addMemberCommands(
  program: Command,
  readConfig: (file: string | undefined) => ConfigOutline,
  out: CliOutput,
): void {
  const members = program.command('members').description("Manage the console's operators and their roles");
  const config = ['-c, --config <file>', 'config file (default: ./toolgate.json if present)'] as const;

  members
    .command('add <name>')
    .description('Add an operator; without --password-stdin a password is made and shown once')
    .requiredOption('--role <role>', ROLES.join(', '))
    .option('--password-stdin', 'read the password from standard input (its first line)')
    .option(...config)
    .action((name: string, options: { role: string; passwordStdin?: boolean; config?: string }) =>
      reportingErrors(out, async () => {
        const password =
          options.passwordStdin === true ? ((await readStdin(process.stdin)).split(/\r?\n/, 1)[0] ?? '') : undefined;
        await withServices(
          readConfig(options.config),
          out,
          async (services) => {
            const { member, madePassword } = await services.members.add(name, options.role, password);
            await recordCliChange(services, {
              action: 'member_added',
              target: member.name,
              what: `added ${member.name} as ${member.role}`,
            });
            out.log(`Added ${member.role} "${member.name}".`);
            if (madePassword !== undefined) {
              out.log('Their password, shown this once:');
              out.log(madePassword);
            }
          },
          'create',
        );
      }),
    );

  members
    .command('list')
    .description('List the operators and their roles (never a password)')
    .option('--json', 'JSON Lines, times in ISO 8601, instead of a table')
    .option(...config)
    .action((options: { json?: boolean; config?: string }) =>
      reportingErrors(out, () =>
        withServices(readConfig(options.config), out, async ({ members: service }) => {
          const list = await service.list();
          if (options.json === true) {
            for (const member of list) {
              out.log(
                JSON.stringify({
                  name: member.name,
                  role: member.role,
                  createdAt: new Date(member.createdAt).toISOString(),
                }),
              );
            }
            return;
          }
          if (list.length === 0) {
            out.error('No members yet: toolgate members add NAME --role admin');
            return;
          }
          const rows = list.map((member) => [member.name, member.role, readableTime(member.createdAt)]);
          for (const line of formatTable(['NAME', 'ROLE', 'ADDED'], rows)) out.log(line);
        }),
      ),
    );

  members
    .command('remove <name>')
    .description('Remove an operator (not the last admin)')
    .option(...config)
    .action((name: string, options: { config?: string }) =>
      reportingErrors(out, () =>
        withServices(readConfig(options.config), out, async (services) => {
          const removed = await services.members.remove(name);
          await recordCliChange(services, {
            action: 'member_removed',
            target: removed.name,
            what: `removed ${removed.name} (${removed.role})`,
          });
          out.log(`Removed ${removed.role} "${removed.name}".`);
        }),
      ),
    );
}

/** All of a stream, as text: a password piped in. */
async function readStdin(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}
