import { createHash, randomBytes } from 'node:crypto';
import type { Secret } from '../audit/redact.js';
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
  /**
   * The call's arguments, each value that looks like a secret replaced by `[redacted]`: what may be shown and
   * kept. The values themselves are kept apart, while the approval is pending, for an approver who asks to see
   * them (see ApprovalStore.reveal).
   */
  readonly arguments: unknown;
  /** Where `arguments` hides a value, and why: an approver is told of every one. */
  readonly hidden: readonly HiddenValue[];
  /** Who saw the hidden values, and when (never the values). */
  readonly reveals: readonly Reveal[];
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

/** A value an approval's arguments hide: its path (`args.auth.token`), its place as steps, and why it is hidden. */
export interface HiddenValue {
  readonly path: string;
  /** The path's steps: a string is an object key, a number an array index. */
  readonly at: readonly (string | number)[];
  readonly why: string;
}

/** One look at an approval's hidden values: who looked (as the CLI or admin API named them), and when. */
export interface Reveal {
  readonly by: string;
  readonly at: number;
}

/** Where each secret was, for an approval to keep; the values go apart, in the same order. */
export function hiddenValuesOf(secrets: readonly Secret[]): HiddenValue[] {
  return secrets.map((secret) => ({
    path: secret.path,
    at: secret.steps.map((step) => (step.kind === 'index' ? step.index : step.key)),
    why: secret.why,
  }));
}

/**
 * `args` with the value at each hidden place replaced by `fill(index)`: the secret values (revealing) or a marker
 * saying how to see them (masking). Only the places listed change; never mutates `args`.
 */
export function fillHidden(args: unknown, hidden: readonly HiddenValue[], fill: (index: number) => unknown): unknown {
  if (hidden.length === 0) return args;
  const copy = structuredClone(args);
  hidden.forEach((place, index) => {
    let container: unknown = copy;
    for (const step of place.at.slice(0, -1)) container = ownValue(container, step);
    const last = place.at.at(-1)!;
    if (typeof container !== 'object' || container === null || !Object.hasOwn(container, last)) return;
    // Defined, not assigned: a key such as "__proto__" stays data.
    Object.defineProperty(container, last, {
      value: fill(index),
      writable: true,
      enumerable: true,
      configurable: true,
    });
  });
  return copy;
}

function ownValue(container: unknown, step: string | number): unknown {
  if (typeof container !== 'object' || container === null || !Object.hasOwn(container, step)) return undefined;
  return (container as Record<string | number, unknown>)[step];
}
