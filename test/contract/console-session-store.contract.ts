import { describe, expect, it } from 'vitest';
import type { ConsoleSessionStore } from '../../src/members/console-session.js';
import type { Member } from '../../src/members/member.js';

/**
 * The behaviour every ConsoleSessionStore must have. `make` gives a fresh store whose members include `amir`
 * (admin) and `zoe` (viewer), and `removeMember` removes one of them the way the member store does.
 */
export function runConsoleSessionStoreContract(
  name: string,
  make: () => Promise<{ store: ConsoleSessionStore; removeMember: (name: string) => Promise<void> }>,
): void {
  const amir: Member = { name: 'amir', role: 'admin', createdAt: 1 };
  describe(`ConsoleSessionStore contract: ${name}`, () => {
    it('finds a session by its token until it expires or ends, and never by another token', async () => {
      const { store } = await make();
      const { token, session } = await store.start(amir, 1_000, 60_000);
      expect(token).toMatch(/^tgc_[A-Za-z0-9_-]{43}$/);
      expect(session).toEqual({ member: amir, csrf: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/), expiresAt: 61_000 });
      expect(await store.find(token, 60_999)).toEqual(session);
      expect(await store.find(`${token}x`, 2_000)).toBeUndefined();
      expect(await store.find(token, 61_000)).toBeUndefined();
      const other = await store.start(amir, 1_000, 60_000);
      expect(other.token).not.toBe(token);
      expect(other.session.csrf).not.toBe(session.csrf);
      await store.end(other.token);
      expect(await store.find(other.token, 2_000)).toBeUndefined();
    });

    it('ends the sessions of a removed member, and forgets expired ones', async () => {
      const { store, removeMember } = await make();
      const zoe = await store.start({ name: 'zoe', role: 'viewer', createdAt: 2 }, 1_000, 10_000);
      const kept = await store.start(amir, 1_000, 100_000);
      await removeMember('zoe');
      expect(await store.find(zoe.token, 2_000)).toBeUndefined();
      await store.start(amir, 1_000, 5_000);
      expect(await store.sweep(50_000)).toBe(1);
      expect(await store.find(kept.token, 50_000)).toEqual(kept.session);
    });
  });
}
