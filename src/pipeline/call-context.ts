import type { Clock } from '../clock.js';
import type { Route } from '../catalog/aggregate.js';
import { newDecisionId, type AuditDecision, type AuditRecord, type CallMethod } from '../audit/audit-record.js';
import { auditDecisionOf } from '../audit/audit-decision.js';
import { argumentKeys, redactArguments } from '../audit/redact.js';
import type { EndOutcome } from '../errors.js';
import type { Principal } from '../grants/principal.js';
import type { UnacceptedChange } from '../pinning/pin-view.js';
import type { Decision } from '../policy/decide.js';
import type { Caller, ForwardOptions } from '../upstream/caller.js';
import { recordedName, type RequestBounds } from './request-bounds.js';

/** What the audit trail keeps of arguments (the config's `audit` key). */
export interface AuditSettings {
  /** `keys`: the top-level argument keys only. `values`: the arguments too, with secrets redacted. */
  readonly arguments: 'keys' | 'values';
  /** Key names and argument paths redacted from values (see RedactionSettings.redactKeys). */
  readonly redact: readonly string[];
  /** `stored`: a call is answered once its record is stored; `queued`: at once (see the config's audit.acknowledge). */
  readonly acknowledge: 'stored' | 'queued';
}

/** A request as the endpoint hands it to the pipeline, after authentication. */
export interface CallRequest {
  readonly method: CallMethod;
  /** What the request names, as the client sent it: a tool's or prompt's name, a resource's URI. */
  readonly name: string;
  /** The request's params as the client sent them. */
  readonly params: Record<string, unknown>;
  readonly caller: Caller;
  readonly options: ForwardOptions;
}

/** What became of an approval a call was held for. */
export type ApprovalStatus = 'approved' | 'denied' | 'expired' | 'pending' | 'unavailable';

/**
 * Everything one call accumulates on its way through the pipeline: who asked for what, where it went, what
 * was decided, what a person said, and how long each part took. Each step fills in its part; the audit record
 * and the log line are made from it once, when the call ends, whichever way it ends.
 */
export class CallContext {
  /** Names the call everywhere: the audit record, the log line and what the agent is told. */
  readonly decisionId: string;
  /** When the call reached the gateway: epoch milliseconds. */
  readonly time: number;
  readonly request: CallRequest;
  readonly principal: Principal;
  readonly #clock: Clock;
  readonly #started: number;
  route: Route | undefined;
  /** True when no server the caller may use offers what the call names (or the policy hides it). */
  unknown = false;
  /** Set when the call was refused because the tool has a change no operator has accepted yet. */
  unaccepted: UnacceptedChange | undefined;
  decision: Decision | undefined;
  /** What became of the approval the call was held for; `by` names who approved it. */
  approval: { readonly status: ApprovalStatus; readonly id: string | null; readonly by?: string } | undefined;
  /** The time the server took; null until the call is forwarded. */
  serverMs: number | null = null;
  /** Time that is neither the gateway's nor the server's (a person deciding an approval). */
  excludedMs = 0;

  constructor(request: CallRequest, clock: Clock) {
    this.request = request;
    this.principal = request.caller.principal;
    this.#clock = clock;
    this.time = clock.now();
    this.#started = clock.elapsed();
    this.decisionId = newDecisionId(this.time);
  }

