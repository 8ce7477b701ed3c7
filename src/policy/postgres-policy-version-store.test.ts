import { expect, it } from 'vitest';
import { runPolicyVersionStoreContract } from '../../test/contract/policy-version-store.contract.js';
import {
  describePostgres,
  expectUnreachable,
  freshPostgres,
  freshSchema,
  unreachablePostgres,
} from '../../test/support/postgres.js';
import type { PostgresDb } from '../state/postgres-db.js';
import { PostgresPolicyVersionStore } from './postgres-policy-version-store.js';

const saved = (text: string) => ({ file: '/p/a.json', text, savedBy: 'amir', savedAt: 1, note: null });

describePostgres('PostgresPolicyVersionStore', () => {
  runPolicyVersionStoreContract('PostgreSQL', async () => new PostgresPolicyVersionStore(await freshPostgres()));

  it('lets one of several replicas saving on the same version win, and tells the others they are stale', async () => {
    const schema = freshSchema();
    const replicas = await Promise.all(
      [1, 2, 3, 4].map(async () => new PostgresPolicyVersionStore(await freshPostgres(schema))),
    );
    for (const basedOn of [0, 1, 2]) {
      const results = await Promise.all(
        replicas.map((replica, i) => replica.add(saved(`v${basedOn + 1} by ${i}`), basedOn)),
      );
      expect(results.filter((result) => result !== 'stale')).toEqual([basedOn + 1]);
      expect(results.filter((result) => result === 'stale')).toHaveLength(replicas.length - 1);
    }
    expect((await replicas[0]!.list('/p/a.json')).map((version) => version.version)).toEqual([3, 2, 1]);
  });

  it('says stale to a save that waited on another replica’s save of the same version', async () => {
    const schema = freshSchema();
    const db = await freshPostgres(schema);
    const store = new PostgresPolicyVersionStore(await freshPostgres(schema));
    expect(await store.add(saved('one'), 0)).toBe(1);
    let waiting: Promise<number | 'stale'> | undefined;
    // Another replica's save of version 2, not yet committed when this one is sent: this one waits on its key.
    await db.transaction(async (tx) => {
      await tx.run(
        "INSERT INTO policy_versions (file, version, text, saved_by, saved_at) VALUES ('/p/a.json', 2, 'theirs', 'zoe', 2)",
      );
      const [{ pid }] = (await tx.rows<{ pid: number }>('SELECT pg_backend_pid() AS pid')) as [{ pid: number }];
      waiting = store.add(saved('mine'), 1);
      await waitUntilBlockedBy(db, pid);
    });
    expect(await waiting).toBe('stale');
    expect((await store.latest('/p/a.json'))?.text).toBe('theirs');
  });

  it('rejects, naming the database, when PostgreSQL is unreachable', async () => {
    const { db, port } = await unreachablePostgres();
    const store = new PostgresPolicyVersionStore(db);
    await expectUnreachable(store.latest('/p/a.json'), port);
    await expectUnreachable(store.add(saved('one'), 0), port);
  });
});

/** Resolves once a session waits on a lock that the backend `pid` holds: the save sent into its transaction. */
async function waitUntilBlockedBy(db: PostgresDb, pid: number): Promise<void> {
  for (;;) {
    const [row] = await db.rows<{ n: number }>(
      'SELECT count(*) AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))',
      [pid],
    );
    if (row!.n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
