import { newDecisionId, type AuditDecision, type AuditRecord } from '../audit/audit-record.js';
import type { Clock } from '../clock.js';

/** A change an operator made, as the audit trail keeps it (method `toolgate/operator`). */
export interface OperatorChange {
  /** Who: a member's name, or `admin-api` for the admin token. */
  readonly actor: string;
  readonly action: Extract<
    AuditDecision,
    | 'signed_in'
    | 'sign_in_refused'
    | 'grant_created'
    | 'grant_changed'
    | 'grant_rotated'
    | 'grant_revoked'
    | 'policy_saved'
    | 'approval_resolved'
    | 'approval_extended'
    | 'member_added'
    | 'member_removed'
  >;
  /** What was changed: a grant's label, a policy file, an approval's id, a member's name. */
  readonly target: string;
  /** The change in words, for the audit viewer. */
  readonly message: string;
  /** The server concerned, when there is one (an approval's). */
  readonly serverId?: string;
  /** A refused sign-in is `refused`; every change that was made, `ok`. */
  readonly refused?: boolean;
}

/**
 * Writes every operator change to the audit trail, with who made it, beside the calls: one trail to search,
 * export and keep. Writes go through the gateway's audit sink (or, in the CLI, straight to the store).
 */
export class OperatorLog {
  readonly #write: (records: readonly AuditRecord[]) => Promise<void>;
  readonly #clock: Clock;

  constructor(write: (records: readonly AuditRecord[]) => Promise<void>, clock: Clock) {
    this.#write = write;
    this.#clock = clock;
  }

  record(change: OperatorChange): Promise<void> {
    const now = this.#clock.now();
    return this.#write([operatorRecord(change, now, newDecisionId(now))]);
  }
}

/** The audit record of an operator's change. Pure: the time and id are given. */
function operatorRecord(change: OperatorChange, time: number, decisionId: string): AuditRecord {
  return {
    time,
    requestId: null,
    decisionId,
    grantId: null,
    grantLabel: null,
    session: '',
    method: 'toolgate/operator',
    serverId: change.serverId ?? null,
    tool: change.target,
    decision: change.action,
    rule: null,
    message: change.message,
    policyRevision: null,
    approvalId: null,
    shadowed: null,
    argumentKeys: [],
    gatewayLatencyMs: 0,
    serverLatencyMs: null,
    outcome: change.refused === true ? 'refused' : 'ok',
    actor: change.actor,
  };
}
