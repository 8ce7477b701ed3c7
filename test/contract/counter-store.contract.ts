import { describe, expect, it } from 'vitest';
import type { CounterStore } from '../../src/pipeline/counter-store.js';
import type { Reservation } from '../../src/policy/sliding-window.js';

/** A store to test, on fresh, empty storage, and a way to open another on the same storage, as a restart does. */
export interface CounterStoreUnderTest {
  readonly store: CounterStore;
  reopen(): Promise<CounterStore> | CounterStore;
}

/** One charge of `amount` on `counterKey`, under at most `max` in any `windowMs`. */
function charge(counterKey: string, max: number, amount = 1, windowMs = 60_000): Reservation {
  return { counterKey, amount, limits: [{ rule: `/tools/${counterKey}/limits/0`, windowMs, max }] };
}

function holdOf(result: ReturnType<CounterStore['reserve']>) {
  if (!result.ok) throw new Error(`refused by ${result.rule}`);
  return result.hold;
}

/**
 * The behaviour every CounterStore must have, whatever it stores counters in. Each implementation's test calls
 * this with a factory that returns a fresh, empty store and a way to reopen its storage.
 */
export function runCounterStoreContract(
  name: string,
  make: () => Promise<CounterStoreUnderTest> | CounterStoreUnderTest,
): void {
  describe(`CounterStore contract: ${name}`, () => {
    it('counts a reservation from the moment it is made, keeps it on commit and gives it back on release', async () => {
      const { store } = await make();
      const first = holdOf(store.reserve([charge('adds', 2)], 1000));
      const second = holdOf(store.reserve([charge('adds', 2)], 1001));
      expect(store.reserve([charge('adds', 2)], 1002)).toMatchObject({ ok: false, rule: '/tools/adds/limits/0' });
      store.release(second);
      store.commit(first);
      const third = holdOf(store.reserve([charge('adds', 2)], 1003));
      store.commit(third);
      expect(store.events('adds')).toEqual([
        expect.objectContaining({ at: 1000, amount: 1 }),
        expect.objectContaining({ at: 1003, amount: 1 }),
      ]);
      expect(store.reserve([charge('adds', 2)], 1004)).toMatchObject({ ok: false });
    });

    it('reserves all of a call’s charges or none of them', async () => {
      const { store } = await make();
      store.commit(holdOf(store.reserve([charge('spend', 5, 5)], 1000)));
      expect(store.reserve([charge('calls', 10), charge('spend', 5, 1)], 1001)).toMatchObject({
        ok: false,
        counterKey: 'spend',
      });
      expect(store.events('calls')).toEqual([]);
    });

    it('keeps committed events across a restart, and neither released nor unfinished ones', async () => {
      const { store, reopen } = await make();
      store.commit(holdOf(store.reserve([charge('adds', 10), charge('spend', 100, 7)], 1000)));
      store.release(holdOf(store.reserve([charge('adds', 10)], 1001)));
      holdOf(store.reserve([charge('adds', 10)], 1002));
      store.commit(holdOf(store.reserve([charge('adds', 10)], 1003)));
      await store.flush();
      const restarted = await reopen();
      expect(restarted.events('adds')).toEqual([
        expect.objectContaining({ at: 1000, amount: 1 }),
        expect.objectContaining({ at: 1003, amount: 1 }),
      ]);
      expect(restarted.events('spend')).toEqual([expect.objectContaining({ at: 1000, amount: 7 })]);
      await restarted.close();
    });

    it('stores every committed event on close, and stays closed', async () => {
      const { store, reopen } = await make();
      store.commit(holdOf(store.reserve([charge('adds', 10)], 1000)));
      await store.close();
      await store.close();
      const restarted = await reopen();
      expect(restarted.events('adds')).toEqual([expect.objectContaining({ at: 1000 })]);
      await restarted.close();
    });

    it('prunes what no window can count any more, in memory and in storage', async () => {
      const { store, reopen } = await make();
      store.commit(holdOf(store.reserve([charge('adds', 10)], 1000)));
      await store.flush();
      store.commit(holdOf(store.reserve([charge('adds', 10)], 2000)));
      store.commit(holdOf(store.reserve([charge('adds', 10)], 5000)));
      store.prune(6000, 3500);
      expect(store.events('adds')).toEqual([expect.objectContaining({ at: 5000 })]);
      await store.close();
      const restarted = await reopen();
      expect(restarted.events('adds')).toEqual([expect.objectContaining({ at: 5000 })]);
      await restarted.close();
    });
  });
}
