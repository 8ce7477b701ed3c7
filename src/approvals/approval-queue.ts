import { systemClock, type Clock } from '../clock.js';
import type { Logger } from '../observability/log.js';
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
 * Calls waiting in this process for a verdict, woken when an approver in this process (the admin API) resolves
 * one. Approvers in another process (the CLI) cannot reach them: waiting calls also look at the store every
 * quarter of a second.
 */
export interface ApprovalWaiters {
  wake(approvalId: string): void;
}

/**
 * Parks calls that need a person's approval. The pending approval is stored first, so it survives a restart and
 * any approver can find it; then the call waits for `approved | denied | expired`, for `waitMs`, or for its
 * client to give up. A retry of the same call (same grant, server, tool and arguments) finds the same approval
 * instead of opening another; once approved, exactly one such call runs.
 */
export class ApprovalQueue implements ApprovalWaiters {
  readonly #store: ApprovalStore;
  readonly #options: ApprovalQueueOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  /** Calls waiting in this process, by approval id: woken at once by verdicts given here (the admin API). */
  readonly #waiting = new Map<string, Set<() => void>>();

  constructor(store: ApprovalStore, options: ApprovalQueueOptions, log: Logger, clock: Clock = systemClock) {
    this.#store = store;
    this.#options = options;
    this.#log = log;
    this.#clock = clock;
  }

  /**
   * Settles a held call: finds its open approval or opens one, then waits. `onWait` is called every few
   * seconds while it waits, so the caller can keep its client's request alive.
   */
  async settle(call: NewApproval, signal: AbortSignal, onWait: (approval: Approval) => void): Promise<ApprovalOutcome> {
    let approval = await this.#store.findOpen(call.fingerprint, this.#clock.now());
    if (!approval) {
      approval = await this.#store.create(call, this.#clock.now());
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
      if (this.#options.webhook) void announceApproval(this.#options.webhook, approval, this.#log, this.#clock);
    }
    const settled = await this.#wait(approval, signal, onWait);
    return this.#conclude(settled);
  }

  /**
   * Marks an approved call as running. Two identical calls may wait on one approval; only the one that claims it
   * runs. False when another call claimed it first.
   */
  claim(approval: Approval): Promise<boolean> {
    return this.#store.consume(approval.id, this.#clock.now());
  }

  /** Marks pending approvals past their time as expired, and logs each. */
  async expireDue(): Promise<void> {
    try {
      for (const approval of await this.#store.expire(this.#clock.now())) {
        this.#log.info({ approval: approval.id, tool: approval.tool, serverId: approval.serverId }, 'approval expired');
        this.wake(approval.id);
      }
    } catch (error) {
      this.#log.warn({ err: (error as Error).message }, 'could not expire approvals');
    }
  }

  /** Tells calls waiting in this process that an approval was resolved (or expired). */
  wake(approvalId: string): void {
    for (const wake of this.#waiting.get(approvalId) ?? []) wake();
  }

  async #wait(approval: Approval, signal: AbortSignal, onWait: (approval: Approval) => void): Promise<Approval> {
    const clock = this.#clock;
    const deadline = clock.elapsed() + this.#options.waitMs;
    let current = approval;
    let lastKeepAlive = clock.elapsed();
    while (current.status === 'pending' && clock.elapsed() < deadline && !signal.aborted) {
      await this.#sleep(current.id, Math.min(POLL_MS, deadline - clock.elapsed()), signal);
      await this.#store.expire(clock.now());
      current = (await this.#store.get(current.id)) ?? current;
      if (clock.elapsed() - lastKeepAlive >= KEEP_ALIVE_MS) {
        lastKeepAlive = clock.elapsed();
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
        await this.#store.markReported(approval.id, this.#clock.now());
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
