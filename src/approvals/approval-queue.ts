import type { Logger } from '../log.js';
import type { Approval } from './approval.js';
import type { ApprovalStore, NewApproval } from './approval-store.js';
import { announceApproval, type ApprovalWebhookConfig } from './approval-webhook.js';

/** How a held call ended, as far as its approval goes. */
export type ApprovalOutcome =
  /** A person approved it; the call runs once it has claimed the approval (an approval runs its call once). */
  | { readonly kind: 'approved'; readonly approval: Approval }
  | { readonly kind: 'denied'; readonly approval: Approval }
  | { readonly kind: 'expired'; readonly approval: Approval }
  /** Nobody decided in time (or the client gave up): the agent is told to retry the same call later. */
  | { readonly kind: 'pending'; readonly approval: Approval };

export interface ApprovalQueueOptions {
  /** How long a call waits for a person before it is answered "pending, retry later". */
  readonly waitMs: number;
  /** How long an approval stays pending before it expires. */
  readonly expireMs: number;
  readonly webhook: ApprovalWebhookConfig | null;
}

/** How often a waiting call looks at the store, for decisions made by another process (the CLI). */
const POLL_MS = 250;

/**
 * Parks calls that need a person's approval. The pending approval is stored first, so it survives a restart and
 * any approver can find it; then the call waits for `approved | denied | expired`, for `waitMs`, or for its
 * client to give up. A retry of the same call (same grant, server, tool and arguments) finds the same approval
 * instead of opening another; once approved, exactly one such call runs.
 */
export class ApprovalQueue {
  readonly #store: ApprovalStore;
  readonly #options: ApprovalQueueOptions;
  readonly #log: Logger;
  /** Calls waiting in this process, by approval id: woken at once by decisions made here (the admin API). */
  readonly #waiting = new Map<string, Set<() => void>>();

  constructor(store: ApprovalStore, options: ApprovalQueueOptions, log: Logger) {
    this.#store = store;
    this.#options = options;
    this.#log = log;
  }

  get store(): ApprovalStore {
    return this.#store;
  }

  /**
   * Settles a held call: finds its open approval or opens one, then waits. `onWait` is called every few
   * seconds while it waits, so the caller can keep its client's request alive.
   */
  async settle(call: NewApproval, signal: AbortSignal, onWait: (approval: Approval) => void): Promise<ApprovalOutcome> {
    let approval = await this.#store.findOpen(call.fingerprint, Date.now());
    if (!approval) {
      approval = await this.#store.create(call, Date.now());
      this.#log.info(
        {
          approval: approval.id,
          grant: approval.grantLabel,
          server: approval.serverId,
          tool: approval.tool,
          rule: approval.rule,
        },
        'approval requested',
      );
      if (this.#options.webhook) void announceApproval(this.#options.webhook, approval, this.#log);
    }
    const settled = await this.#wait(approval, signal, onWait);
    return this.#conclude(settled);
  }

  /**
   * Marks an approved call as running. Two identical calls may wait on one approval; only the one that claims it
   * runs. False when another call claimed it first.
   */
  claim(approval: Approval): Promise<boolean> {
    return this.#store.consume(approval.id, Date.now());
  }

  /** Marks pending approvals past their time as expired, and logs each. */
  async expireDue(): Promise<void> {
    try {
      for (const approval of await this.#store.expire(Date.now())) {
        this.#log.info({ approval: approval.id, tool: approval.tool, server: approval.serverId }, 'approval expired');
        this.poke(approval.id);
      }
    } catch (error) {
      this.#log.warn({ err: (error as Error).message }, 'could not expire approvals');
    }
  }

  /** Tells calls waiting in this process that an approval was decided. */
  poke(approvalId: string): void {
    for (const wake of this.#waiting.get(approvalId) ?? []) wake();
  }

  async #wait(approval: Approval, signal: AbortSignal, onWait: (approval: Approval) => void): Promise<Approval> {
    const deadline = Date.now() + this.#options.waitMs;
    let current = approval;
    let lastKeepAlive = Date.now();
    while (current.status === 'pending' && Date.now() < deadline && !signal.aborted) {
      await this.#sleep(current.id, Math.min(POLL_MS, deadline - Date.now()), signal);
      await this.#store.expire(Date.now());
      current = (await this.#store.get(current.id)) ?? current;
      if (Date.now() - lastKeepAlive >= KEEP_ALIVE_MS) {
        lastKeepAlive = Date.now();
        onWait(current);
      }
    }
    return current;
  }

  async #conclude(approval: Approval): Promise<ApprovalOutcome> {
    switch (approval.status) {
      case 'approved':
        return { kind: 'approved', approval };
      case 'denied':
      case 'expired':
        await this.#store.markReported(approval.id, Date.now());
        return { kind: approval.status, approval };
      case 'pending':
        return { kind: 'pending', approval };
    }
  }

  #sleep(approvalId: string, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wakers = this.#waiting.get(approvalId) ?? new Set<() => void>();
      this.#waiting.set(approvalId, wakers);
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        wakers.delete(done);
        if (wakers.size === 0) this.#waiting.delete(approvalId);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal.addEventListener('abort', done, { once: true });
      wakers.add(done);
    });
  }
}

/** How often a waiting call tells its client it is still alive. */
const KEEP_ALIVE_MS = 5_000;
