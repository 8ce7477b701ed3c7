import { describe, expect, it } from 'vitest';
import type { Charge, ChargedLimit } from '../../src/limits/charge.js';
import type { LimitStore, Reservation, Taken } from '../../src/limits/limit-store.js';

/**
 * A store to test, on fresh, empty storage. A store whose counters survive a restart also gives `reopen`: another
 * store on the same storage, as a restart opens it (after the first store was closed, or crashed).
 */
export interface LimitStoreUnderTest {
  readonly store: LimitStore;
  readonly reopen?: () => Promise<LimitStore> | LimitStore;
}

const MINUTE = 60_000;
const T0 = 1_000_000;

/** A limit of at most `max` in any `windowMs`, worded as Toolgate words a call limit. */
function limitOf(max: number, more: Partial<ChargedLimit> = {}): ChargedLimit {
  const windowMs = more.windowMs ?? MINUTE;
  return {
    rule: `/limit/${max}/${windowMs}`,
    windowMs,
    max,
    rank: 0,
    onDeny: null,
    reached: 'Rate limit',
    terms: `at most ${max} calls per ${windowMs} ms`,
    ...more,
  };
}

/** One charge of `amount` on `counterKey`, under at most `max` in any minute (or the limits given). */
export function chargeOf(counterKey: string, max: number | readonly ChargedLimit[], amount = 1): Charge {
  const limits = typeof max === 'number' ? [limitOf(max, { rule: `/tools/${counterKey}/limits/0` })] : max;
  return { counterKey, amount, limits, subject: '"t" on server "s"' };
}

function reservationOf(taken: Taken): Reservation {
  if (!taken.ok) throw new Error(`refused by ${taken.refusal.rule}`);
  return taken.reservation;
}

/**
 * The behaviour every LimitStore must have, whatever it keeps counters in. Each implementation's test calls this
 * with a factory that returns a fresh store on fresh, empty storage. Everything is awaited, and nothing assumes
 * that a store answers before its promise settles: a store that talks to a server fits.
 */
