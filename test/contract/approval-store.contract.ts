import { describe, expect, it } from 'vitest';
import { callFingerprint } from '../../src/approvals/approval.js';
import type { ApprovalStore, NewApproval } from '../../src/approvals/approval-store.js';

function newApproval(overrides: Partial<NewApproval> = {}): NewApproval {
  return {
    grantId: 'g1',
    grantLabel: 'ci-runner',
    serverId: 'stripe',
    tool: 'create_charge',
    arguments: { amount: 900 },
    fingerprint: callFingerprint('g1', 'stripe', 'create_charge', { amount: 900 }),
    rule: '/tools/create_charge/require_approval_if/0',
    reason: 'Over 500',
    expiresAt: 10_000,
    ...overrides,
  };
}

/** The behaviour every ApprovalStore must have. `make` returns a fresh, empty store. */
export function runApprovalStoreContract(name: string, make: () => Promise<ApprovalStore> | ApprovalStore): void {
  describe(`ApprovalStore contract: ${name}`, () => {
    it('stores a pending approval and finds it by its call', async () => {
      const store = await make();
      const created = await store.create(newApproval(), 1000);
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

    it('is resolved once, and an approved call runs exactly once', async () => {
      const store = await make();
      const { id, fingerprint } = await store.create(newApproval(), 1000);
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
      const { id, fingerprint } = await store.create(newApproval(), 1000);
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
      const { id, fingerprint } = await store.create(newApproval({ expiresAt: 5000 }), 1000);
      expect(await store.expire(4999)).toEqual([]);
      expect((await store.expire(5000)).map((a) => a.id)).toEqual([id]);
      expect(await store.findOpen(fingerprint, 5001)).toMatchObject({ status: 'expired' });
      expect(await store.resolve(id, 'approve', 'alice', null, 5002)).toMatchObject({
        kind: 'already_resolved',
        approval: { status: 'expired' },
      });
    });

    it('finds no approval to resolve under an id it never made', async () => {
      const store = await make();
      expect(await store.resolve('apr_0000000000000000', 'approve', 'alice', null, 1)).toEqual({ kind: 'not_found' });
    });
  });
}
