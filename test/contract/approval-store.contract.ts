import { describe, expect, it } from 'vitest';
import { callFingerprint, type Approval } from '../../src/approvals/approval.js';
import type { ApprovalStore, NewApproval } from '../../src/approvals/approval-store.js';

/** A held call as the tests make it: a charge over 500 on Stripe, by the grant g1, expiring at 10,000. */
export function newApproval(overrides: Partial<NewApproval> = {}): NewApproval {
  return {
    grantId: 'g1',
    grantLabel: 'ci-runner',
    serverId: 'stripe',
    tool: 'create_charge',
    arguments: { amount: 900 },
    hidden: [],
    secrets: [],
    fingerprint: callFingerprint('g1', 'stripe', 'create_charge', { amount: 900 }),
    rule: '/tools/create_charge/require_approval_if/0',
    reason: 'Over 500',
    expiresAt: 10_000,
    ...overrides,
  };
}

/** Stores a new approval under a bound it is well within. */
async function create(store: ApprovalStore, approval: NewApproval, now: number): Promise<Approval> {
  const creation = await store.create(approval, now, 1000);
  if (creation.kind !== 'created') throw new Error(`expected an approval, got ${creation.kind}`);
  return creation.approval;
}

/** The behaviour every ApprovalStore must have. `make` returns a fresh, empty store. */
export function runApprovalStoreContract(name: string, make: () => Promise<ApprovalStore> | ApprovalStore): void {
  describe(`ApprovalStore contract: ${name}`, () => {
    it('stores a pending approval and finds it by its call', async () => {
      const store = await make();
      const created = await create(store, newApproval(), 1000);
      expect(created).toMatchObject({
        status: 'pending',
        tool: 'create_charge',
        arguments: { amount: 900 },
        createdAt: 1000,
      });
      expect(created.id).toMatch(/^apr_[0-9a-f]{16}$/);
      expect((await store.findOpen(created.fingerprint, 1001))?.id).toBe(created.id);
      expect(
        await store.findOpen(callFingerprint('g1', 'stripe', 'create_charge', { amount: 901 }), 1001),
      ).toBeUndefined();
      expect((await store.list('pending')).map((a) => a.id)).toEqual([created.id]);
    });

    it('opens one approval per call: creating the same call again while it is pending answers the first', async () => {
      const store = await make();
      const [first, second] = await Promise.all([
        create(store, newApproval(), 1000),
        create(store, newApproval({ grantLabel: 'ci-runner' }), 1001),
      ]);
      expect(second.id).toBe(first.id);
      expect((await store.list('pending')).map((a) => a.id)).toEqual([first.id]);
      // Once decided, the same call asks afresh.
      await store.resolve(first.id, 'deny', 'alice', null, 1002);
      expect((await create(store, newApproval(), 1003)).id).not.toBe(first.id);
    });

    it('is resolved once, and an approved call runs exactly once', async () => {
      const store = await make();
      const { id, fingerprint } = await create(store, newApproval(), 1000);
      const approved = await store.resolve(id, 'approve', 'alice', null, 2000);
      expect(approved).toMatchObject({
        kind: 'resolved',
        approval: { status: 'approved', decidedBy: 'alice', decidedAt: 2000 },
      });
      expect(await store.resolve(id, 'deny', 'bob', 'no', 2001)).toMatchObject({
        kind: 'already_resolved',
        approval: { status: 'approved', decidedBy: 'alice' },
      });
      const results = await Promise.all([store.consume(id, 3000), store.consume(id, 3000), store.consume(id, 3000)]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.findOpen(fingerprint, 3001)).toBeUndefined();
    });

    it('keeps a denial open until it is reported, then lets the call ask again', async () => {
      const store = await make();
      const { id, fingerprint } = await create(store, newApproval(), 1000);
      expect(await store.resolve(id, 'deny', 'bob', 'Not this month', 1500)).toMatchObject({
        kind: 'resolved',
        approval: { status: 'denied' },
      });
      expect(await store.findOpen(fingerprint, 1600)).toMatchObject({
        id,
        status: 'denied',
        decisionReason: 'Not this month',
      });
      expect(await store.consume(id, 1700)).toBe(false);
      await store.markReported(id, 1700);
      expect(await store.findOpen(fingerprint, 1800)).toBeUndefined();
    });

    it('expires pending approvals past their time; an expired one cannot be approved', async () => {
      const store = await make();
      const { id, fingerprint } = await create(store, newApproval({ expiresAt: 5000 }), 1000);
      expect(await store.expire(4999)).toEqual([]);
      expect((await store.expire(5000)).map((a) => a.id)).toEqual([id]);
      expect(await store.findOpen(fingerprint, 5001)).toMatchObject({ status: 'expired' });
      expect(await store.resolve(id, 'approve', 'alice', null, 5002)).toMatchObject({
        kind: 'already_resolved',
        approval: { status: 'expired' },
      });
    });

    it('keeps hidden values apart, shows them while pending, records each look, and drops them once decided', async () => {
      const store = await make();
      const hidden = [
        { path: 'args.auth.token', at: ['auth', 'token'], why: 'its key looks like a secret (it matches "token")' },
        { path: 'args.items[1]', at: ['items', 1], why: 'its path is listed as secret (args.items[1])' },
      ];
      const approval = newApproval({
        arguments: { auth: { token: '[redacted]' }, items: [1, '[redacted]'] },
        hidden,
        secrets: ['s3cret', { deep: true }],
      });
      const { id } = await create(store, approval, 1000);
      const listed = JSON.stringify([
        await store.get(id),
        await store.list(),
        await store.findOpen(approval.fingerprint, 1001),
      ]);
      expect(listed).not.toContain('s3cret');
      expect(await store.get(id)).toMatchObject({ hidden, reveals: [] });
      expect(await store.reveal(id, 'cli:carol', 1500)).toMatchObject({
        kind: 'revealed',
        values: ['s3cret', { deep: true }],
        approval: { reveals: [{ by: 'cli:carol', at: 1500 }] },
      });
      await store.reveal(id, 'admin-api:dave', 1600);
      expect((await store.get(id))?.reveals).toEqual([
        { by: 'cli:carol', at: 1500 },
        { by: 'admin-api:dave', at: 1600 },
      ]);
      await store.resolve(id, 'approve', 'alice', null, 2000);
      expect(await store.reveal(id, 'cli:carol', 2100)).toMatchObject({
        kind: 'dropped',
        approval: { status: 'approved' },
      });
      expect((await store.get(id))?.reveals).toHaveLength(2);
      // Expiry drops them too.
      const expiring = await create(
        store,
        newApproval({ fingerprint: 'other', hidden, secrets: ['x', 'y'], expiresAt: 5000 }),
        1000,
      );
      await store.expire(5000);
      expect(await store.reveal(expiring.id, 'cli:carol', 5001)).toMatchObject({ kind: 'dropped' });
      // Nothing hidden: nothing to show apart, and no look recorded.
      const plain = await create(store, newApproval({ fingerprint: 'plain' }), 1000);
      expect(await store.reveal(plain.id, 'cli:carol', 1100)).toMatchObject({ kind: 'revealed', values: [] });
      expect((await store.get(plain.id))?.reveals).toEqual([]);
      expect(await store.reveal('apr_0000000000000000', 'cli:carol', 1)).toEqual({ kind: 'not_found' });
    });

    it('holds at most maxPending pending approvals per grant, the local operator counted apart', async () => {
      const store = await make();
      // A call's fingerprint covers its grant: the same letter under two grants is two calls.
      const open = (grantId: string | null, call: string, expiresAt = 10_000) =>
        store.create(newApproval({ grantId, fingerprint: `${grantId ?? 'local'}:${call}`, expiresAt }), 1000, 2);
      expect((await open('g1', 'a')).kind).toBe('created');
      expect((await open('g1', 'b')).kind).toBe('created');
      expect(await open('g1', 'c')).toEqual({ kind: 'too_many_pending' });
      expect((await open('g2', 'c')).kind).toBe('created');
      expect((await open(null, 'c')).kind).toBe('created');
      expect((await open(null, 'd')).kind).toBe('created');
      expect((await open(null, 'e')).kind).toBe('too_many_pending');
      // A decided approval no longer counts.
      const [first] = await store.list('pending');
      await store.resolve(first!.id, 'deny', 'bob', null, 1500);
      expect((await open(first!.grantId, 'f')).kind).toBe('created');
    });

    it('says which of the approvals asked about are no longer pending, in one look', async () => {
      const store = await make();
      const a = await create(store, newApproval({ fingerprint: 'a' }), 1000);
      const b = await create(store, newApproval({ fingerprint: 'b' }), 1000);
      const c = await create(store, newApproval({ fingerprint: 'c', expiresAt: 1500 }), 1000);
      await store.resolve(b.id, 'approve', 'alice', null, 1100);
      await store.expire(1500);
      const settled = await store.settledAmong([a.id, b.id, c.id, 'apr_0000000000000000']);
      expect(settled.map((approval) => [approval.id, approval.status]).sort()).toEqual(
        [
          [b.id, 'approved'],
          [c.id, 'expired'],
        ].sort(),
      );
      expect(await store.settledAmong([])).toEqual([]);
    });

    it('finds no approval to resolve under an id it never made', async () => {
      const store = await make();
      expect(await store.resolve('apr_0000000000000000', 'approve', 'alice', null, 1)).toEqual({ kind: 'not_found' });
    });
  });
}
