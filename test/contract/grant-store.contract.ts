import { describe, expect, it } from 'vitest';
import { GrantError, type GrantStore } from '../../src/grants/grant-store.js';

// What a store throws, by its code: callers act on the code, never on the message.
const grantError = (code: GrantError['code']) => expect.toSatisfy((e) => e instanceof GrantError && e.code === code);
const missing = grantError('not_found');
const taken = grantError('label_taken');

/**
 * The behaviour every GrantStore must have, whatever it stores grants in. Each implementation's test calls this
 * with a factory that returns a fresh, empty store, and one that returns two stores on the same fresh, empty
 * grants as two processes hold them (the gateway's and the `toolgate grants` CLI's).
 */
export function runGrantStoreContract(
  name: string,
  make: () => Promise<GrantStore> | GrantStore,
  makeTwo: () => Promise<readonly [GrantStore, GrantStore]> | readonly [GrantStore, GrantStore],
): void {
  describe(`GrantStore contract: ${name}`, () => {
    it('applies another process’s create, rotate and revoke to every check in a later turn of the event loop', async () => {
      const [gateway, cli] = await makeTwo();
      // Checked before each change, so that anything the gateway's store keeps from one check to the next is warm.
      // A request sent after a change arrives in a later turn than any check made before it.
      expect(await gateway.hasActiveGrants()).toBe(false);
      const created = await cli.create({ label: 'laptop', policy: null, servers: null }, 1);
      await nextTurn();
      expect(await gateway.hasActiveGrants()).toBe(true);
      expect((await gateway.authenticate(created.token))?.id).toBe(created.grant.id);
      const rotated = await cli.rotate('laptop', 2);
      await nextTurn();
      expect(await gateway.authenticate(created.token)).toBeUndefined();
      expect((await gateway.authenticate(rotated.token))?.rotatedAt).toBe(2);
      await cli.revoke('laptop', 3);
      await nextTurn();
      expect(await gateway.authenticate(rotated.token)).toBeUndefined();
      expect(await gateway.hasActiveGrants()).toBe(false);
    });

    it('applies its own changes to the very next check', async () => {
      const store = await make();
      expect(await store.hasActiveGrants()).toBe(false);
      const created = await store.create({ label: 'laptop', policy: null, servers: null }, 1);
      expect(await store.hasActiveGrants()).toBe(true);
      expect((await store.authenticate(created.token))?.id).toBe(created.grant.id);
      const rotated = await store.rotate('laptop', 2);
      expect(await store.authenticate(created.token)).toBeUndefined();
      expect((await store.authenticate(rotated.token))?.id).toBe(created.grant.id);
      await store.revoke('laptop', 3);
      expect(await store.authenticate(rotated.token)).toBeUndefined();
      expect(await store.hasActiveGrants()).toBe(false);
    });

    it('creates a grant whose token authenticates it, and stores no token', async () => {
      const store = await make();
      expect(await store.hasActiveGrants()).toBe(false);
      const { grant, token } = await store.create({ label: 'ci-runner', policy: '/p.json', servers: ['github'] }, 1000);
      expect(grant).toMatchObject({ label: 'ci-runner', policy: '/p.json', servers: ['github'], createdAt: 1000 });
      expect(token).toMatch(/^tg_[0-9a-f]{16}_/);
      expect(await store.authenticate(token)).toEqual(grant);
      // The whole secret: it is base64url, so it may itself hold '_'.
      expect(JSON.stringify(await store.list())).not.toContain(token.split('_').slice(2).join('_'));
      expect(await store.hasActiveGrants()).toBe(true);
    });

    it('refuses tokens that are wrong, malformed or for another grant', async () => {
      const store = await make();
      const a = await store.create({ label: 'a', policy: null, servers: null }, 1);
      const b = await store.create({ label: 'b', policy: null, servers: null }, 2);
      const [, aId] = a.token.split('_');
      const bSecret = b.token.split('_').slice(2).join('_');
      expect(await store.authenticate(`tg_${aId}_${bSecret}`)).toBeUndefined();
      expect(await store.authenticate('not-a-token')).toBeUndefined();
      expect(await store.authenticate(a.token.slice(0, -1) + (a.token.endsWith('A') ? 'B' : 'A'))).toBeUndefined();
    });

    it('updates a grant’s label, policy and servers, keeping its token, and applies that in a later turn', async () => {
      const [gateway, cli] = await makeTwo();
      const { grant, token } = await cli.create({ label: 'laptop', policy: '/a.json', servers: ['alpha'] }, 1);
      expect((await gateway.authenticate(token))?.policy).toBe('/a.json');
      const renamed = await cli.update('laptop', { label: 'desktop' });
      expect(renamed).toMatchObject({ id: grant.id, label: 'desktop', policy: '/a.json', servers: ['alpha'] });
      const updated = await cli.update(grant.id, { policy: '/b.json', servers: null });
      expect(updated).toMatchObject({ label: 'desktop', policy: '/b.json', servers: null, createdAt: 1 });
      await nextTurn();
      expect(await gateway.authenticate(token)).toEqual(updated);
      expect(await gateway.find('laptop')).toBeUndefined();
      await cli.update('desktop', { servers: ['beta'], policy: null });
      await nextTurn();
      expect(await gateway.authenticate(token)).toMatchObject({ policy: null, servers: ['beta'] });
    });

    it('refuses to update a grant that is not active, or to give it another active grant’s label', async () => {
      const store = await make();
      await store.create({ label: 'a', policy: null, servers: null }, 1);
      await store.create({ label: 'b', policy: null, servers: null }, 2);
      await expect(store.update('b', { label: 'a' })).rejects.toEqual(taken);
      await expect(store.update('nobody', { policy: '/p.json' })).rejects.toEqual(missing);
      await store.revoke('b', 3);
      await expect(store.update('b', { policy: '/p.json' })).rejects.toEqual(missing);
      expect((await store.find('a'))?.label).toBe('a');
    });

    it('refuses a second active grant with the same label', async () => {
      const store = await make();
      await store.create({ label: 'dup', policy: null, servers: null }, 1);
      await expect(store.create({ label: 'dup', policy: null, servers: null }, 2)).rejects.toEqual(taken);
    });

    it('rotates one grant without touching the others', async () => {
      const store = await make();
      const a = await store.create({ label: 'a', policy: null, servers: null }, 1);
      const b = await store.create({ label: 'b', policy: null, servers: null }, 2);
      const rotated = await store.rotate('a', 50);
      expect(rotated.token).not.toBe(a.token);
      expect(rotated.grant).toMatchObject({ id: a.grant.id, rotatedAt: 50 });
      expect(await store.authenticate(a.token)).toBeUndefined();
      expect((await store.authenticate(rotated.token))?.id).toBe(a.grant.id);
      expect((await store.authenticate(b.token))?.id).toBe(b.grant.id);
    });

    it('revokes one grant without touching the others, keeps it on record, and frees its label', async () => {
      const store = await make();
      const a = await store.create({ label: 'a', policy: null, servers: null }, 1);
      const b = await store.create({ label: 'b', policy: null, servers: null }, 2);
      const revoked = await store.revoke(a.grant.id, 60);
      expect(revoked.revokedAt).toBe(60);
      expect(await store.authenticate(a.token)).toBeUndefined();
      expect((await store.authenticate(b.token))?.id).toBe(b.grant.id);
      expect((await store.list()).map((g) => [g.label, g.revokedAt])).toEqual([
        ['a', 60],
        ['b', null],
      ]);
      expect(await store.find('a')).toBeUndefined();
      await expect(store.rotate('a', 70)).rejects.toEqual(missing);
      const again = await store.create({ label: 'a', policy: null, servers: null }, 80);
      expect(again.grant.id).not.toBe(a.grant.id);
    });
  });
}

/** Resolves in the next turn of the event loop, after its I/O: where a request sent now would arrive. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
