import { describe, expect, it } from 'vitest';
import {
  checkLimits,
  retryAfterMs,
  SlidingWindowCounter,
  usedIn,
  type ReservationId,
  type WindowEvent,
  type WindowLimit,
} from './sliding-window.js';

/** mulberry32: a small seeded generator, so every failure is reproducible from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)] as T;
}

/** The definition, spelled out naively: the amounts of events with `now - windowMs < at <= now`... and any later. */
function naiveUsed(events: readonly WindowEvent[], now: number, windowMs: number): number {
  return events.filter((event) => event.at > now - windowMs).reduce((sum, event) => sum + event.amount, 0);
}

/**
 * The invariant, checked over every interval one window long: an interval holding the most can be slid to
 * start at one of its events, so checking the intervals that start at each event covers them all.
 */
function worstInterval(events: readonly WindowEvent[], windowMs: number): number {
  if (!events.every((event, i) => i === 0 || (events[i - 1] as WindowEvent).at <= event.at)) {
    throw new Error('events out of order');
  }
  let worst = 0;
  let end = 0;
  let sum = 0;
  // Two pointers over the sorted events: [start.at, start.at + windowMs) holds events start..end-1.
  for (let start = 0; start < events.length; start++) {
    const from = (events[start] as WindowEvent).at;
    while (end < events.length && (events[end] as WindowEvent).at < from + windowMs)
      sum += (events[end++] as WindowEvent).amount;
    worst = Math.max(worst, sum);
    sum -= (events[start] as WindowEvent).amount;
  }
  return worst;
}

const MINUTE = 60_000;

describe('usedIn and retryAfterMs', () => {
  const events: WindowEvent[] = [
    { at: 0, amount: 1 },
    { at: 0, amount: 1 },
    { at: 10_000, amount: 3 },
    { at: 59_999, amount: 1 },
  ];

  it('counts events with at > now - window: an event stops counting exactly one window after it', () => {
    expect(usedIn(events, 0, MINUTE)).toBe(6); // events after now count too (a clock stepped back)
    expect(usedIn(events, 59_999, MINUTE)).toBe(6);
    expect(usedIn(events, 60_000, MINUTE)).toBe(4);
    expect(usedIn(events, 70_000, MINUTE)).toBe(1);
    expect(usedIn(events, 119_998, MINUTE)).toBe(1);
    expect(usedIn(events, 119_999, MINUTE)).toBe(0);
    expect(usedIn([], 5, MINUTE)).toBe(0);
  });

  it('says when enough of the oldest events have left for the amount to fit', () => {
    const limit = { windowMs: MINUTE, max: 6 };
    expect(retryAfterMs(events, 59_999, limit, 0)).toBe(0);
    expect(retryAfterMs(events, 59_999, limit, 1)).toBe(1); // both events at 0 leave at 60 000
    expect(retryAfterMs(events, 59_999, limit, 2)).toBe(1);
    expect(retryAfterMs(events, 59_999, limit, 3)).toBe(10_001); // the 3 at 10 000 must leave too
    expect(retryAfterMs(events, 59_999, limit, 6)).toBe(60_000);
    expect(retryAfterMs(events, 59_999, limit, 7)).toBeNull();
  });

  it('checkLimits reports the first broken limit and a retry that satisfies all of them', () => {
    const limits: WindowLimit[] = [
      { windowMs: 1000, max: 100 },
      { windowMs: MINUTE, max: 6 },
      { windowMs: 30_000, max: 3 },
    ];
    expect(checkLimits(events, 59_999, limits, 1)).toEqual({ limitIndex: 1, used: 6, retryAfterMs: 1 });
    expect(checkLimits(events, 20_000, limits, 1)).toEqual({ limitIndex: 1, used: 6, retryAfterMs: 40_000 });
    expect(checkLimits(events, 59_999, [{ windowMs: MINUTE, max: 100 }], 1)).toBeUndefined();
  });
});

