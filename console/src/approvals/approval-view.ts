import type { Approval } from './approvals-api.js';

/** The reasons an approver picks from most often; the text stays editable. */
export const PRESET_REASONS = [
  'Looks right',
  'Not expected for this agent',
  'Arguments look wrong',
  'Ask the user first',
] as const;

/** How long "Extend" adds to the wait. */
export const EXTEND_SECONDS = 5 * 60;

/**
 * The time left before an approval expires, in words that change once a second: `4 min 05 s left`,
 * `1 h 02 min left`, `expired`. Whole seconds, rounded up, so it never says 0 s while time is left.
 */
export function countdownText(expiresAt: number, now: number): string {
  const left = Math.ceil((expiresAt - now) / 1000);
  if (left <= 0) return 'expired';
  const hours = Math.floor(left / 3600);
  const minutes = Math.floor((left % 3600) / 60);
  const seconds = left % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  if (hours > 0) return `${hours} h ${two(minutes)} min left`;
  if (minutes > 0) return `${minutes} min ${two(seconds)} s left`;
  return `${seconds} s left`;
}

/** Pending approvals, the soonest to expire first (they need a person first); the rest newest first. */
export function splitApprovals(approvals: readonly Approval[]): { pending: Approval[]; history: Approval[] } {
  const pending = approvals.filter((approval) => approval.status === 'pending');
  const history = approvals.filter((approval) => approval.status !== 'pending');
  pending.sort((a, b) => a.expiresAt - b.expiresAt || a.createdAt - b.createdAt);
  history.sort((a, b) => (b.decidedAt ?? b.expiresAt) - (a.decidedAt ?? a.expiresAt));
  return { pending, history };
}

/** A tool's risk from the inventory's rows, joined by server and tool; undefined when the tool is not listed now. */
export function riskOf(
  tools: readonly { readonly server: string; readonly tool: string; readonly risk: string }[],
  serverId: string,
  tool: string,
): string | undefined {
  return tools.find((row) => row.server === serverId && row.tool === tool)?.risk;
}

/** The pending approvals that were not pending at the previous poll: what to announce. */
export function newlyPending(previous: ReadonlySet<string>, current: readonly Approval[]): Approval[] {
  return current.filter((approval) => approval.status === 'pending' && !previous.has(approval.id));
}

/** What the live region says about new requests: one sentence, however many arrived at once. */
export function announcement(arrived: readonly Approval[]): string {
  if (arrived.length === 0) return '';
  if (arrived.length > 1) return `${arrived.length} new approval requests.`;
  const [approval] = arrived as [Approval];
  return `New approval request: ${approval.grantLabel ?? 'a local caller'} wants to call ${approval.tool} on ${approval.serverId}.`;
}

/** Arguments as the card shows them: indented JSON, secrets as the API masked them. */
export function prettyArguments(value: unknown): string {
  return JSON.stringify(value ?? {}, null, 2);
}
