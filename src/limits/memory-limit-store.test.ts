import { describe, expect, it } from 'vitest';
import { chargeOf, runLimitStoreContract } from '../../test/contract/limit-store.contract.js';
import { MemoryLimitStore } from './memory-limit-store.js';

runLimitStoreContract('memory', () => ({ store: new MemoryLimitStore() }));

describe('MemoryLimitStore', () => {
  it('reads a counter it has not seen from `load`, once, and tells `committed` what each commit newly keeps', async () => {
    const loaded: string[] = [];
    const committed: string[] = [];
    const store = new MemoryLimitStore({
      load: (counterKey) => {
        loaded.push(counterKey);
        return counterKey === 'old' ? [{ at: 1000, amount: 2 }] : [];
      },
      committed: (charges) => committed.push(...charges.map((c) => `${c.counterKey}@${c.at}+${c.amount}`)),
    });
    expect(await store.usage('old', 60_000, 1500)).toBe(2);
    expect(await store.take([chargeOf('old', 2)], 1500)).toMatchObject({
      ok: false,
      refusal: { retryAfterMs: 59_500 },
    });
    const taken = await store.take([chargeOf('new', 5, 3), chargeOf('old', 5)], 2000);
    if (!taken.ok) throw new Error('refused');
    await store.commit(taken.reservation);
    await store.commit(taken.reservation);
    expect(loaded).toEqual(['old', 'new']);
    expect(committed).toEqual(['new@2000+3', 'old@2000+1']);
  });

  it('forgets counters left empty by pruning, and reads them again when next asked', async () => {
    let loads = 0;
    const store = new MemoryLimitStore({ load: () => (loads++, []) });
    const taken = await store.take([chargeOf('k', 5)], 0);
    if (!taken.ok) throw new Error('refused');
    await store.commit(taken.reservation);
    await store.prune(30_000, 60_000);
    expect(await store.usage('k', 60_000, 30_000)).toBe(1);
    await store.prune(60_000, 60_000);
    expect(await store.usage('k', 60_000, 60_000)).toBe(0);
    expect(loads).toBe(2);
  });
});
