import { systemClock, type Clock } from '../clock.js';
import type { Logger } from '../observability/log.js';
import type { Approval } from './approval.js';
import type { ApprovalSignal } from './approval-signal.js';
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

/** How settling a held call came out: its approval's outcome, or no approval, its grant having too many pending. */
export type Settlement = ApprovalOutcome | { readonly kind: 'too_many_pending'; readonly maxPending: number };

export interface ApprovalQueueOptions {
  /** How long a call waits for a person before it is answered "pending, retry later". */
  readonly waitMs: number;
  /** How long an approval stays pending before it expires. */
  readonly expireMs: number;
  /** How many approvals one grant (or the local operator) may have pending at once. */
  readonly maxPendingPerGrant: number;
  readonly webhook: ApprovalWebhookConfig | null;
  /**
   * How often it looks at the store, while calls wait, for verdicts given by another process (the CLI, another
   * replica). Default 250 ms. With a signal that wakes calls at once, the look is only what catches the verdicts
   * the signal missed.
   */
  readonly pollMs?: number;
}

/** How often the queue looks at the store by default, for decisions made by another process (the CLI). */
const POLL_MS = 250;

/** How often a waiting call tells its client it is still alive. */
const KEEP_ALIVE_MS = 5_000;

/**
 * Calls waiting in this process for a verdict, woken when an approver in this process (the admin API) resolves
 * one. Approvers in another process (the CLI, another replica) reach them through the queue's ApprovalSignal when
 * it has one; and the queue looks at the store every quarter of a second, whatever the signal missed.
 */
export interface ApprovalWaiters {
  wake(approvalId: string): void;
}

/** A call waiting for its approval: `settle` ends its wait with the approval as it then is. */
interface Waiter {
  readonly approvalId: string;
  settle(approval: Approval): void;
}

/**
 * Parks calls that need a person's approval. The pending approval is stored first, so it survives a restart and
 * any approver can find it; then the call waits for `approved | denied | expired`, for `waitMs`, or for its
 * client to give up. A retry of the same call (same grant, server, tool and arguments) finds the same approval
 * instead of opening another; once approved, exactly one such call runs. A grant has at most
 * `maxPendingPerGrant` approvals pending: a call that would open another is not held.
 *
 * A parked call costs one timer (its deadline and keep-alive) and nothing else: one look at the store every
 * quarter of a second serves every call waiting here, however many.
 */
export class ApprovalQueue implements ApprovalWaiters {
  readonly #store: ApprovalStore;
  readonly #options: ApprovalQueueOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  /** Calls waiting in this process, by approval id. */
  readonly #waiting = new Map<string, Set<Waiter>>();
  /** The one look at the store for every waiting call; running exactly while some call waits. */
  #poll: ReturnType<typeof setInterval> | undefined;
  #looking = false;
  readonly #signal: ApprovalSignal | undefined;
  /** Ends the subscription to `signal`; held exactly while some call waits, as the poll is. */
  #unsubscribe: (() => void) | undefined;

  /** `signal`, when given, wakes the calls waiting here as soon as another process settles their approval. */
  constructor(
    store: ApprovalStore,
    options: ApprovalQueueOptions,
    log: Logger,
    clock: Clock = systemClock,
    signal?: ApprovalSignal,
  ) {
    this.#store = store;
    this.#options = options;
    this.#log = log;
    this.#clock = clock;
    this.#signal = signal;
  }

