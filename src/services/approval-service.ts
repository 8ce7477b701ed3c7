import type { ApprovalWaiters } from '../approvals/approval-queue.js';
import type { ApprovalStore, Resolution, Verdict } from '../approvals/approval-store.js';
import { fillHidden, type Approval, type ApprovalStatus } from '../approvals/approval.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../observability/log.js';
import { ServiceError } from './service-error.js';

/** How asking to see an approval's hidden values came out, for the CLI and the admin API to report. */
export type RevealOutcome =
  /** `approval.arguments` whole, as the call would run; `approval.hidden` still says what was hidden. */
  | { readonly kind: 'revealed'; readonly approval: Approval }
  /** No longer pending: its hidden values were dropped when it was decided or expired. */
  | { readonly kind: 'dropped'; readonly approval: Approval }
  | { readonly kind: 'not_found' };

/**
 * What approvers do (list, show, reveal, approve, deny), the same for the CLI, the admin API and the web console.
 *
 * A verdict is stored, then the calls waiting for it are woken. In the gateway's own process (the admin API)
 * `waiters` is the gateway's ApprovalQueue, which wakes them at once. The CLI runs in another process and has
 * none: the gateway looks at the store every quarter of a second and sees the verdict there.
 */
export class ApprovalService {
  readonly #store: ApprovalStore;
  readonly #clock: Clock;
  readonly #waiters: ApprovalWaiters | undefined;
  readonly #log: Logger | undefined;

  constructor(store: ApprovalStore, clock: Clock, waiters?: ApprovalWaiters, log?: Logger) {
    this.#store = store;
    this.#clock = clock;
    this.#waiters = waiters;
    this.#log = log;
  }

  /** Approvals newest first, optionally of one status; those past their time read as expired. */
  async list(status?: ApprovalStatus): Promise<Approval[]> {
    await this.#expireDue();
    return this.#store.list(status);
  }

  /** One approval, its secrets hidden; one past its time reads as expired. */
  async get(id: string): Promise<Approval | undefined> {
    await this.#expireDue();
    return this.#store.get(id);
  }

  /**
   * One pending approval with its hidden values shown, for an approver who must see exactly what they approve.
   * The look is recorded with the approval (`reveals`: who, when; never the values) and logged where there is a
   * log (the gateway's, for the admin API).
   */
  async reveal(id: string, by: string): Promise<RevealOutcome> {
    await this.#expireDue();
    const revelation = await this.#store.reveal(id, by, this.#clock.now());
    if (revelation.kind !== 'revealed') return revelation;
    const { approval, values } = revelation;
    if (values.length > 0) {
      this.#log?.info(
        { approval: id, by, paths: approval.hidden.map((place) => place.path) },
        'approval secrets revealed',
      );
    }
    return {
      kind: 'revealed',
      approval: { ...approval, arguments: fillHidden(approval.arguments, approval.hidden, (index) => values[index]) },
    };
  }

  /**
   * Approves or denies a pending approval, and wakes the call waiting for it. `by` names the approver as the
   * record keeps it (`cli:alice`); `reason` is kept, and told to the agent on a denial.
   */
  /** The longest an approval can be extended by at once. */
  static readonly MAX_EXTENSION_MS = 24 * 3_600_000;

  /**
   * Gives a pending approval `ms` more before it expires, counted from its current expiry.
   * @throws ServiceError `invalid` for a length out of bounds; `not_found` when it is not pending.
   */
  async extend(id: string, ms: number): Promise<Approval> {
    if (!Number.isInteger(ms) || ms < 1_000 || ms > ApprovalService.MAX_EXTENSION_MS) {
      throw new ServiceError('invalid', 'seconds: expected a whole number from 1 to 86400');
    }
    const now = this.#clock.now();
    const approval = await this.#store.get(id);
    const extended =
      approval === undefined ? undefined : await this.#store.extend(id, Math.max(approval.expiresAt, now) + ms, now);
    if (!extended) throw new ServiceError('not_found', `No pending approval ${id}`);
    return extended;
  }

  async resolve(id: string, verdict: Verdict, by: string, reason: string | null): Promise<Resolution> {
    const resolution = await this.#store.resolve(id, verdict, by, reason, this.#clock.now());
    if (resolution.kind === 'resolved') this.#waiters?.wake(id);
    return resolution;
  }

  async #expireDue(): Promise<void> {
    for (const approval of await this.#store.expire(this.#clock.now())) this.#waiters?.wake(approval.id);
  }
}

/**
 * An approval as approvers are shown it: each hidden value replaced by `marker`, which says how to see it (the
 * CLI's flag, the admin API's parameter), and where each is and why. A revealed approval's arguments are already
 * whole: pass no marker.
 */
export function approvalView(approval: Approval, marker?: string): Record<string, unknown> {
  const { hidden, ...rest } = approval;
  return {
    ...rest,
    arguments: marker === undefined ? approval.arguments : fillHidden(approval.arguments, hidden, () => marker),
    hidden: hidden.map(({ path, why }) => ({ path, why })),
  };
}

/** Why a verdict was not stored, in the words the CLI prints and the admin API sends. */
export function unresolvedReason(id: string, resolution: Exclude<Resolution, { kind: 'resolved' }>): string {
  return resolution.kind === 'not_found'
    ? `No approval ${id}`
    : `Approval ${id} is ${resolution.approval.status} already`;
}

/** Why hidden values cannot be shown, in the words the CLI prints and the admin API sends. */
export function droppedReason(approval: Approval): string {
  return `The hidden values of approval ${approval.id} are no longer kept: they are dropped when an approval is decided or expires (it is ${approval.status}). Only the masked arguments remain.`;
}
