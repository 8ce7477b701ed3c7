import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { Approval, ApprovalStatus } from '../approvals/approval.js';
import { ApprovalError, SqliteApprovalStore, type ApprovalStore } from '../approvals/approval-store.js';
import type { GatewayConfig } from '../config/load.js';
import { openStateDb } from '../state/state-db.js';
import type { CliOutput } from './grants.js';

/**
 * Adds `toolgate approvals list|show|approve|deny`. They act on the state database the running gateway uses,
 * which notices a decision within a quarter of a second and lets the held call go on (or refuses it).
 */
export function addApprovalCommands(
  program: Command,
  readConfig: (file: string | undefined) => GatewayConfig,
  out: CliOutput,
): void {
  const approvals = program.command('approvals').description('Approve or deny calls held for a person');
  const withStore = async (configFile: string | undefined, run: (store: ApprovalStore) => Promise<void>) => {
    const db = openStateDb(readConfig(configFile).state.sqlite);
    try {
      await run(new SqliteApprovalStore(db));
    } catch (error) {
      if (!(error instanceof ApprovalError)) throw error;
      out.error(error.message);
      process.exitCode = 1;
    } finally {
      db.close();
    }
  };
  const config = ['-c, --config <file>', 'config file (default: ./toolgate.json if present)'] as const;

  approvals
    .command('list')
    .description('List approvals, newest first')
    .option('--status <status>', 'pending, approved, denied or expired (default: all)')
    .option(...config)
    .action((options: { status?: ApprovalStatus; config?: string }) =>
      withStore(options.config, async (store) => {
        await store.expire(Date.now());
        const all = await store.list(options.status);
        if (all.length === 0) out.log('No approvals.');
        for (const approval of all) out.log(summary(approval));
      }),
    );

  approvals
    .command('show <id>')
    .description('Show one approval, with the call’s arguments (secrets redacted)')
    .option(...config)
    .action((id: string, options: { config?: string }) =>
      withStore(options.config, async (store) => {
        await store.expire(Date.now());
        const approval = await store.get(id);
        if (!approval) throw new ApprovalError(`No approval ${id}`);
        out.log(JSON.stringify(approval, null, 2));
      }),
    );

  for (const verdict of ['approve', 'deny'] as const) {
    approvals
      .command(`${verdict} <id>`)
      .description(verdict === 'approve' ? 'Approve a pending call: it runs once' : 'Deny a pending call')
      .option('--reason <text>', verdict === 'deny' ? 'told to the agent' : 'kept with the approval')
      .option('--as <name>', 'who decides (default: your user name)')
      .option(...config)
      .action((id: string, options: { reason?: string; as?: string; config?: string }) =>
        withStore(options.config, async (store) => {
          const by = `cli:${options.as ?? userInfo().username}`;
          const approval = await store.decide(id, verdict === 'approve', by, options.reason ?? null, Date.now());
          out.log(
            `${approval.status === 'approved' ? 'Approved' : 'Denied'} ${approval.id}: ${approval.tool} on ${approval.serverId}`,
          );
        }),
      );
  }
}

function summary(approval: Approval): string {
  return [
    approval.id,
    approval.status,
    `${approval.serverId}:${approval.tool}`,
    approval.grantLabel ?? '(local)',
    new Date(approval.createdAt).toISOString(),
    approval.reason ?? '',
  ].join('\t');
}
