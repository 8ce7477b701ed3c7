import type { Charge, ChargedLimit } from './charge.js';
import { limitRefusal, type LimitRefusal } from './limit-refusal.js';
import { NOTHING_RESERVED, type LimitStore, type Reservation, type ReservedCharge, type Taken } from './limit-store.js';
import { retryAfterMs, SlidingWindowCounter, type WindowEvent } from './sliding-window.js';

/** How a persistent store builds on the memory one: where forgotten counters come from, where commits go. */
export interface MemoryLimitStoreOptions {
  /**
   * The committed events of a counter this store has not seen yet, in time order: asked once per counter key, the
   * first time a call or a question touches it. Default: none.
   */
  readonly load?: (counterKey: string) => readonly WindowEvent[];
  /** Told the charges of each commit that newly kept them (not those committed or released before). */
  readonly committed?: (charges: readonly ReservedCharge[]) => void;
}

/**
 * Counters in memory, exact: one SlidingWindowCounter per counter key. Every method does its work before its
 * promise is returned, in one synchronous run, so a take's check and reservation cannot interleave with another
 * call's, and a commit or release has taken effect by the time the call that made it goes on.
 */
export class MemoryLimitStore implements LimitStore {
  readonly #counters = new Map<string, SlidingWindowCounter>();
  readonly #load: ((counterKey: string) => readonly WindowEvent[]) | undefined;
  readonly #committed: ((charges: readonly ReservedCharge[]) => void) | undefined;

  constructor(options: MemoryLimitStoreOptions = {}) {
    this.#load = options.load;
    this.#committed = options.committed;
  }

  async take(charges: readonly Charge[], now: number): Promise<Taken> {
    return this.#take(charges, now);
  }

  async peek(charges: readonly Charge[], now: number): Promise<LimitRefusal | null> {
    return this.#refusal(charges, now);
  }

  async commit(reservation: Reservation): Promise<void> {
    let kept: ReservedCharge[] | undefined;
    for (const charge of reservation.charges) {
      if (this.#counters.get(charge.counterKey)?.commit(charge.id)) (kept ??= []).push(charge);
    }
    if (kept !== undefined) this.#committed?.(kept);
  }

  async release(reservation: Reservation): Promise<void> {
    for (const { counterKey, id } of reservation.charges) this.#counters.get(counterKey)?.release(id);
  }

  async usage(counterKey: string, windowMs: number, now: number): Promise<number> {
    return this.#counter(counterKey).used(now, windowMs);
  }

  /** Forgets events older than `keepMs`, and counters left empty. */
  async prune(now: number, keepMs: number): Promise<void> {
    for (const [key, counter] of this.#counters) {
      counter.prune(now, keepMs);
      if (counter.isEmpty) this.#counters.delete(key);
    }
  }

  async close(): Promise<void> {}

  #take(charges: readonly Charge[], now: number): Taken {
    if (charges.length === 0) return TOOK_NOTHING;
    const refusal = this.#refusal(charges, now);
    if (refusal !== null) return { ok: false, refusal };
    const reserved = new Array<ReservedCharge>(charges.length);
    for (let c = 0; c < charges.length; c++) {
      const { counterKey, amount } = charges[c] as Charge;
      const { id, at } = this.#counter(counterKey).add(amount, now);
      reserved[c] = { counterKey, amount, at, id };
    }
    return { ok: true, reservation: { charges: reserved } };
  }

  /**
   * The refusal of the charges at `now`, or null when every limit of every charge allows them. The refusal names
   * the broken limit of lowest rank, and waits until all of the limits allow the call: each limit, once it lets
   * the call through, keeps doing so (events only leave the window), so the latest of their times is the first
   * at which all do.
   */
  #refusal(charges: readonly Charge[], now: number): LimitRefusal | null {
    let broken: ChargedLimit | undefined;
    let brokenCharge: Charge | undefined;
    for (let c = 0; c < charges.length; c++) {
      const charge = charges[c] as Charge;
      const counter = this.#counter(charge.counterKey);
      const at = counter.timeOf(now);
      for (let i = 0; i < charge.limits.length; i++) {
        const limit = charge.limits[i] as ChargedLimit;
        if (counter.used(at, limit.windowMs) + charge.amount <= limit.max) continue;
        if (broken === undefined || limit.rank < broken.rank) {
          broken = limit;
          brokenCharge = charge;
        }
      }
    }
    if (broken === undefined || brokenCharge === undefined) return null;
    let wait: number | null = 0;
    for (const charge of charges) {
      const counter = this.#counter(charge.counterKey);
      const at = counter.timeOf(now);
      for (const limit of charge.limits) {
        const each = retryAfterMs(counter.events(), at, limit, charge.amount);
        // Measured from `at`; the caller measures from its own `now`.
        wait = each === null || wait === null ? null : Math.max(wait, each + (at - now));
      }
    }
    return limitRefusal(broken, brokenCharge.counterKey, brokenCharge.subject, wait);
  }

  /** The counter of a key, read from the persistent store the first time it is asked for. */
  #counter(counterKey: string): SlidingWindowCounter {
    let counter = this.#counters.get(counterKey);
    if (counter !== undefined) return counter;
    counter = new SlidingWindowCounter();
    if (this.#load !== undefined) for (const { at, amount } of this.#load(counterKey)) counter.restore(at, amount);
    this.#counters.set(counterKey, counter);
    return counter;
  }
}

const TOOK_NOTHING: Taken = Object.freeze({ ok: true, reservation: NOTHING_RESERVED });
