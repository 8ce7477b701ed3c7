import type { Command } from 'commander';
import type { Approval, ApprovalStatus } from '../approvals/approval.js';
import { systemClock } from '../clock.js';
import type { ConfigOutline } from '../config/load.js';
import { approvalView, droppedReason, unresolvedReason } from '../services/approval-service.js';
import { CliError, reportingErrors } from './cli-error.js';
import { cliActor, recordCliChange } from './cli-actor.js';
import type { CliOutput } from './cli-output.js';
import { readableTime, relativeTime } from './readable-time.js';
import { withServices } from './state-services.js';
import { formatTable } from './table.js';

/**
 * Adds `toolgate approvals list|show|approve|deny`. They act on the state database the running gateway uses,
 * which notices a verdict within a quarter of a second and lets the held call go on (or refuses it).
 */
export function addApprovalCommands(
  program: Command,
  readConfig: (file: string | undefined) => ConfigOutline,
  out: CliOutput,
): void {
  const approvals = program.command('approvals').description('Approve or deny calls held for a person');
  const config = ['-c, --config <file>', 'config file (default: ./toolgate.json if present)'] as const;

  approvals
    .command('list')
    .description('List approvals, newest first')
    .option('--status <status>', 'pending, approved, denied or expired (default: all)')
    .option('--json', 'JSON Lines, times in ISO 8601, instead of a table')
    .option(...config)
    .action((options: { status?: ApprovalStatus; json?: boolean; config?: string }) =>
      reportingErrors(out, () =>
        withServices(readConfig(options.config), out, async ({ approvals }) => {
          const now = systemClock.now();
          const all = await approvals.list(options.status);
          if (options.json === true) {
            for (const approval of all) out.log(JSON.stringify(approvalJson(approval, HIDDEN_MARKER)));
            return;
          }
          if (all.length === 0) out.log('No approvals.');
          const rows = all.map((approval) => row(approval, now));
          for (const line of formatTable(['ID', 'STATUS', 'TOOL', 'GRANT', 'CREATED', 'DECIDED', 'REASON'], rows)) {
            out.log(line);
          }
        }),
      ),
    );

  approvals
    .command('show <id>')
    .description('Show one approval, with the call’s arguments (secret-looking values hidden unless --reveal)')
    .option('--reveal', 'show the hidden values too (a pending approval only); the look is recorded, by name')
    .option('--as <name>', 'who looks, with --reveal (default: your user name)')
    .option(...config)
    .action((id: string, options: { reveal?: boolean; as?: string; config?: string }) =>
      reportingErrors(out, () =>
        withServices(readConfig(options.config), out, async ({ approvals }) => {
          if (options.reveal !== true) {
            const approval = await approvals.get(id);
            if (!approval) throw new CliError(`No approval ${id}`);
            out.log(JSON.stringify(approvalJson(approval, HIDDEN_MARKER), null, 2));
            return;
          }
          const by = cliActor(options.as);
          const revealed = await approvals.reveal(id, by);
          if (revealed.kind === 'not_found') throw new CliError(`No approval ${id}`);
          if (revealed.kind === 'dropped') throw new CliError(droppedReason(revealed.approval));
          out.log(JSON.stringify(approvalJson(revealed.approval), null, 2));
          const { hidden } = revealed.approval;
          if (hidden.length > 0) {
            out.error(`Shown ${hidden.length} hidden value(s) of ${id}; the look is recorded as ${by}.`);
          }
        }),
      ),
    );

  for (const verdict of ['approve', 'deny'] as const) {
    approvals
      .command(`${verdict} <id>`)
      .description(verdict === 'approve' ? 'Approve a pending call: it runs once' : 'Deny a pending call')
      .option('--reason <text>', verdict === 'deny' ? 'told to the agent' : 'kept with the approval')
      .option('--as <name>', 'who decides (default: your user name)')
      .option(...config)
      .action((id: string, options: { reason?: string; as?: string; config?: string }) =>
        reportingErrors(out, () =>
          withServices(readConfig(options.config), out, async (services) => {
            const by = cliActor(options.as);
            const resolution = await services.approvals.resolve(id, verdict, by, options.reason ?? null);
            if (resolution.kind !== 'resolved') throw new CliError(unresolvedReason(id, resolution));
            const { approval } = resolution;
            const reason = options.reason === undefined ? '' : `: ${options.reason}`;
            await recordCliChange(services, {
              action: 'approval_resolved',
              target: approval.id,
              what: `${verdict === 'approve' ? 'approved' : 'denied'} the call to ${approval.tool}${reason}`,
              ...(options.as === undefined ? {} : { as: options.as }),
            });
            out.log(
              `${approval.status === 'approved' ? 'Approved' : 'Denied'} ${approval.id}: ${approval.tool} on ${approval.serverId}`,
            );
          }),
        ),
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

/** What `approvals show` and `list --json` print in place of a value that looks like a secret. */
const HIDDEN_MARKER = '[hidden secret — show with --reveal]';

/**
 * An approval as `approvals show` and `approvals list --json` print it: times in ISO 8601, null when unset; with
 * `marker`, each hidden value replaced by it (`hidden` says where, and why), without, the arguments as they are.
 */
function approvalJson(approval: Approval, marker?: string): Record<string, unknown> {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    ...approvalView(approval, marker),
    createdAt: iso(approval.createdAt),
    expiresAt: iso(approval.expiresAt),
    decidedAt: iso(approval.decidedAt),
    consumedAt: iso(approval.consumedAt),
    reportedAt: iso(approval.reportedAt),
    reveals: approval.reveals.map((look) => ({ by: look.by, at: iso(look.at) })),
  };
}
