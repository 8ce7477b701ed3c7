import type { ApprovalWaiters } from '../approvals/approval-queue.js';
import type { ApprovalStore, Resolution, Verdict } from '../approvals/approval-store.js';
import type { Approval, ApprovalStatus } from '../approvals/approval.js';
import type { Clock } from '../clock.js';

/**
 * What approvers do (list, show, approve, deny), the same for the CLI, the admin API and the web console.
 *
 * A verdict is stored, then the calls waiting for it are woken. In the gateway's own process (the admin API)
 * `waiters` is the gateway's ApprovalQueue, which wakes them at once. The CLI runs in another process and has
 * none: the gateway's waiting calls look at the store every quarter of a second and see the verdict there.
 */
export class ApprovalService {
  readonly #store: ApprovalStore;
  readonly #clock: Clock;
  readonly #waiters: ApprovalWaiters | undefined;

  constructor(store: ApprovalStore, clock: Clock, waiters?: ApprovalWaiters) {
    this.#store = store;
    this.#clock = clock;
    this.#waiters = waiters;
  }

  /** Approvals newest first, optionally of one status; those past their time read as expired. */
  async list(status?: ApprovalStatus): Promise<Approval[]> {
    await this.#expireDue();
    return this.#store.list(status);
  }

  /** One approval; one past its time reads as expired. */
  async get(id: string): Promise<Approval | undefined> {
    await this.#expireDue();
    return this.#store.get(id);
  }

  /**
   * Approves or denies a pending approval, and wakes the call waiting for it. `by` names the approver as the
   * record keeps it (`cli:alice`); `reason` is kept, and told to the agent on a denial.
   */
  async resolve(id: string, verdict: Verdict, by: string, reason: string | null): Promise<Resolution> {
    const resolution = await this.#store.resolve(id, verdict, by, reason, this.#clock.now());
    if (resolution.kind === 'resolved') this.#waiters?.wake(id);
    return resolution;
  }

  async #expireDue(): Promise<void> {
    for (const approval of await this.#store.expire(this.#clock.now())) this.#waiters?.wake(approval.id);
  }
}

/** Why a verdict was not stored, in the words the CLI prints and the admin API sends. */
export function unresolvedReason(id: string, resolution: Exclude<Resolution, { kind: 'resolved' }>): string {
  return resolution.kind === 'not_found'
    ? `No approval ${id}`
    : `Approval ${id} is ${resolution.approval.status} already`;
}