export function runLimitStoreContract(
  name: string,
  make: () => Promise<LimitStoreUnderTest> | LimitStoreUnderTest,
): void {
  describe(`LimitStore contract: ${name}`, () => {
    it('counts a reservation from the moment it is taken, keeps it on commit and gives it back on release', async () => {
      const { store } = await make();
      const first = reservationOf(await store.take([chargeOf('adds', 2)], T0));
      const second = reservationOf(await store.take([chargeOf('adds', 2)], T0 + 1));
      expect(await store.usage('adds', MINUTE, T0 + 1)).toBe(2);
      expect(await store.take([chargeOf('adds', 2)], T0 + 2)).toMatchObject({
        ok: false,
        refusal: { rule: '/tools/adds/limits/0', counterKey: 'adds' },
      });
      await store.release(second);
      await store.commit(first);
      expect(await store.usage('adds', MINUTE, T0 + 2)).toBe(1);
      await store.commit(reservationOf(await store.take([chargeOf('adds', 2)], T0 + 3)));
      // Counted when taken: the one at T0 leaves the window first, the one at T0 + 3 three milliseconds later.
      expect(await store.usage('adds', MINUTE, T0 + MINUTE - 1)).toBe(2);
      expect(await store.usage('adds', MINUTE, T0 + MINUTE)).toBe(1);
      expect(await store.usage('adds', MINUTE, T0 + MINUTE + 2)).toBe(1);
      expect(await store.usage('adds', MINUTE, T0 + MINUTE + 3)).toBe(0);
      expect(await store.take([chargeOf('adds', 2)], T0 + 4)).toMatchObject({ ok: false });
    });

    it('an event stops counting exactly one window after it was taken', async () => {
      const { store } = await make();
      await store.commit(reservationOf(await store.take([chargeOf('c', 1)], T0)));
      expect(await store.usage('c', MINUTE, T0 + MINUTE - 1)).toBe(1);
      expect(await store.usage('c', MINUTE, T0 + MINUTE)).toBe(0);
      expect((await store.take([chargeOf('c', 1)], T0 + MINUTE - 1)).ok).toBe(false);
      expect((await store.take([chargeOf('c', 1)], T0 + MINUTE)).ok).toBe(true);
    });

    it('takes all of a call’s charges or none of them', async () => {
      const { store } = await make();
      await store.commit(reservationOf(await store.take([chargeOf('spend', 5, 5)], T0)));
      expect(await store.take([chargeOf('calls', 10), chargeOf('spend', 5, 1)], T0 + 1)).toMatchObject({
        ok: false,
        refusal: { counterKey: 'spend' },
      });
      expect(await store.usage('calls', MINUTE, T0 + 1)).toBe(0);
    });

    it('refuses with the limit’s rule and counter, when to retry, and the message the agent reads', async () => {
      const { store } = await make();
      // One call a second from T0: the 60th is at T0 + 59 s; the 61st, half a second later, fits 500 ms on.
      for (let i = 0; i < 60; i++) {
        await store.commit(reservationOf(await store.take([chargeOf('rate', 60)], T0 + i * 1000)));
      }
      const limit = limitOf(60, {
        rule: '/tools/mqtt_disconnect/limits/0',
        terms: 'at most 60 calls per minute per grant (counter "rate")',
      });
      expect(
        await store.take(
          [{ ...chargeOf('rate', [limit]), subject: '"mqtt_disconnect" on server "bambu"' }],
          T0 + 59_500,
        ),
      ).toEqual({
        ok: false,
        refusal: {
          rule: '/tools/mqtt_disconnect/limits/0',
          counterKey: 'rate',
          retryAfterMs: 500,
          message:
            'Rate limit reached for tool "mqtt_disconnect" on server "bambu": at most 60 calls per minute per grant (counter "rate"). Retry in 1 s.',
        },
      });
    });

    it('a limit’s own words replace Toolgate’s; a call larger than a limit can never fit', async () => {
      const { store } = await make();
      const spend = limitOf(1000, {
        rule: '/spend',
        windowMs: 86_400_000,
        reached: 'Limit',
        terms: 'at most 1000 of args.amount per day',
      });
      const never = await store.take([chargeOf('spend', [spend], 1001)], T0);
      expect(never).toMatchObject({ ok: false, refusal: { rule: '/spend', retryAfterMs: null } });
      expect(!never.ok && never.refusal.message).toBe(
        'Limit reached for tool "t" on server "s": at most 1000 of args.amount per day. This call alone is more than the limit allows, so it cannot succeed.',
      );
      const paused = limitOf(0, { rule: '/paused', onDeny: 'Paused for now.' });
      expect(await store.peek([chargeOf('p', [paused])], T0)).toMatchObject({
        message: 'Paused for now. This call alone is more than the limit allows, so it cannot succeed.',
      });
      await store.commit(reservationOf(await store.take([chargeOf('spend', [spend], 600)], T0)));
      await store.commit(reservationOf(await store.take([chargeOf('spend', [spend], 400)], T0 + 3_600_000)));
      expect((await store.take([chargeOf('spend', [spend], 0)], T0 + 7_200_000)).ok).toBe(true);
      expect(await store.take([chargeOf('spend', [spend], 1)], T0 + 7_200_000)).toMatchObject({
        ok: false,
        refusal: { retryAfterMs: 86_400_000 - 7_200_000 },
      });
    });

    it('names the broken limit of lowest rank, and waits until every limit of every charge allows the call', async () => {
      const { store } = await make();
      const perMinute = limitOf(2, { rule: '/tools/t/limits/0', rank: 0 });
      const perHour = limitOf(5, { rule: '/all_tools/limits/0', rank: 1000, windowMs: 3_600_000 });
      const calls = () => [chargeOf('calls', [perMinute, perHour])];
      for (const at of [T0, T0, T0 + MINUTE, T0 + MINUTE, T0 + 2 * MINUTE]) {
        await store.commit(reservationOf(await store.take(calls(), at)));
      }
      // The minute's limit would allow a call at T0 + 3 min, the hour's only once T0's two calls leave it.
      expect(await store.take(calls(), T0 + 3 * MINUTE)).toMatchObject({
        ok: false,
        refusal: { rule: '/all_tools/limits/0', retryAfterMs: 57 * MINUTE },
      });
      // Broken on two counters: the lower rank names the refusal, whatever the order of the charges.
      const x = limitOf(1, { rule: '/all_tools/limits/0', rank: 1000 });
      const y = limitOf(1, { rule: '/tools/t/limits/1', rank: 1, windowMs: 2 * MINUTE });
      await store.commit(reservationOf(await store.take([chargeOf('x', [x]), chargeOf('y', [y])], T0)));
      expect(await store.take([chargeOf('x', [x]), chargeOf('y', [y])], T0 + 30_000)).toMatchObject({
        ok: false,
        refusal: { rule: '/tools/t/limits/1', counterKey: 'y', retryAfterMs: 90_000 },
      });
    });

    it('peek answers what take would, and reserves nothing', async () => {
      const { store } = await make();
      expect(await store.peek([chargeOf('p', 1)], T0)).toBeNull();
      expect(await store.usage('p', MINUTE, T0)).toBe(0);
      await store.commit(reservationOf(await store.take([chargeOf('p', 1)], T0)));
      const peeked = await store.peek([chargeOf('p', 1)], T0 + 1000);
      expect(peeked).toMatchObject({ rule: '/tools/p/limits/0', counterKey: 'p', retryAfterMs: 59_000 });
      expect(await store.take([chargeOf('p', 1)], T0 + 1000)).toEqual({ ok: false, refusal: peeked });
      expect(await store.usage('p', MINUTE, T0 + 1000)).toBe(1);
    });

    it('takes a call that charges nothing, and its reservation commits and releases to no effect', async () => {
      const { store } = await make();
      const taken = reservationOf(await store.take([], T0));
      await store.commit(taken);
      await store.release(taken);
      expect(await store.peek([], T0)).toBeNull();
    });

    it('commits and releases a reservation once: a release after a commit, or a second release, does nothing', async () => {
      const { store } = await make();
      const kept = reservationOf(await store.take([chargeOf('k', 3)], T0));
      await store.commit(kept);
      await store.release(kept);
      await store.commit(kept);
      const given = reservationOf(await store.take([chargeOf('k', 3)], T0));
      await store.release(given);
      await store.release(given);
      await store.commit(given);
      expect(await store.usage('k', MINUTE, T0)).toBe(1);
    });

    it('never counts back in time: a stepped-back clock counts at the newest time, and stays within the limit', async () => {
      const { store } = await make();
      await store.commit(reservationOf(await store.take([chargeOf('s', 2)], T0 + 100_000)));
      await store.commit(reservationOf(await store.take([chargeOf('s', 2)], T0 + 50_000)));
      // Both count until T0 + 160 s: the second was counted at T0 + 100 s.
      expect(await store.usage('s', MINUTE, T0 + 159_999)).toBe(2);
      expect(await store.take([chargeOf('s', 2)], T0 + 50_000)).toMatchObject({
        ok: false,
        refusal: { retryAfterMs: 110_000 },
      });
    });

    it('lets exactly max calls through when many take at once, on one counter and across two', async () => {
      const { store } = await make();
      const results = await Promise.all(Array.from({ length: 50 }, () => store.take([chargeOf('busy', 10)], T0)));
      expect(results.filter((taken) => taken.ok)).toHaveLength(10);
      expect(await store.usage('busy', MINUTE, T0)).toBe(10);
      // Pairs of charges: each counter may take 7, but a call is taken whole or not at all.
      const pairs = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          store.take(i % 2 === 0 ? [chargeOf('a', 7), chargeOf('b', 7)] : [chargeOf('b', 7), chargeOf('a', 7)], T0),
        ),
      );
      expect(pairs.filter((taken) => taken.ok)).toHaveLength(7);
      expect(await store.usage('a', MINUTE, T0)).toBe(7);
      expect(await store.usage('b', MINUTE, T0)).toBe(7);
      // Calls ending while others start: never more than max taken at once, and released quota is taken again.
      let inFlight = 0;
      let most = 0;
      const churn = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          if (i >= 20) await Promise.resolve();
          const taken = await store.take([chargeOf('churn', 5)], T0);
          if (!taken.ok) return false;
          most = Math.max(most, ++inFlight);
          await Promise.resolve();
          inFlight--;
          await store.release(taken.reservation);
          return true;
        }),
      );
      expect(most).toBeLessThanOrEqual(5);
      expect(churn.filter(Boolean).length).toBeGreaterThanOrEqual(5);
      expect(await store.usage('churn', MINUTE, T0)).toBe(0);
    });

    it('prunes what no window up to keepMs can count, and keeps the rest', async () => {
      const { store } = await make();
      for (const at of [1000, 2000, 5000]) {
        await store.commit(reservationOf(await store.take([chargeOf('adds', 10)], at)));
      }
      await store.prune(6000, 3500);
      // Events at or before 6000 - 3500 are gone, even for a window that would still reach them.
      expect(await store.usage('adds', 10_000, 6000)).toBe(1);
    });

    it('keeps committed events across a restart, and neither released nor unfinished ones', async () => {
      const { store, reopen } = await make();
      if (reopen === undefined) return;
      await store.commit(reservationOf(await store.take([chargeOf('adds', 10), chargeOf('spend', 100, 7)], T0)));
      await store.release(reservationOf(await store.take([chargeOf('adds', 10)], T0 + 1)));
      reservationOf(await store.take([chargeOf('adds', 10)], T0 + 2));
      await store.commit(reservationOf(await store.take([chargeOf('adds', 10)], T0 + 3)));
      await store.close();
      await store.close();
      const restarted = await reopen();
      expect(await restarted.usage('adds', MINUTE, T0 + 3)).toBe(2);
      expect(await restarted.usage('adds', MINUTE, T0 + MINUTE)).toBe(1);
      expect(await restarted.usage('adds', MINUTE, T0 + MINUTE + 3)).toBe(0);
      expect(await restarted.usage('spend', MINUTE, T0)).toBe(7);
      expect(await restarted.take([chargeOf('spend', 100, 94)], T0 + 4)).toMatchObject({ ok: false });
      await restarted.close();
    });

    it('prunes storage too: a restart finds only what pruning kept', async () => {
      const { store, reopen } = await make();
      if (reopen === undefined) return;
      await store.commit(reservationOf(await store.take([chargeOf('adds', 10)], 1000)));
      await store.close();
      const second = await reopen();
      await second.commit(reservationOf(await second.take([chargeOf('adds', 10)], 2000)));
      await second.commit(reservationOf(await second.take([chargeOf('adds', 10)], 5000)));
      await second.prune(6000, 3500);
      await second.close();
      const third = await reopen();
      expect(await third.usage('adds', 10_000, 6000)).toBe(1);
      expect(await third.usage('adds', 1000, 5999)).toBe(1);
      await third.close();
    });
  });
}
