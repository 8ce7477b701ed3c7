import { describe, expect, it } from 'vitest';
import type { PolicyVersionStore } from '../../src/policy/policy-version-store.js';

/** The behaviour every PolicyVersionStore must have; `make` gives a fresh, empty one. */
export function runPolicyVersionStoreContract(name: string, make: () => Promise<PolicyVersionStore>): void {
  const saved = (text: string, savedAt: number) => ({ file: '/p/a.json', text, savedBy: 'amir', savedAt, note: null });
  describe(`PolicyVersionStore contract: ${name}`, () => {
    it('numbers versions per file, lists them newest first, and reads any of them', async () => {
      const store = await make();
      expect(await store.add(saved('one', 1), 0)).toBe(1);
      expect(await store.add(saved('two', 2), 1)).toBe(2);
      expect(await store.add({ ...saved('other', 3), file: '/p/b.json' }, 0)).toBe(1);
      expect((await store.latest('/p/a.json'))?.text).toBe('two');
      expect((await store.get('/p/a.json', 1))?.text).toBe('one');
      expect(await store.get('/p/a.json', 3)).toBeUndefined();
      expect(await store.list('/p/a.json')).toEqual([
        { file: '/p/a.json', version: 2, savedBy: 'amir', savedAt: 2, note: null },
        { file: '/p/a.json', version: 1, savedBy: 'amir', savedAt: 1, note: null },
      ]);
      expect(await store.files()).toEqual(['/p/a.json', '/p/b.json']);
    });

    it('refuses a version based on one that is no longer the latest', async () => {
      const store = await make();
      expect(await store.add(saved('one', 1), 0)).toBe(1);
      expect(await store.add(saved('mine', 2), 1)).toBe(2);
      expect(await store.add(saved('theirs', 2), 1)).toBe('stale');
      expect(await store.add(saved('fresh file?', 2), 0)).toBe('stale');
      expect((await store.latest('/p/a.json'))?.text).toBe('mine');
    });
  });
}