describe('SlidingWindowCounter', () => {
  const perMinute = [{ windowMs: MINUTE, max: 3 }];

  it('reserves until the window is full, and again once the oldest event has left', () => {
    const counter = new SlidingWindowCounter();
    for (let i = 0; i < 3; i++) expect(counter.reserve(1, 1000, perMinute).ok).toBe(true);
    expect(counter.reserve(1, 30_000, perMinute)).toEqual({ ok: false, limitIndex: 0, used: 3, retryAfterMs: 31_000 });
    expect(counter.reserve(1, 60_999, perMinute).ok).toBe(false);
    expect(counter.reserve(1, 61_000, perMinute).ok).toBe(true);
  });

  it('release gives the quota back at once; commit keeps it', () => {
    const counter = new SlidingWindowCounter();
    const ids: ReservationId[] = [];
    for (let i = 0; i < 3; i++) {
      const result = counter.reserve(1, 0, perMinute);
      if (result.ok) ids.push(result.id);
    }
    expect(counter.reserve(1, 0, perMinute).ok).toBe(false);
    expect(counter.commit(ids[0] as number)).toBe(true);
    expect(counter.commit(ids[0] as number)).toBe(false);
    expect(counter.release(ids[0] as number)).toBe(false);
    expect(counter.reserve(1, 0, perMinute).ok).toBe(false);
    expect(counter.release(ids[1] as number)).toBe(true);
    expect(counter.release(ids[1] as number)).toBe(false);
    expect(counter.reserve(1, 0, perMinute).ok).toBe(true);
    expect(counter.commit(999)).toBe(false);
  });

  it('never goes back in time: a stepped-back clock records at the newest time, and stays within the limit', () => {
    const counter = new SlidingWindowCounter();
    expect(counter.reserve(1, 100_000, perMinute).ok).toBe(true);
    expect(counter.reserve(1, 50_000, perMinute).ok).toBe(true);
    expect(counter.events().map((event) => event.at)).toEqual([100_000, 100_000]);
    expect(counter.reserve(2, 50_000, perMinute)).toEqual({ ok: false, limitIndex: 0, used: 2, retryAfterMs: 110_000 });
  });

  it('prune forgets only what no window of keepMs can count', () => {
    const counter = new SlidingWindowCounter();
    counter.reserve(1, 0, perMinute);
    counter.reserve(1, 30_000, perMinute);
    counter.prune(60_000, MINUTE);
    expect(counter.events().map((event) => event.at)).toEqual([30_000]);
    counter.prune(90_000, MINUTE);
    expect(counter.isEmpty).toBe(true);
  });

  it('refuses outright an amount larger than the limit', () => {
    expect(new SlidingWindowCounter().reserve(4, 0, perMinute)).toEqual({
      ok: false,
      limitIndex: 0,
      used: 0,
      retryAfterMs: null,
    });
  });
});

