import { createHash, randomBytes } from 'node:crypto';
import { canonicalJson } from '../json/canonical-json.js';

/** Where an approval is in its life. */
export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

export const APPROVAL_STATUSES: readonly ApprovalStatus[] = ['pending', 'approved', 'denied', 'expired'];

/**
 * A call held for a person's decision. Stored, so that it survives a restart and any approver (CLI, admin API)
 * can find it; the call it belongs to runs at most once, and only for the same grant with the same arguments.
 */
export interface Approval {
  readonly id: string;
  readonly status: ApprovalStatus;
  /** The grant that made the call; null for a local caller. */
  readonly grantId: string | null;
  readonly grantLabel: string | null;
  readonly serverId: string;
  /** The tool's name as its server gives it. */
  readonly tool: string;
  /** The call's arguments as the approver sees them: secrets redacted. */
  readonly arguments: unknown;
  /** Identifies the exact call (grant, server, tool, arguments): only a retry of the same call may use it. */
  readonly fingerprint: string;
  /** The policy rule that asked for approval (a JSON Pointer) and the reason it gives. */
  readonly rule: string;
  readonly reason: string | null;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly decidedAt: number | null;
  /** Who decided: the approver's name as the CLI or admin API was told it. */
  readonly decidedBy: string | null;
  /** The approver's reason, given to the agent when the call is denied. */
  readonly decisionReason: string | null;
  /** When the approved call ran; an approval runs its call once. */
  readonly consumedAt: number | null;
  /** When a denial or expiry was told to the agent; after that, a new call asks again. */
  readonly reportedAt: number | null;
}

/** A new approval id: `apr_` and 16 hex characters, short enough to type into the CLI. */
export function newApprovalId(): string {
  return `apr_${randomBytes(8).toString('hex')}`;
}

/**
 * The fingerprint of a call: the same grant, server, tool and arguments give the same fingerprint, whatever
 * the order of keys in the arguments. Computed on the raw arguments, before any redaction, so two calls that
 * differ only in a secret are different calls.
 */
export function callFingerprint(grantId: string | null, serverId: string, tool: string, args: unknown): string {
  return createHash('sha256')
    .update(canonicalJson([grantId, serverId, tool, args ?? {}]))
    .digest('hex');
}
