import type { Charge } from './charge.js';
import type { LimitRefusal } from './limit-refusal.js';

/**
 * Where counters live, and the one place limits are checked. The gateway's limit step takes a call's charges
 * before forwarding it (check and reserve in one atomic step, all charges or none), then commits them when the
 * call ran, or releases them when it certainly did not. Implementations: MemoryLimitStore (one process, gone on
 * exit), SqliteLimitStore (exact counters in memory, committed events stored in SQLite, survives a restart);
 * RedisLimitStore (counters in Redis, shared by several replicas, which may count with Redis's clock instead of
 * `now`). Every implementation passes test/contract/limit-store.contract.ts.
 *
 * Every method is asynchronous, so that a store may do I/O; `now` (epoch milliseconds) is always an argument,
 * never read from a clock, and a `now` earlier than a counter's newest event counts as that event's time.
 */
export interface LimitStore {
  /**
   * Checks every limit of every charge at `now` and, when the call fits all of them, reserves every charge: no
   * other take can come between the check and the reservation, so concurrent calls never exceed a limit.
   */
  take(charges: readonly Charge[], now: number): Promise<Taken>;
  /** What take would answer at `now`, reserving nothing: a refusal, or null when the call fits. */
  peek(charges: readonly Charge[], now: number): Promise<LimitRefusal | null>;
  /** The call ran: its charges stay counted. A reservation committed or released before is left as it is. */
  commit(reservation: Reservation): Promise<void>;
  /** The call never ran: its charges are given back at once. A reservation committed before stays counted. */
  release(reservation: Reservation): Promise<void>;
  /**
   * The amount counted on `counterKey` at `now` in a window `windowMs` long, reserved and committed: every event
   * taken after `now - windowMs` (after `now` too, when the clock has stepped back).
   */
  usage(counterKey: string, windowMs: number, now: number): Promise<number>;
  /** Forgets what no window up to `keepMs` long can count at `now` or later. */
  prune(now: number, keepMs: number): Promise<void>;
  /** Stores what must survive, then stops. Never rejects. */
  close(): Promise<void>;
}

/** The answer of take: the reservation to commit or release, or why the call does not fit. */
export type Taken =
  { readonly ok: true; readonly reservation: Reservation } | { readonly ok: false; readonly refusal: LimitRefusal };

/**
 * A call's charges, taken and not yet committed. The store that made it reads it back; callers only pass it on.
 */
export interface Reservation {
  /** One per charge taken, in the order of the charges. */
  readonly charges: readonly ReservedCharge[];
}

/** One charge as a store reserved it. */
export interface ReservedCharge {
  readonly counterKey: string;
  readonly amount: number;
  /** The time it counts from. */
  readonly at: number;
  /** The store's name for it among the counter's events. */
  readonly id: number;
}

/** The reservation of a call that charges nothing: committing or releasing it does nothing, in every store. */
export const NOTHING_RESERVED: Reservation = Object.freeze({ charges: Object.freeze([]) });
