import { describe, expect, it } from 'vitest';
import type { MemberStore } from '../../src/members/member-store.js';

/** The behaviour every MemberStore must have, whatever it stores members in; `make` gives a fresh, empty one. */
export function runMemberStoreContract(name: string, make: () => Promise<MemberStore> | MemberStore): void {
  describe(`MemberStore contract: ${name}`, () => {
    it('adds, finds, lists by name and removes members', async () => {
      const store = await make();
      expect(await store.add({ name: 'zoe', role: 'viewer', createdAt: 2 }, 'hash-z')).toBe(true);
      expect(await store.add({ name: 'amir', role: 'admin', createdAt: 1 }, 'hash-a')).toBe(true);
      expect(await store.find('amir')).toEqual({
        member: { name: 'amir', role: 'admin', createdAt: 1 },
        passwordHash: 'hash-a',
      });
      expect((await store.list()).map((member) => member.name)).toEqual(['amir', 'zoe']);
      expect(await store.count('admin')).toBe(1);
      expect(await store.remove('zoe')).toBe(true);
      expect(await store.remove('zoe')).toBe(false);
      expect(await store.find('zoe')).toBeUndefined();
    });

    it('keeps a name to one member', async () => {
      const store = await make();
      expect(await store.add({ name: 'amir', role: 'admin', createdAt: 1 }, 'first')).toBe(true);
      expect(await store.add({ name: 'amir', role: 'viewer', createdAt: 2 }, 'second')).toBe(false);
      expect((await store.find('amir'))?.passwordHash).toBe('first');
    });
  });
}
