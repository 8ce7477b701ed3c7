/**
 * Records as the audit viewer holds them, and the decisions it filters by. Pure.
 */

/** One record of GET /admin/audit (src/audit/audit-record.ts toAuditJson; `actor` on operator records). */
export interface AuditJson {
  readonly time: number;
  readonly timeIso: string;
  readonly decisionId: string;
  readonly requestId: string | null;
  readonly grantId: string | null;
  readonly grantLabel: string | null;
  readonly session: string;
  readonly method: string;
  readonly serverId: string | null;
  readonly tool: string;
  readonly decision: string;
  readonly rule: string | null;
  readonly message: string | null;
  readonly policyRevision: string | null;
  readonly approvalId: string | null;
  readonly shadowed: { readonly decision: string; readonly rule: string } | null;
  readonly argumentKeys: readonly string[];
  readonly arguments?: unknown;
  readonly redacted?: readonly string[];
  readonly gatewayLatencyMs: number;
  readonly serverLatencyMs: number | null;
  readonly outcome: string;
  readonly actor?: string;
}

/**
 * The decisions a record can have (src/audit/audit-record.ts AUDIT_DECISIONS; a test keeps them equal), grouped
 * as the filter shows them: calls, pinned definitions, operators' changes.
 */
export const DECISION_GROUPS: readonly { readonly title: string; readonly decisions: readonly string[] }[] = [
  {
    title: 'Calls',
    decisions: [
      'allow',
      'unrestricted',
      'deny',
      'hide',
      'rate_limited',
      'require_approval',
      'approved',
      'approval_denied',
      'approval_expired',
      'unknown_tool',
      'undecided',
      'not_accepted',
    ],
  },
  {
    title: 'Pinned definitions',
    decisions: ['tool_changed', 'tool_added', 'tool_removed', 'instructions_changed', 'change_accepted'],
  },
  {
    title: 'Operators',
    decisions: [
      'signed_in',
      'sign_in_refused',
      'grant_created',
      'grant_changed',
      'grant_rotated',
      'grant_revoked',
      'policy_saved',
      'approval_resolved',
      'approval_extended',
      'member_added',
      'member_removed',
    ],
  },
];

/** Operators' changes are records too: their `actor` is who made them. */
export function isOperatorRecord(record: Pick<AuditJson, 'method'>): boolean {
  return record.method === 'toolgate/operator';
}

/** Who a record is about, for the table: the grant's label, the operator's name, or a local caller. */
export function whoOf(record: Pick<AuditJson, 'method' | 'actor' | 'grantLabel'>): string {
  if (isOperatorRecord(record)) return record.actor ?? 'an operator';
  return record.grantLabel ?? 'local caller';
}

/**
 * The live tail's records merged into those shown: new ones (by decision id) added, newest first by time, at most
 * `cap` kept. `added` counts what was new, for the announcement.
 */
export function mergeNewer(
  shown: readonly AuditJson[],
  incoming: readonly AuditJson[],
  cap: number,
): { records: AuditJson[]; added: number } {
  const known = new Set(shown.map((record) => record.decisionId));
  const fresh = incoming.filter((record) => !known.has(record.decisionId));
  if (fresh.length === 0) return { records: [...shown], added: 0 };
  const records = [...fresh, ...shown].sort(
    (a, b) => b.time - a.time || (a.decisionId < b.decisionId ? 1 : a.decisionId > b.decisionId ? -1 : 0),
  );
  return { records: records.slice(0, cap), added: new Set(fresh.map((record) => record.decisionId)).size };
}

/**
 * Where the live tail asks from: a while before the newest record shown, since a record is written when its call
 * ends but carries the time it started (a call held for approval ends minutes later). Duplicates are merged away.
 */
export const TAIL_OVERLAP_MS = 15 * 60 * 1000;
export function tailSince(shown: readonly Pick<AuditJson, 'time'>[], now: number): string {
  const newest = shown.reduce((max, record) => Math.max(max, record.time), 0);
  return new Date((newest === 0 ? now : newest) - TAIL_OVERLAP_MS).toISOString();
}
