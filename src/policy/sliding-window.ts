/**
 * Exact sliding-window counting for policy limits.
 *
 * A limit `{ windowMs, max }` holds when, in every interval `windowMs` long, the accepted amounts add up to at
 * most `max`. Calendar windows ("this minute") let twice `max` through around a boundary, so each counter
 * keeps its accepted events, `{ at, amount }`, and a call is accepted at time `now` only if the events in
 * `(now - windowMs, now]` plus the call's amount stay within `max`. An event at `t` therefore stops counting
 * at exactly `t + windowMs`.
 *
 * Time is always an argument (epoch milliseconds): nothing here reads a clock. Events are kept in
 * non-decreasing order of `at`; a `now` earlier than the newest event (a clock stepped back) is treated as the
 * time of the newest event, which only ever makes a counter stricter.
 */

/** One accepted (reserved or committed) use of a counter. */
export interface WindowEvent {
  /** Epoch milliseconds. */
  readonly at: number;
  /** 1 for a call; the argument's value for a spend cap. */
  readonly amount: number;
}

/** One limit on a counter. */
export interface WindowLimit {
  readonly windowMs: number;
  readonly max: number;
}

/** A limit as a decision names it: the rule (JSON Pointer) that set it, for the refusal message and audit. */
export interface LimitCheck extends WindowLimit {
  readonly rule: string;
}

/**
 * A charge the gateway must reserve before forwarding an allowed call: `amount` on `counterKey`, which must
 * keep every one of `limits`. One reservation per counter key; several limits may share a key (a per-minute
 * and a per-day limit on the same counter).
 */
export interface Reservation {
  readonly counterKey: string;
  readonly amount: number;
  readonly limits: readonly LimitCheck[];
}

/**
 * Read-only access to counter state, the input that lets decide() stay pure. A key never used has no events.
 */
export interface CounterView {
  /** The events of a key, reserved and committed, in non-decreasing order of `at`. */
  events(counterKey: string): readonly WindowEvent[];
  /**
   * What `usedIn(events(counterKey), now, windowMs)` returns. Asked on every call that a limit counts, so a view
   * that keeps running totals answers it without walking the window's events (a busy counter holds thousands).
   */
  used(counterKey: string, now: number, windowMs: number): number;
}

const NO_EVENTS: readonly WindowEvent[] = Object.freeze([]);

/** A CounterView over plain event lists (tests', the bench's), summing them on each question. */
export function counterViewOf(eventsOf: (counterKey: string) => readonly WindowEvent[]): CounterView {
  return Object.freeze({
    events: eventsOf,
    used: (counterKey: string, now: number, windowMs: number) => usedIn(eventsOf(counterKey), now, windowMs),
  });
}

/** A CounterView with no events: every counter unused. */
export const EMPTY_COUNTERS: CounterView = counterViewOf(() => NO_EVENTS);

/** Sum of the amounts of the events that count at `now` in a window `windowMs` long: those with `at > now - windowMs`. */
export function usedIn(events: readonly WindowEvent[], now: number, windowMs: number): number {
  const start = now - windowMs;
  let used = 0;
  // Newest first: the events inside the window are a suffix of the list.
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i];
    if (event === undefined || event.at <= start) break;
    used += event.amount;
  }
  return used;
}

/**
 * Milliseconds from `now` until `amount` fits under `limit`, if nothing else is reserved or released
 * meanwhile: 0 when it fits now, null when it never can (`amount > max`). Exact: at `now + result` the amount
 * fits, and one millisecond earlier it does not.
 */
export function retryAfterMs(
  events: readonly WindowEvent[],
  now: number,
  limit: WindowLimit,
  amount: number,
): number | null {
  if (amount > limit.max) return null;
  const start = now - limit.windowMs;
  let first = events.length;
  let used = 0;
  while (first > 0 && (events[first - 1]?.at ?? -Infinity) > start) {
    first--;
    used += events[first]?.amount ?? 0;
  }
  let excess = used + amount - limit.max;
  if (excess <= 0) return 0;
  // The oldest events leave the window first; wait until enough of them have left.
  for (let i = first; i < events.length; i++) {
    const event = events[i];
    if (event === undefined) break;
    excess -= event.amount;
    if (excess <= 0) return Math.max(0, event.at + limit.windowMs - now);
  }
  // Unreachable: once every event has left the window, amount <= max fits.
  return null;
}

/** Why a reservation was refused: the first limit it would break, and when all its limits would allow it. */
export interface LimitRefusal {
  /** Index, in the list given, of the first limit the amount would break. */
  readonly limitIndex: number;
  readonly used: number;
  /** When every limit given allows the amount; null when one never can. */
  readonly retryAfterMs: number | null;
}

/**
 * Checks `amount` at `now` against every limit; undefined when it fits all of them. `used` answers usedIn for
 * these events (a counter's running totals do it without walking them).
 */
