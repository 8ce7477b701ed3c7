import type { Clock } from '../clock.js';
import { ErrorCode, GatewayError } from '../errors.js';
import type { Logger } from '../observability/log.js';
import type { Principal } from '../grants/principal.js';
import type { RequireApprovalDecision } from '../policy/decide.js';
import { separateSecrets } from '../audit/redact.js';
import { PostgresUnavailableError } from '../state/postgres-db.js';
import { isLockedError } from '../state/lock-wait.js';
import type { Caller, ForwardOptions } from '../upstream/caller.js';
import { callFingerprint, hiddenValuesOf, type Approval } from './approval.js';
import type { ApprovalOutcome, ApprovalQueue } from './approval-queue.js';

/** How a held call came out: it goes on (with the stored approval, when an operator gave one), or it does not. */
export type Hold =
  | { readonly kind: 'approved'; readonly approval: Approval | undefined }
  | { readonly kind: 'refused'; readonly outcome: Exclude<ApprovalOutcome, { kind: 'approved' }> }
  /** Not held: the caller's grant already has `maxPending` approvals pending. */
  | { readonly kind: 'too_many_pending'; readonly maxPending: number }
  /** The person at the client said no, or cannot be asked: `error` is what the agent is told. */
  | { readonly kind: 'refused_by_client'; readonly status: 'denied' | 'unavailable'; readonly error: GatewayError };

export interface ApprovalGateOptions {
  /** How long an approval stays pending before it expires. */
  readonly expireMs: number;
  /** Argument keys and paths whose values an operator sees masked unless they ask to see them. */
  readonly redact: readonly string[];
}

/**
 * Holds calls the policy wants a person to approve: an operator (through the approval queue: CLI, admin API)
 * or, where the policy says so, the person at the client (MCP elicitation, for a single-user setup).
 */
export class ApprovalGate {
  readonly #queue: ApprovalQueue;
  readonly #options: ApprovalGateOptions;
  readonly #clock: Clock;
  readonly #log: Logger;

  constructor(queue: ApprovalQueue, options: ApprovalGateOptions, clock: Clock, log: Logger) {
    this.#queue = queue;
    this.#options = options;
    this.#clock = clock;
    this.#log = log;
  }

  /**
   * Waits for the call's approval. Resolves with the approval when the call may go on, or with why it may not:
   * denied (with the approver's reason), expired, or still pending (the agent retries the same call later, and
   * once approved that retry runs exactly once).
   */
  async hold(caller: Caller, decision: RequireApprovalDecision, args: unknown, options: ForwardOptions): Promise<Hold> {
    // The person at the client is shown the call whole: the client sent these values, so showing them back tells
    // it nothing new, and a value the approver cannot see would be one they approve blind.
    if (decision.approver === 'client') return this.#askClient(caller, decision, args ?? {}, options.signal);
    const principal: Principal = caller.principal;
    const { masked, secrets } = separateSecrets(args ?? {}, this.#options.redact);
    const outcome = await this.#queue
      .settle(
        {
          grantId: principal.id,
          grantLabel: principal.label,
          serverId: decision.serverId,
          tool: decision.tool,
          arguments: masked,
          hidden: hiddenValuesOf(secrets),
          secrets: secrets.map((secret) => secret.value),
          fingerprint: callFingerprint(principal.id, decision.serverId, decision.tool, args),
          rule: decision.rule,
          reason: decision.reason,
          expiresAt: this.#clock.now() + this.#options.expireMs,
        },
        options.signal,
        (approval) => {
          if (options.progressToken === undefined) return;
          const message = `Waiting for a person to approve (approval ${approval.id})`;
          void caller
            .notify({
              method: 'notifications/progress',
              params: { progressToken: options.progressToken, progress: 0, message },
            })
            .catch(() => undefined);
        },
      )
      .catch((error: unknown) => this.#unstored(error));
    if (outcome.kind === 'too_many_pending') return outcome;
    this.#log.info({ approval: outcome.approval.id, outcome: outcome.kind, tool: decision.tool }, 'approval settled');
    if (outcome.kind === 'approved') return { kind: 'approved', approval: outcome.approval };
    return { kind: 'refused', outcome };
  }

  /** Marks an approved call as running: false when another identical call claimed the approval first. */
  claim(approval: Approval): Promise<boolean> {
    return this.#queue.claim(approval).catch((error: unknown) => this.#unstored(error));
  }

  /**
   * Rethrows a failure to write the call's approval. When the state database cannot take the write (a lock held by
   * another process beyond `state.lockWaitMs`, a read-only file, a full disk), the call fails with
   * GW_STATE_UNAVAILABLE rather than hang or run unapproved; the operator's log says which file and why, the agent
   * (who need not learn the gateway's paths) only whether retrying may help.
   */
  #unstored(error: unknown): never {
    if (!isStateFailure(error)) throw error;
    this.#log.error({ err: error }, 'a call held for approval failed: the state database cannot be written');
    throw new GatewayError(
      ErrorCode.StateUnavailable,
      'Toolgate cannot write its state database, which this call needs (to keep its approval): the call was not run.' +
        (isLockedError(error) ? ' Another process holds the database; retry shortly.' : '') +
        (error instanceof PostgresUnavailableError ? ' The database cannot be reached; retry shortly.' : ''),
      { cause: error },
    );
  }

  async #askClient(
    caller: Caller,
    decision: RequireApprovalDecision,
    args: unknown,
    signal: AbortSignal,
  ): Promise<Hold> {
    if (!caller.capabilities.elicitation) {
      const message = `${decision.message} The policy asks the person at the client, and this client cannot ask (it does not support elicitation).`;
      return {
        kind: 'refused_by_client',
        status: 'unavailable',
        error: clientRefusal(ErrorCode.ApprovalUnavailable, decision, message),
      };
    }
    const reason = decision.reason === null ? '' : `\n${decision.reason}`;
    const answer = await caller.request(
      {
        method: 'elicitation/create',
        params: {
          message: `Allow the tool "${decision.tool}" on server "${decision.serverId}" to run with these arguments?${reason}\n${JSON.stringify(args, null, 2)}`,
          requestedSchema: { type: 'object', properties: {} },
        },
      },
      { signal },
    );
    if (answer.action === 'accept') return { kind: 'approved', approval: undefined };
    const message = `The person at the client did not approve the call to ${decision.tool}.`;
    return {
      kind: 'refused_by_client',
      status: 'denied',
      error: clientRefusal(ErrorCode.ApprovalDenied, decision, message),
    };
  }
}

/** An error of the state database itself: SQLite's own (read-only, full, I/O), or a lock waited for in vain. */
function isStateFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return (
    isLockedError(error) ||
    error instanceof PostgresUnavailableError ||
    (typeof code === 'string' && code.startsWith('SQLITE_'))
  );
}

function clientRefusal(code: ErrorCode, decision: RequireApprovalDecision, message: string): GatewayError {
  return new GatewayError(code, message, {
    data: { effect: decision.effect, rule: decision.rule, policyRevision: decision.policyRevision },
  });
}