  /** Runs the request to the server, timing it as the server's. */
  async timeServer<T>(send: () => Promise<T>): Promise<T> {
    const start = this.#clock.elapsed();
    try {
      return await send();
    } finally {
      this.serverMs = (this.serverMs ?? 0) + (this.#clock.elapsed() - start);
    }
  }

  /** Runs a wait for a person, leaving it out of the gateway's time: a person deciding is not the gateway being slow. */
  async timeApprover<T>(wait: () => Promise<T>): Promise<T> {
    const start = this.#clock.elapsed();
    try {
      return await wait();
    } finally {
      this.excludedMs += this.#clock.elapsed() - start;
    }
  }

  /** Milliseconds since the call arrived, by the monotonic clock. */
  elapsedMs(): number {
    return this.#clock.elapsed() - this.#started;
  }
}

/**
 * How a call ended: the outcome, and the error's message when an error ended it, or when the gateway refused it
 * before the policy decided (a policy's refusal is recorded with the policy's message).
 */
export interface CallEnd {
  readonly outcome: EndOutcome;
  readonly error?: string;
}

/** The audit record of a call that has ended. Pure: everything comes from the context and how the call ended. */
export function toAuditRecord(
  call: CallContext,
  end: CallEnd,
  settings: AuditSettings,
  bounds: RequestBounds,
): AuditRecord {
  const { request, decision } = call;
  const args = request.params.arguments;
  const kept = redactArguments(args, { include: settings.arguments === 'values', redactKeys: settings.redact });
  const totalMs = call.elapsedMs();
  const requestId = request.options.requestId;
  const shadowed = decision?.shadow
    ? { decision: auditDecisionOf(decision.shadowed), rule: decision.shadowed.rule }
    : null;
  return {
    time: call.time,
    requestId: requestId === undefined || requestId === null ? null : String(requestId),
    decisionId: call.decisionId,
    grantId: call.principal.id,
    grantLabel: call.principal.label,
    session: request.caller.sessionId,
    method: request.method,
    serverId: call.route?.serverId ?? null,
    tool: call.route?.name ?? recordedName(request, bounds),
    decision: recordedDecision(call),
    rule: decision?.rule ?? null,
    message: end.error ?? approvedBy(call) ?? decision?.message ?? null,
    policyRevision: decision?.policyRevision ?? null,
    approvalId: call.approval?.id ?? null,
    shadowed,
    argumentKeys: argumentKeys(args),
    ...(settings.arguments === 'values' ? { arguments: kept.value ?? null, redacted: kept.redacted } : {}),
    gatewayLatencyMs: milliseconds(Math.max(0, totalMs - (call.serverMs ?? 0) - call.excludedMs)),
    serverLatencyMs: call.serverMs === null ? null : milliseconds(call.serverMs),
    outcome: end.outcome,
  };
}

const APPROVAL_DECISION = {
  approved: 'approved',
  denied: 'approval_denied',
  expired: 'approval_expired',
  pending: 'require_approval',
  unavailable: 'require_approval',
} as const satisfies Record<ApprovalStatus, AuditDecision>;

/** The decision the record gives: the latest step that decided something wins. */
function recordedDecision(call: CallContext): AuditDecision {
  // A limit has the last word: it may refuse a call a person approved (the approval stays for the retry).
  if (call.decision?.effect === 'deny' && call.decision.cause === 'limit') return 'rate_limited';
  if (call.approval) return APPROVAL_DECISION[call.approval.status];
  if (call.unaccepted !== undefined) return 'not_accepted';
  // A local caller under a config that names no policy: the allow-all policy decided, and the record says so.
  const unrestricted = call.principal.via === 'local' && call.principal.policy === null;
  if (call.decision) return unrestricted ? 'unrestricted' : auditDecisionOf(call.decision);
  if (call.unknown) return 'unknown_tool';
  if (call.route === undefined) return 'undecided';
  // Routed without a policy decision: a prompt, resource or completion, which policies do not cover yet.
  return call.request.method === 'tools/call' ? 'undecided' : 'allow';
}

/** Who let a held call run, for the record: an operator by name, or the person at the client. */
function approvedBy(call: CallContext): string | undefined {
  const { approval } = call;
  // A limit may still have refused the approved call: then its message is the one that counts.
  if (approval?.status !== 'approved' || approval.by === undefined) return undefined;
  if (call.decision?.effect !== 'require_approval') return undefined;
  return `Approved by ${approval.by}.`;
}

/** Latencies to the microsecond: finer is noise. */
function milliseconds(value: number): number {
  return Math.round(value * 1000) / 1000;
}