export function checkLimits(
  events: readonly WindowEvent[],
  now: number,
  limits: readonly WindowLimit[],
  amount: number,
  used: (now: number, windowMs: number) => number = (at, windowMs) => usedIn(events, at, windowMs),
): LimitRefusal | undefined {
  let refusal: { limitIndex: number; used: number } | undefined;
  for (let limitIndex = 0; limitIndex < limits.length && refusal === undefined; limitIndex++) {
    const limit = limits[limitIndex]!;
    const inWindow = used(now, limit.windowMs);
    if (inWindow + amount > limit.max) refusal = { limitIndex, used: inWindow };
  }
  if (refusal === undefined) return undefined;
  // Each limit, once it allows the amount, keeps allowing it (events only leave), so all allow it at the latest.
  let wait: number | null = 0;
  for (const limit of limits) {
    const each = retryAfterMs(events, now, limit, amount);
    wait = each === null || wait === null ? null : Math.max(wait, each);
  }
  return { ...refusal, retryAfterMs: wait };
}

/** The id of one reservation in a SlidingWindowCounter. */
export type ReservationId = number;

interface StoredEvent extends WindowEvent {
  readonly id: ReservationId;
  committed: boolean;
  /** The sum of the amounts of this event and every event kept before it. */
  total: number;
}

/**
 * The events of one counter key, in memory: what a counter store keeps per key, and the reference for stores
 * that persist them. A reservation counts from the moment it is made, so calls in flight count; commit keeps
 * it, release gives its quota back.
 *
 * Each event carries a running total, so the amount used in a window is the difference of two totals, found by
 * a binary search on time: summing the window's events, as usedIn does, cost a walk over every call of the last
 * second (minute, day) on every call, twice, and was the pipeline's largest cost at a few thousand calls a second.
 */
export class SlidingWindowCounter {
  private readonly stored: StoredEvent[] = [];
  private nextId: ReservationId = 1;

  /** Reserved and committed events, oldest first. The array is live: read it before changing the counter. */
  events(): readonly WindowEvent[] {
    return this.stored;
  }

  /** What `usedIn(this.events(), now, windowMs)` returns, in O(log n). */
  used(now: number, windowMs: number): number {
    const stored = this.stored;
    const start = now - windowMs;
    // The first event inside the window: the first with at > start (events are in time order).
    let low = 0;
    let high = stored.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (stored[middle]!.at > start) high = middle;
      else low = middle + 1;
    }
    if (low === stored.length) return 0;
    const first = stored[low]!;
    return stored[stored.length - 1]!.total - first.total + first.amount;
  }

  /**
   * Reserves `amount` at `now` if every limit allows it.
   * @returns the reservation's id, or why not and when to retry.
   */
  reserve(
    amount: number,
    now: number,
    limits: readonly WindowLimit[],
  ): { readonly ok: true; readonly id: ReservationId } | ({ readonly ok: false } & LimitRefusal) {
    const at = Math.max(now, this.stored.at(-1)?.at ?? now);
    const refusal = checkLimits(this.stored, at, limits, amount, (when, windowMs) => this.used(when, windowMs));
    if (refusal !== undefined) {
      // The wait was measured from `at`; the caller measures from its own `now`.
      const retryAfterMs = refusal.retryAfterMs === null ? null : refusal.retryAfterMs + (at - now);
      return { ok: false, ...refusal, retryAfterMs };
    }
    const id = this.nextId++;
    this.stored.push({ id, at, amount, committed: false, total: (this.stored.at(-1)?.total ?? 0) + amount });
    return { ok: true, id };
  }

  /** Keeps a reservation: the call went through. False when the id is unknown (released or pruned). */
  commit(id: ReservationId): boolean {
    const event = this.stored[this.indexOf(id)];
    if (event === undefined) return false;
    event.committed = true;
    return true;
  }

  /** Gives a reservation's quota back: the call never ran. False when the id is unknown or already committed. */
  release(id: ReservationId): boolean {
    const index = this.indexOf(id);
    const event = this.stored[index];
    if (event === undefined || event.committed) return false;
    this.stored.splice(index, 1);
    // Calls end soon after they start, so few events follow a released one.
    for (let i = index; i < this.stored.length; i++) this.stored[i]!.total -= event.amount;
    return true;
  }

  /** Adds an event that was committed before (read back from a persistent store), keeping time order. */
  restore(at: number, amount: number): void {
    const id = this.nextId++;
    let index = this.stored.length;
    while (index > 0 && (this.stored[index - 1]?.at ?? 0) > at) index--;
    const total = (this.stored[index - 1]?.total ?? 0) + amount;
    this.stored.splice(index, 0, { id, at, amount, committed: true, total });
    for (let i = index + 1; i < this.stored.length; i++) this.stored[i]!.total += amount;
  }

  /** The time and amount of a reservation, if it is still held. */
  find(id: ReservationId): WindowEvent | undefined {
    return this.stored[this.indexOf(id)];
  }

  /**
   * Where a reservation is, or -1. Reservations are made at the newest end and a call ends soon after it starts,
   * so the search runs from there: from the oldest end it crossed every event kept (a day of them, for long
   * windows), and the pipeline slowed down the longer the gateway ran.
   */
  private indexOf(id: ReservationId): number {
    for (let index = this.stored.length - 1; index >= 0; index--) if (this.stored[index]!.id === id) return index;
    return -1;
  }

  /** Forgets events that no window up to `keepMs` long can count at `now` or later. */
  prune(now: number, keepMs: number): void {
    const start = now - keepMs;
    let drop = 0;
    while (drop < this.stored.length && (this.stored[drop]?.at ?? Infinity) <= start) drop++;
    if (drop === 0) return;
    const dropped = this.stored[drop - 1]!.total;
    this.stored.splice(0, drop);
    // Totals count from the oldest event kept: they stay as small as the longest window's sum, so fractional
    // amounts (spend caps) do not lose precision to a total that grew for as long as the gateway ran.
    for (const event of this.stored) event.total -= dropped;
  }

  /** True when the counter holds no events, so a store can forget the key. */
  get isEmpty(): boolean {
    return this.stored.length === 0;
  }
}