  /**
   * Settles a held call: finds its open approval or opens one, then waits. `onWait` is called every few
   * seconds while it waits, so the caller can keep its client's request alive.
   */
  async settle(call: NewApproval, signal: AbortSignal, onWait: (approval: Approval) => void): Promise<Settlement> {
    let approval = await this.#store.findOpen(call.fingerprint, this.#clock.now());
    if (!approval) {
      const { maxPendingPerGrant } = this.#options;
      const created = await this.#store.create(call, this.#clock.now(), maxPendingPerGrant);
      if (created.kind === 'too_many_pending') {
        this.#log.info(
          { grant: call.grantLabel, server: call.serverId, tool: call.tool, maxPending: maxPendingPerGrant },
          'approval refused: too many pending',
        );
        return { kind: 'too_many_pending', maxPending: maxPendingPerGrant };
      }
      approval = created.approval;
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
        this.#settleWaiters(approval);
      }
    } catch (error) {
      this.#log.warn({ err: (error as Error).message }, 'could not expire approvals');
    }
  }

  /** Tells calls waiting in this process that an approval was resolved (or expired). */
  wake(approvalId: string): void {
    if (!this.#waiting.has(approvalId)) return;
    void this.#store.get(approvalId).then(
      (approval) => approval && this.#settleWaiters(approval),
      (error: unknown) => this.#log.warn({ err: (error as Error).message }, 'could not read an approval'),
    );
  }

  /** Waits for `approval` to be settled, for `waitMs`, or for the client to give up; resolves with it as it is. */
  #wait(approval: Approval, signal: AbortSignal, onWait: (approval: Approval) => void): Promise<Approval> {
    const clock = this.#clock;
    const deadline = clock.elapsed() + this.#options.waitMs;
    if (approval.status !== 'pending' || signal.aborted || clock.elapsed() >= deadline)
      return Promise.resolve(approval);
    return new Promise((resolve) => {
      let lastKeepAlive = clock.elapsed();
      let timer: ReturnType<typeof setTimeout>;
      let settled = false;
      const waiter: Waiter = {
        approvalId: approval.id,
        settle: (current) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          this.#remove(waiter);
          resolve(current);
        },
      };
      const onAbort = () => waiter.settle(approval);
      // One timer a call, due at its next keep-alive or its deadline, whichever comes first.
      const arm = () => {
        const due = Math.min(deadline, lastKeepAlive + KEEP_ALIVE_MS);
        timer = setTimeout(onTimer, Math.max(0, due - clock.elapsed()));
      };
      const onTimer = () => {
        if (clock.elapsed() >= deadline) {
          // A last look, once a call: a verdict given since the store's last look still counts.
          void this.#store.get(approval.id).then(
            (current) => waiter.settle(current ?? approval),
            () => waiter.settle(approval),
          );
          return;
        }
        if (clock.elapsed() - lastKeepAlive >= KEEP_ALIVE_MS) {
          lastKeepAlive = clock.elapsed();
          onWait(approval);
        }
        arm();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#add(waiter);
      arm();
    });
  }

  #add(waiter: Waiter): void {
    const waiters = this.#waiting.get(waiter.approvalId) ?? new Set<Waiter>();
    this.#waiting.set(waiter.approvalId, waiters);
    waiters.add(waiter);
    this.#unsubscribe ??= this.#signal?.subscribe((approvalId) => this.wake(approvalId));
    this.#poll ??= setInterval(() => void this.#look(), this.#options.pollMs ?? POLL_MS);
  }

  #remove(waiter: Waiter): void {
    const waiters = this.#waiting.get(waiter.approvalId);
    waiters?.delete(waiter);
    if (waiters?.size === 0) this.#waiting.delete(waiter.approvalId);
    if (this.#waiting.size === 0 && this.#poll !== undefined) {
      clearInterval(this.#poll);
      this.#poll = undefined;
    }
    if (this.#waiting.size === 0 && this.#unsubscribe !== undefined) {
      this.#unsubscribe();
      this.#unsubscribe = undefined;
    }
  }

  /** One look at the store for every waiting call: approvals past their time, then verdicts given elsewhere. */
  async #look(): Promise<void> {
    // A slow store must not stack looks up behind each other.
    if (this.#looking) return;
    this.#looking = true;
    try {
      await this.expireDue();
      for (const approval of await this.#store.settledAmong([...this.#waiting.keys()])) {
        this.#settleWaiters(approval);
      }
    } catch (error) {
      this.#log.warn({ err: (error as Error).message }, 'could not read approvals');
    } finally {
      this.#looking = false;
    }
  }

  #settleWaiters(approval: Approval): void {
    if (approval.status === 'pending') return;
    for (const waiter of [...(this.#waiting.get(approval.id) ?? [])]) waiter.settle(approval);
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
}