describe('SlidingWindowCounter: properties over random sequences', () => {
  const SEEDS = 200;

  it('in every interval one window long, accepted amounts never exceed max; each answer matches the definition', () => {
    const seen = { accepted: 0, refused: 0, retried: 0, released: 0 };
    for (let seed = 1; seed <= SEEDS; seed++) {
      const next = random(seed);
      const windowMs = pick(next, [1, 7, 1000, MINUTE]);
      const max = 1 + Math.floor(next() * 12);
      // Sometimes a second, longer limit on the same counter, as a per-minute and a per-hour limit share one.
      const limits: WindowLimit[] = [{ windowMs, max }];
      if (next() < 0.4) limits.push({ windowMs: windowMs * 3, max: max + Math.floor(next() * 2 * max) });
      const counter = new SlidingWindowCounter();
      const pending: ReservationId[] = [];
      let now = Math.floor(next() * 1_000_000);

      for (let step = 0; step < 300; step++) {
        // Many calls at one instant, calls exactly one window apart, and calls just inside a window.
        now += pick(next, [0, 0, 0, windowMs, windowMs - 1, 1, Math.floor(next() * 2 * windowMs)]);
        if (next() < 0.03) now -= Math.floor(next() * windowMs); // a clock stepped back
        const amount = next() < 0.6 ? 1 : Math.floor(next() * (max + 2));
        const before = [...counter.events()];
        const at = Math.max(now, before.at(-1)?.at ?? now);
        const fits = limits.every((limit) => naiveUsed(before, at, limit.windowMs) + amount <= limit.max);
        const result = counter.reserve(amount, now, limits);
        if (result.ok !== fits)
          expect.fail(`seed ${seed} step ${step}: reserve said ${result.ok}, the definition ${fits}`);
        seen[result.ok ? 'accepted' : 'refused']++;
        if (result.ok) {
          pending.push(result.id);
        } else if (result.retryAfterMs !== null) {
          seen.retried++;
          // Exact: at the retry time the same call fits, one millisecond earlier it does not.
          const retryAt = now + result.retryAfterMs;
          expect(checkLimits(before, retryAt, limits, amount), `seed ${seed} step ${step}`).toBeUndefined();
          expect(checkLimits(before, retryAt - 1, limits, amount), `seed ${seed} step ${step}`).toBeDefined();
        } else {
          expect(limits.some((limit) => amount > limit.max)).toBe(true);
        }
        // Finish some calls in flight: most succeed, some fail and give their quota back.
        while (pending.length > 0 && next() < 0.5) {
          const id = pending.splice(Math.floor(next() * pending.length), 1)[0] as ReservationId;
          if (next() < 0.7) expect(counter.commit(id)).toBe(true);
          else {
            expect(counter.release(id)).toBe(true);
            seen.released++;
          }
        }
        for (const limit of limits) {
          const worst = worstInterval(counter.events(), limit.windowMs);
          // A plain check: expect() on each of 60 000 steps would be most of the test's time.
          if (worst > limit.max) expect.fail(`seed ${seed} step ${step}: ${worst} in one window, max ${limit.max}`);
        }
      }
    }
    // The sequences do reach the limits, often: the invariant is not checked on counters that never fill.
    expect(seen.refused).toBeGreaterThan(seen.accepted / 4);
    expect(seen.retried).toBeGreaterThan(1000);
    expect(seen.released).toBeGreaterThan(1000);
  });

  it('a released reservation gives back exactly its amount, at once', () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const next = random(seed * 7919);
      const windowMs = pick(next, [10, 1000, MINUTE]);
      const max = 2 + Math.floor(next() * 20);
      const limits = [{ windowMs, max }];
      const counter = new SlidingWindowCounter();
      let now = 0;
      const held: Array<{ id: ReservationId; amount: number }> = [];
      // Fill the window, at few distinct instants, all within one window.
      for (let step = 0; step < 50; step++) {
        now += next() < 0.7 ? 0 : Math.floor(next() * (windowMs / 100));
        const amount = 1 + Math.floor(next() * 3);
        const result = counter.reserve(amount, now, limits);
        if (result.ok) held.push({ id: result.id, amount });
      }
      const used = usedIn(counter.events(), now, windowMs);
      const released = held[Math.floor(next() * held.length)];
      if (released === undefined) continue;
      expect(counter.release(released.id)).toBe(true);
      expect(usedIn(counter.events(), now, windowMs)).toBe(used - released.amount);
      // The freed quota is usable immediately, by exactly the amount freed.
      const room = max - (used - released.amount);
      expect(counter.reserve(room, now, limits).ok, `seed ${seed}`).toBe(true);
      expect(counter.reserve(1, now, limits).ok, `seed ${seed}`).toBe(false);
    }
  });
});

describe('SlidingWindowCounter.used: running totals', () => {
  it('answers what summing the window answers, through reserves, commits, releases, restores and prunes', () => {
    let checks = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const next = random(seed * 104_729);
      // Whole amounts must match exactly; fractional ones (spend caps) within rounding.
      const fractional = seed % 4 === 0;
      const counter = new SlidingWindowCounter();
      const pending: ReservationId[] = [];
      let now = Math.floor(next() * 1_000_000);
      for (let step = 0; step < 200; step++) {
        now += pick(next, [0, 0, 1, 10, 500, Math.floor(next() * MINUTE)]);
        const amount = fractional ? Math.round(next() * 1000) / 100 : 1 + Math.floor(next() * 3);
        const roll = next();
        if (roll < 0.5) {
          const result = counter.reserve(amount, now, [{ windowMs: MINUTE, max: 1e9 }]);
          if (result.ok) pending.push(result.id);
        } else if (roll < 0.75 && pending.length > 0) {
          const id = pending.splice(Math.floor(next() * pending.length), 1)[0] as ReservationId;
          // Pruning may have dropped it already: then both are refused, and nothing changes.
          if (next() < 0.5) counter.commit(id);
          else counter.release(id);
        } else if (roll < 0.9) {
          counter.restore(now - Math.floor(next() * MINUTE), amount);
        } else {
          counter.prune(now, pick(next, [1000, MINUTE, 2 * MINUTE]));
        }
        for (const windowMs of [1, 1000, MINUTE, 3 * MINUTE]) {
          const at = now - pick(next, [0, 0, 700, MINUTE]);
          const expected = naiveUsed(counter.events(), at, windowMs);
          const used = counter.used(at, windowMs);
          if (fractional ? Math.abs(used - expected) > 1e-9 : used !== expected) {
            expect.fail(`seed ${seed} step ${step}: used ${used}, the window sums to ${expected}`);
          }
          checks++;
        }
      }
    }
    expect(checks).toBe(100 * 200 * 4);
  });
});