/** The reservations a call holds, to commit or release together. */
export type Hold = readonly { readonly counterKey: string; readonly id: ReservationId }[];

/** A refused reservation: the limit (rule) that refused it, and when all of them would allow it. */
export interface HoldRefusal {
  readonly ok: false;
  readonly counterKey: string;
  readonly rule: string;
  readonly retryAfterMs: number | null;
}

/**
 * An in-memory counter store: SlidingWindowCounters by key, a CounterView for decide(), and all-or-nothing
 * reservation of a decision's charges. Synchronous, so a check and its reservation cannot interleave with
 * another call's.
 */
export class SlidingWindowCounters implements CounterView {
  private readonly counters = new Map<string, SlidingWindowCounter>();

  events(counterKey: string): readonly WindowEvent[] {
    return this.counters.get(counterKey)?.events() ?? NO_EVENTS;
  }

  used(counterKey: string, now: number, windowMs: number): number {
    return this.counters.get(counterKey)?.used(now, windowMs) ?? 0;
  }

  /**
   * Reserves every charge, or none of them. decide() already checked the limits against this state, but
   * the gateway may have awaited since, so they are checked again here.
   */
  reserve(reservations: readonly Reservation[], now: number): { readonly ok: true; readonly hold: Hold } | HoldRefusal {
    const hold: { counterKey: string; id: ReservationId }[] = [];
    for (const reservation of reservations) {
      const counter = this.counterFor(reservation.counterKey);
      const result = counter.reserve(reservation.amount, now, reservation.limits);
      if (!result.ok) {
        this.release(hold);
        return {
          ok: false,
          counterKey: reservation.counterKey,
          rule: reservation.limits[result.limitIndex]?.rule ?? '',
          retryAfterMs: result.retryAfterMs,
        };
      }
      hold.push({ counterKey: reservation.counterKey, id: result.id });
    }
    return { ok: true, hold };
  }

  /** The call succeeded: its reservations stay counted. */
  commit(hold: Hold): void {
    for (const { counterKey, id } of hold) this.counters.get(counterKey)?.commit(id);
  }

  /** The call never ran: its reservations are given back. */
  release(hold: Hold): void {
    for (const { counterKey, id } of hold) this.counters.get(counterKey)?.release(id);
  }

  /** Adds a previously committed event to a key (a persistent store reloading its counters). */
  restore(counterKey: string, at: number, amount: number): void {
    this.counterFor(counterKey).restore(at, amount);
  }

  /** The events a hold reserved, with their keys: what a persistent store writes when the hold is committed. */
  held(hold: Hold): { readonly counterKey: string; readonly at: number; readonly amount: number }[] {
    const events: { counterKey: string; at: number; amount: number }[] = [];
    for (const { counterKey, id } of hold) {
      const event = this.counters.get(counterKey)?.find(id);
      if (event) events.push({ counterKey, at: event.at, amount: event.amount });
    }
    return events;
  }

  /** Forgets events older than `keepMs` (the policy's longest window) and keys left empty. */
  prune(now: number, keepMs: number): void {
    for (const [key, counter] of this.counters) {
      counter.prune(now, keepMs);
      if (counter.isEmpty) this.counters.delete(key);
    }
  }

  private counterFor(counterKey: string): SlidingWindowCounter {
    let counter = this.counters.get(counterKey);
    if (counter === undefined) this.counters.set(counterKey, (counter = new SlidingWindowCounter()));
    return counter;
  }
}
