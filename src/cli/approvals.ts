import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { Approval, ApprovalStatus } from '../approvals/approval.js';
import { ApprovalError, SqliteApprovalStore, type ApprovalStore } from '../approvals/approval-store.js';
import type { ConfigOutline } from '../config/load.js';
import { openExistingStateDb } from './existing-state-db.js';
import type { CliOutput } from './grants.js';
import { readableTime, relativeTime } from './readable-time.js';
import { formatTable } from './table.js';

/**
 * Adds `toolgate approvals list|show|approve|deny`. They act on the state database the running gateway uses,
 * which notices a decision within a quarter of a second and lets the held call go on (or refuses it).
 */
export function addApprovalCommands(
  program: Command,
  readConfig: (file: string | undefined) => ConfigOutline,
  out: CliOutput,
): void {
  const approvals = program.command('approvals').description('Approve or deny calls held for a person');
  const withStore = async (configFile: string | undefined, run: (store: ApprovalStore) => Promise<void>) => {
    const db = openExistingStateDb(readConfig(configFile).state.sqlite, out.error);
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
    .option('--json', 'JSON Lines, times in ISO 8601, instead of a table')
    .option(...config)
    .action((options: { status?: ApprovalStatus; json?: boolean; config?: string }) =>
      withStore(options.config, async (store) => {
        const now = Date.now();
        await store.expire(now);
        const all = await store.list(options.status);
        if (options.json === true) {
          for (const approval of all) out.log(JSON.stringify(approvalJson(approval)));
          return;
        }
        if (all.length === 0) out.log('No approvals.');
        const rows = all.map((approval) => row(approval, now));
        for (const line of formatTable(['ID', 'STATUS', 'TOOL', 'GRANT', 'CREATED', 'DECIDED', 'REASON'], rows)) {
          out.log(line);
        }
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
        out.log(JSON.stringify(approvalJson(approval), null, 2));
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

/** One approval as a table row: times read by people, the reason that asked for it last. */
function row(approval: Approval, now: number): string[] {
  const decided =
    approval.status === 'pending'
      ? `expires ${relativeTime(approval.expiresAt, now)}`
      : approval.status === 'expired' || approval.decidedAt === null
        ? `expired ${relativeTime(approval.expiresAt, now)}`
        : `${relativeTime(approval.decidedAt, now)} by ${approval.decidedBy ?? '?'}`;
  return [
    approval.id,
    approval.status,
    `${approval.serverId}:${approval.tool}`,
    approval.grantLabel ?? '(local)',
    `${readableTime(approval.createdAt)} (${relativeTime(approval.createdAt, now)})`,
    decided,
    approval.reason ?? '',
  ];
}

/** An approval as `approvals show` and `approvals list --json` print it: times in ISO 8601, null when unset. */
function approvalJson(approval: Approval): Record<string, unknown> {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    ...approval,
    createdAt: iso(approval.createdAt),
    expiresAt: iso(approval.expiresAt),
    decidedAt: iso(approval.decidedAt),
    consumedAt: iso(approval.consumedAt),
    reportedAt: iso(approval.reportedAt),
  };
}
