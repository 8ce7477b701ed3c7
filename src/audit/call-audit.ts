import { performance } from 'node:perf_hooks';
import type { Decision } from '../policy/decide.js';
import type { RawResult } from '../raw-result.js';
import { newDecisionId, type AuditDecision, type AuditOutcome, type AuditRecord } from './audit-record.js';
import type { AuditSink } from './audit-sink.js';
import { auditDecisionOf, isAbort, outcomeOfError, outcomeOfResult } from './classify.js';
import { DEFAULT_REDACT_KEYS, argumentKeys, redactArguments } from './redact.js';

/** What the audit trail keeps of arguments (the config's `audit` key). */
export interface AuditSettings {
  /** `keys`: the top-level argument keys only. `values`: the arguments too, with secrets redacted. */
  readonly arguments: 'keys' | 'values';
  /** Key names and argument paths redacted from values (see RedactionSettings.redactKeys). */
  readonly redact: readonly string[];
}

export const DEFAULT_AUDIT_SETTINGS: AuditSettings = { arguments: 'keys', redact: DEFAULT_REDACT_KEYS };

/** The call as it reaches the gateway, before anything is decided. */
export interface CallStart {
  /** The client's JSON-RPC request id. */
  readonly requestId?: string | number | null;
  readonly grant?: { readonly id: string; readonly label: string } | undefined;
  readonly session: string;
  /** The tool's name as the client sent it; replaced by the server's name for it once routed. */
  readonly tool: string;
  readonly arguments: unknown;
}

/** The clocks a call is measured with; tests pass their own. */
export interface CallClock {
  /** Epoch milliseconds, for the record's time. */
  readonly now: () => number;
  /** A monotonic millisecond counter, for latencies. */
  readonly elapsed: () => number;
}

const SYSTEM_CLOCK: CallClock = { now: Date.now, elapsed: () => performance.now() };

/** The refusals a caller gets as an error rather than a result (a hidden tool is answered as an unknown one). */
const REFUSED_BY_ERROR: ReadonlySet<AuditDecision> = new Set(['hide', 'unknown_tool']);

/**
 * One tool call's audit record in the making. The call pipeline makes one when a call arrives, tells it what
 * happened as it happens (routed, decided, held for approval, forwarded), and ends it with the result or the
 * error; ending writes the record to the sink. Whatever happens in between, a call that is ended writes exactly
 * one record: the first end wins, later ones are ignored.
 *
 * The outcome follows from what happened: a result from the server is `ok` or `tool_error`; a result the
 * gateway made without calling the server is a refusal; an error is classified by outcomeOfError once the server
 * was called, and before that is a refusal (hidden, unknown tool), a cancellation or a gateway error.
 */
export class CallAudit {
  readonly decisionId: string;
  readonly #sink: AuditSink;
  readonly #settings: AuditSettings;
  readonly #call: CallStart;
  readonly #clock: CallClock;
  readonly #time: number;
  readonly #started: number;
  #server: string | null = null;
  #tool: string;
  #decision: AuditDecision = 'undecided';
  #rule: string | null = null;
  #message: string | null = null;
  #policyRevision: string | null = null;
  #shadowed: AuditRecord['shadowed'] = null;
  #approvalId: string | null = null;
  #serverMs: number | null = null;
  #excludedMs = 0;
  #ended = false;

