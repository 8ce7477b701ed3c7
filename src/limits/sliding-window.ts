/**
 * Exact sliding-window counting: what every limit store computes, and the in-memory stores keep.
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

/** Why an amount does not fit: the first limit it would break, and when all the limits would allow it. */
export interface WindowRefusal {
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
): WindowRefusal | undefined {
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
 * The events of one counter key, in memory: what the in-memory stores keep per key. A reservation counts from
 * the moment it is made, so calls in flight count; commit keeps it, release gives its quota back.
 *
 * Each event carries a running total, so the amount used in a window is the difference of two totals, found by
 * a binary search on time, rather than a walk over every event of the window on every call.
 */
export class SlidingWindowCounter {
  readonly #stored: StoredEvent[] = [];
  #nextId: ReservationId = 1;

  /** Reserved and committed events, oldest first. The array is live: read it before changing the counter. */
  events(): readonly WindowEvent[] {
    return this.#stored;
  }

  /** What `usedIn(this.events(), now, windowMs)` returns, in O(log n). */
  used(now: number, windowMs: number): number {
    const stored = this.#stored;
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
   * The time a use at `now` is counted at: `now`, or the newest event's time when the clock has stepped back
   * (events stay in time order, and a counter only ever gets stricter).
   */
  timeOf(now: number): number {
    const newest = this.#stored.at(-1)?.at;
    return newest === undefined || newest < now ? now : newest;
  }

  /**
   * Reserves `amount` at `now` if every limit allows it.
   * @returns the reservation's id, or why not and when to retry (measured from `now`).
   */
  reserve(
    amount: number,
    now: number,
    limits: readonly WindowLimit[],
  ): { readonly ok: true; readonly id: ReservationId } | ({ readonly ok: false } & WindowRefusal) {
    const at = this.timeOf(now);
    const refusal = checkLimits(this.#stored, at, limits, amount, (when, windowMs) => this.used(when, windowMs));
    if (refusal !== undefined) {
      // The wait was measured from `at`; the caller measures from its own `now`.
      const retryAfterMs = refusal.retryAfterMs === null ? null : refusal.retryAfterMs + (at - now);
      return { ok: false, ...refusal, retryAfterMs };
    }
    return { ok: true, id: this.add(amount, now).id };
  }

  /** Reserves `amount` at `now` whatever the limits: for a caller that has just checked them. */
  add(amount: number, now: number): { readonly id: ReservationId; readonly at: number } {
    const at = this.timeOf(now);
    const id = this.#nextId++;
    this.#stored.push({ id, at, amount, committed: false, total: (this.#stored.at(-1)?.total ?? 0) + amount });
    return { id, at };
  }

  /** Keeps a reservation: the call went through. False when the id is unknown (released or pruned) or already kept. */
  commit(id: ReservationId): boolean {
    const event = this.#stored[this.#indexOf(id)];
    if (event === undefined || event.committed) return false;
    event.committed = true;
    return true;
  }

  /** Gives a reservation's quota back: the call never ran. False when the id is unknown or already committed. */
  release(id: ReservationId): boolean {
    const index = this.#indexOf(id);
    const event = this.#stored[index];
    if (event === undefined || event.committed) return false;
    this.#stored.splice(index, 1);
    // Calls end soon after they start, so few events follow a released one.
    for (let i = index; i < this.#stored.length; i++) this.#stored[i]!.total -= event.amount;
    return true;
  }

  /** Adds an event that was committed before (read back from a persistent store), keeping time order. */
  restore(at: number, amount: number): void {
    const id = this.#nextId++;
    let index = this.#stored.length;
    while (index > 0 && (this.#stored[index - 1]?.at ?? 0) > at) index--;
    const total = (this.#stored[index - 1]?.total ?? 0) + amount;
    this.#stored.splice(index, 0, { id, at, amount, committed: true, total });
    for (let i = index + 1; i < this.#stored.length; i++) this.#stored[i]!.total += amount;
  }

  /**
   * Where a reservation is, or -1. Reservations are made at the newest end and a call ends soon after it starts,
   * so the search runs from there, not across every event kept (a day of them, for long windows).
   */
  #indexOf(id: ReservationId): number {
    for (let index = this.#stored.length - 1; index >= 0; index--) if (this.#stored[index]!.id === id) return index;
    return -1;
  }

  /** Forgets events that no window up to `keepMs` long can count at `now` or later. */
  prune(now: number, keepMs: number): void {
    const start = now - keepMs;
    let drop = 0;
    while (drop < this.#stored.length && (this.#stored[drop]?.at ?? Infinity) <= start) drop++;
    if (drop === 0) return;
    const dropped = this.#stored[drop - 1]!.total;
    this.#stored.splice(0, drop);
    // Totals count from the oldest event kept: they stay as small as the longest window's sum, so fractional
    // amounts (spend caps) do not lose precision to a total that grew for as long as the gateway ran.
    for (const event of this.#stored) event.total -= dropped;
  }

  /** True when the counter holds no events, so a store can forget the key. */
  get isEmpty(): boolean {
    return this.#stored.length === 0;
  }
}
