import type { Approval, ApprovalStatus, HiddenValue, Reveal } from './approval.js';
import type { NewApproval } from './approval-store.js';

/**
 * An approval as both state databases store it (table `approvals`, the same columns in SQLite and PostgreSQL):
 * times as epoch milliseconds, the arguments, hidden places, looks and hidden values as JSON text.
 */
export interface ApprovalRow {
  id: string;
  status: ApprovalStatus;
  grant_id: string | null;
  grant_label: string | null;
  server_id: string;
  tool: string;
  arguments: string;
  hidden: string;
  secrets: string | null;
  reveals: string;
  fingerprint: string;
  rule: string;
  reason: string | null;
  created_at: number;
  expires_at: number;
  decided_at: number | null;
  decided_by: string | null;
  decision_reason: string | null;
  consumed_at: number | null;
  reported_at: number | null;
}

/** The columns a new approval is stored with, beside its `id`, `status` and `created_at`. */
export const NEW_APPROVAL_COLUMNS = [
  'grant_id',
  'grant_label',
  'server_id',
  'tool',
  'arguments',
  'hidden',
  'secrets',
  'fingerprint',
  'rule',
  'reason',
  'expires_at',
] as const satisfies readonly (keyof ApprovalRow)[];

/** The values of NEW_APPROVAL_COLUMNS, in that order. */
export function newApprovalValues(approval: NewApproval): unknown[] {
  return [
    approval.grantId,
    approval.grantLabel,
    approval.serverId,
    approval.tool,
    JSON.stringify(approval.arguments ?? {}),
    JSON.stringify(approval.hidden),
    // No hidden values: nothing to reveal, and reveal records no look.
    approval.secrets.length === 0 ? null : JSON.stringify(approval.secrets),
    approval.fingerprint,
    approval.rule,
    approval.reason,
    approval.expiresAt,
  ];
}

/** The approval a row holds; never its hidden values (`secrets`), which only reveal hands out. */
export function toApproval(row: ApprovalRow): Approval {
  return Object.freeze({
    id: row.id,
    status: row.status,
    grantId: row.grant_id,
    grantLabel: row.grant_label,
    serverId: row.server_id,
    tool: row.tool,
    arguments: JSON.parse(row.arguments) as unknown,
    hidden: JSON.parse(row.hidden) as HiddenValue[],
    reveals: JSON.parse(row.reveals) as Reveal[],
    fingerprint: row.fingerprint,
    rule: row.rule,
    reason: row.reason,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    decidedAt: row.decided_at,
    decidedBy: row.decided_by,
    decisionReason: row.decision_reason,
    consumedAt: row.consumed_at,
    reportedAt: row.reported_at,
  });
}

/** The hidden values a row keeps while its approval is pending, in the order of its `hidden`. */
export function secretsOf(row: ApprovalRow): unknown[] {
  return row.secrets === null ? [] : (JSON.parse(row.secrets) as unknown[]);
}
