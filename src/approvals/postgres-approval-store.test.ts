import { expect, it } from 'vitest';
import { newApproval, runApprovalStoreContract } from '../../test/contract/approval-store.contract.js';
import { describePostgres, freshPostgres, freshSchema } from '../../test/support/postgres.js';
import { PostgresApprovalStore } from './postgres-approval-store.js';

describePostgres('PostgresApprovalStore', () => {
  runApprovalStoreContract('PostgreSQL', async () => new PostgresApprovalStore(await freshPostgres()));
});

/** Two replicas: two stores, each on its own pool, on one schema. */
async function replicas(): Promise<[PostgresApprovalStore, PostgresApprovalStore]> {
  const schema = freshSchema();
  return [
    new PostgresApprovalStore(await freshPostgres(schema)),
    new PostgresApprovalStore(await freshPostgres(schema)),
  ];
}

describePostgres('PostgresApprovalStore across replicas', () => {
  it('runs an approved call exactly once when both replicas claim it at once', async () => {
    const [a, b] = await replicas();
    const created = await a.create(newApproval(), 1000, 20);
    if (created.kind !== 'created') throw new Error(`expected an approval, got ${created.kind}`);
    const { id } = created.approval;
    expect((await b.resolve(id, 'approve', 'admin-api:alice', null, 2000)).kind).toBe('resolved');
    const claims = await Promise.all([a, b, a, b, a, b].map((store) => store.consume(id, 3000)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect((await a.get(id))?.consumedAt).toBe(3000);
  });

  it('resolves an approval once when two approvers on two replicas decide at once', async () => {
    const [a, b] = await replicas();
    const created = await a.create(newApproval(), 1000, 20);
    if (created.kind !== 'created') throw new Error(`expected an approval, got ${created.kind}`);
    const { id } = created.approval;
    const [approved, denied] = await Promise.all([
      a.resolve(id, 'approve', 'cli:alice', null, 2000),
      b.resolve(id, 'deny', 'cli:bob', 'No', 2000),
    ]);
    expect([approved.kind, denied.kind].sort()).toEqual(['already_resolved', 'resolved']);
    // The record names the approver the store said won, and the other was shown that verdict.
    const [winner, loser] = approved.kind === 'resolved' ? [approved, denied] : [denied, approved];
    expect(await b.get(id)).toEqual(winner.kind === 'resolved' ? winner.approval : undefined);
    expect(loser).toMatchObject({ approval: { status: winner.kind === 'resolved' ? winner.approval.status : '' } });
  });

  it('keeps a grant within maxPending when replicas open approvals for it at once', async () => {
    const [a, b] = await replicas();
    const creations = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        (index % 2 === 0 ? a : b).create(newApproval({ fingerprint: `call-${index}` }), 1000, 3),
      ),
    );
    expect(creations.filter((creation) => creation.kind === 'created')).toHaveLength(3);
    expect(await a.list('pending')).toHaveLength(3);
    // The local operator (no grant) has a bound of its own.
    expect((await b.create(newApproval({ grantId: null, fingerprint: 'local' }), 1000, 3)).kind).toBe('created');
  });

  it('lists approvals made in the same millisecond newest first, as SQLite does', async () => {
    const [a, b] = await replicas();
    const first = await a.create(newApproval({ fingerprint: 'one' }), 1000, 20);
    const second = await b.create(newApproval({ fingerprint: 'two' }), 1000, 20);
    if (first.kind !== 'created' || second.kind !== 'created') throw new Error('expected two approvals');
    expect((await a.list()).map((approval) => approval.id)).toEqual([second.approval.id, first.approval.id]);
  });
});
