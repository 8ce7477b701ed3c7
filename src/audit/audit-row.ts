import type { AuditDecision, AuditMethod, AuditOutcome, AuditRecord } from './audit-record.js';

/** A record as the `audit_records` table holds it (migration in src/state/state-db.ts), without its `seq`. */
export interface AuditRow {
  time: number;
  decision_id: string;
  request_id: string | null;
  grant_id: string | null;
  grant_label: string | null;
  session: string;
  method: string;
  server: string | null;
  tool: string;
  decision: string;
  rule: string | null;
  message: string | null;
  policy_revision: string | null;
  approval_id: string | null;
  shadowed_decision: string | null;
  shadowed_rule: string | null;
  /** JSON array. */
  argument_keys: string;
  /** JSON, or null when values are not kept. */
  arguments: string | null;
  /** JSON array, or null when values are not kept. */
  redacted: string | null;
  gateway_latency_ms: number;
  server_latency_ms: number | null;
  outcome: string;
  /** Who made an operator change; null on calls. */
  actor: string | null;
}

/** The columns, in the order `toAuditRow` fills them; shared by the sink's INSERT and the reader's SELECT. */
export const AUDIT_COLUMNS = [
  'time',
  'decision_id',
  'request_id',
  'grant_id',
  'grant_label',
  'session',
  'method',
  'server',
  'tool',
  'decision',
  'rule',
  'message',
  'policy_revision',
  'approval_id',
  'shadowed_decision',
  'shadowed_rule',
  'argument_keys',
  'arguments',
  'redacted',
  'gateway_latency_ms',
  'server_latency_ms',
  'outcome',
  'actor',
] as const satisfies readonly (keyof AuditRow)[];

/** Encodes a record for the table. Throws when its arguments cannot be written as JSON. */
export function toAuditRow(record: AuditRecord): AuditRow {
  const kept = record.arguments !== undefined;
  return {
    time: record.time,
    decision_id: record.decisionId,
    request_id: record.requestId,
    grant_id: record.grantId,
    grant_label: record.grantLabel,
    session: record.session,
    method: record.method,
    server: record.serverId,
    tool: record.tool,
    decision: record.decision,
    rule: record.rule,
    message: record.message,
    policy_revision: record.policyRevision,
    approval_id: record.approvalId,
    shadowed_decision: record.shadowed?.decision ?? null,
    shadowed_rule: record.shadowed?.rule ?? null,
    argument_keys: JSON.stringify(record.argumentKeys),
    arguments: kept ? strictJson(record.arguments) : null,
    redacted: kept ? JSON.stringify(record.redacted ?? []) : null,
    gateway_latency_ms: record.gatewayLatencyMs,
    server_latency_ms: record.serverLatencyMs,
    outcome: record.outcome,
    actor: record.actor ?? null,
  };
}

/** Decodes a row written by toAuditRow. */
export function fromAuditRow(row: AuditRow): AuditRecord {
  return {
    time: row.time,
    requestId: row.request_id,
    decisionId: row.decision_id,
    grantId: row.grant_id,
    grantLabel: row.grant_label,
    session: row.session,
    method: row.method as AuditMethod,
    serverId: row.server,
    tool: row.tool,
    decision: row.decision as AuditDecision,
    rule: row.rule,
    message: row.message,
    policyRevision: row.policy_revision,
    approvalId: row.approval_id,
    shadowed:
      row.shadowed_decision === null
        ? null
        : { decision: row.shadowed_decision as AuditDecision, rule: row.shadowed_rule ?? '' },
    argumentKeys: JSON.parse(row.argument_keys) as string[],
    ...(row.arguments === null
      ? {}
      : { arguments: JSON.parse(row.arguments) as unknown, redacted: JSON.parse(row.redacted ?? '[]') as string[] }),
    gatewayLatencyMs: row.gateway_latency_ms,
    serverLatencyMs: row.server_latency_ms,
    outcome: row.outcome as AuditOutcome,
    ...(row.actor === null ? {} : { actor: row.actor }),
  };
}

/** JSON.stringify, but throwing where it would silently write nothing (a function, a symbol) instead of a value. */
function strictJson(value: unknown): string {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new TypeError(`arguments of type ${typeof value} cannot be written as JSON`);
  return text;
}