  constructor(sink: AuditSink, settings: AuditSettings, call: CallStart, clock: CallClock = SYSTEM_CLOCK) {
    this.#sink = sink;
    this.#settings = settings;
    this.#call = call;
    this.#clock = clock;
    this.#time = clock.now();
    this.#started = clock.elapsed();
    this.decisionId = newDecisionId(this.#time);
    this.#tool = call.tool;
  }

  /** The tool resolved to a server, and the server's own name for it. */
  routed(server: string, tool: string): void {
    this.#server = server;
    this.#tool = tool;
  }

  /** No server offers the tool the client named. */
  unknownTool(): void {
    this.#decide('unknown_tool', null, null, null);
  }

  /** A local caller under a config without a policy: nothing decided, everything allowed. */
  unrestricted(): void {
    this.#decide('unrestricted', null, null, null);
  }

  /** The policy's decision; call again when a later step decides otherwise (a reservation that lost a race). */
  decided(decision: Decision): void {
    this.#decide(auditDecisionOf(decision), decision.rule, decision.message, decision.policyRevision);
    this.#shadowed = decision.shadow
      ? { decision: auditDecisionOf(decision.shadowed), rule: decision.shadowed.rule }
      : null;
  }

  /**
   * What became of the approval the call was held for. `pending` leaves the decision `require_approval` (the
   * agent retries later); the rule and policy revision stay those of the decision that asked for approval.
   */
  approval(status: 'approved' | 'denied' | 'expired' | 'pending', approvalId: string | null, message?: string): void {
    this.#approvalId = approvalId;
    this.#decision = APPROVAL_DECISION[status];
    if (message !== undefined) this.#message = message;
  }

  /**
   * Runs the wait for a person's approval. Its time is left out of gatewayLatencyMs: a person deciding is
   * not the gateway being slow.
   */
  async approvalWait<T>(wait: () => Promise<T>): Promise<T> {
    const start = this.#clock.elapsed();
    try {
      return await wait();
    } finally {
      this.#excludedMs += this.#clock.elapsed() - start;
    }
  }

  /** Runs the request to the server, timing it as serverLatencyMs. */
  async forward<T>(send: () => Promise<T>): Promise<T> {
    const start = this.#clock.elapsed();
    try {
      return await send();
    } finally {
      this.#serverMs = (this.#serverMs ?? 0) + (this.#clock.elapsed() - start);
    }
  }

  /** The call ended with a result: the server's, or the gateway's own refusal. Writes the record. */
  succeeded(result: RawResult): void {
    this.#end(this.#serverMs === null ? 'refused' : outcomeOfResult(result), undefined);
  }

  /** The call ended with an error, which the caller rethrows. Writes the record. */
  failed(error: unknown, signal?: AbortSignal): void {
    let outcome: AuditOutcome;
    if (this.#serverMs !== null) outcome = outcomeOfError(error, signal);
    else if (signal?.aborted || isAbort(error)) outcome = 'cancelled';
    else if (REFUSED_BY_ERROR.has(this.#decision)) outcome = 'refused';
    else outcome = 'gateway_error';
    this.#end(outcome, outcome === 'refused' ? undefined : errorMessage(error));
  }

  #decide(decision: AuditDecision, rule: string | null, message: string | null, revision: string | null): void {
    this.#decision = decision;
    this.#rule = rule;
    this.#message = message;
    this.#policyRevision = revision;
    this.#shadowed = null;
  }

  #end(outcome: AuditOutcome, error: string | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    const totalMs = this.#clock.elapsed() - this.#started;
    const kept = redactArguments(this.#call.arguments, {
      include: this.#settings.arguments === 'values',
      redactKeys: this.#settings.redact,
    });
    const record: AuditRecord = {
      time: this.#time,
      requestId:
        this.#call.requestId === undefined || this.#call.requestId === null ? null : String(this.#call.requestId),
      decisionId: this.decisionId,
      grantId: this.#call.grant?.id ?? null,
      grant: this.#call.grant?.label ?? null,
      session: this.#call.session,
      server: this.#server,
      tool: this.#tool,
      decision: this.#decision,
      rule: this.#rule,
      message: error ?? this.#message,
      policyRevision: this.#policyRevision,
      approvalId: this.#approvalId,
      shadowed: this.#shadowed,
      argumentKeys: argumentKeys(this.#call.arguments),
      ...(this.#settings.arguments === 'values' ? { arguments: kept.value ?? null, redacted: kept.redacted } : {}),
      gatewayLatencyMs: milliseconds(Math.max(0, totalMs - (this.#serverMs ?? 0) - this.#excludedMs)),
      serverLatencyMs: this.#serverMs === null ? null : milliseconds(this.#serverMs),
      outcome,
    };
    this.#sink.write(record);
  }
}

const APPROVAL_DECISION = {
  approved: 'approved',
  denied: 'approval_denied',
  expired: 'approval_expired',
  pending: 'require_approval',
} as const satisfies Record<string, AuditDecision>;

/** Latencies to the microsecond: finer is noise. */
function milliseconds(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
