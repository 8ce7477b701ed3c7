import { describe, expect, it } from 'vitest';
import { runGrantStoreContract } from '../../test/contract/grant-store.contract.js';
import {
  describePostgres,
  expectUnreachable,
  freshPostgres,
  freshSchema,
  unreachablePostgres,
} from '../../test/support/postgres.js';
import type { PostgresDb } from '../state/postgres-db.js';
import { GrantError } from './grant-store.js';
import { PostgresGrantStore } from './postgres-grant-store.js';

/** Two stores on one fresh schema, each with its own pool: two replicas, or a replica and the CLI. */
async function twoReplicas(): Promise<[PostgresGrantStore, PostgresGrantStore]> {
  const schema = freshSchema();
  return [new PostgresGrantStore(await freshPostgres(schema)), new PostgresGrantStore(await freshPostgres(schema))];
}

/** Resolves in the next turn of the event loop, after its I/O. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describePostgres('PostgresGrantStore', () => {
  runGrantStoreContract('PostgreSQL', async () => new PostgresGrantStore(await freshPostgres()), twoReplicas);

  describe('across replicas', () => {
    it('reads the active grants once for every check of one turn, and again in the next turn', async () => {
      const db = await freshPostgres();
      let reads = 0;
      const counted: PostgresDb = {
        ...db,
        rows: (sql, parameters) => {
          reads += 1;
          return db.rows(sql, parameters);
        },
      };
      const { token } = await new PostgresGrantStore(db).create({ label: 'a', policy: null, servers: null }, 1);
      const gateway = new PostgresGrantStore(counted);
      const checks = await Promise.all([
        gateway.authenticate(token),
        gateway.authenticate(token),
        gateway.hasActiveGrants(),
      ]);
      expect(checks.map((check) => check !== undefined && check !== false)).toEqual([true, true, true]);
      expect(reads).toBe(1);
      await nextTurn();
      expect(await gateway.authenticate(token)).toBeDefined();
      expect(reads).toBe(2);
    });

    it('gives a label to one of two replicas creating it at once', async () => {
      const [one, two] = await twoReplicas();
      const results = await Promise.allSettled([
        one.create({ label: 'laptop', policy: null, servers: null }, 1),
        two.create({ label: 'laptop', policy: null, servers: null }, 1),
      ]);
      expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = results.find((result) => result.status === 'rejected')!;
      expect(refused.reason).toBeInstanceOf(GrantError);
      expect((refused.reason as GrantError).code).toBe('label_taken');
      expect(await one.list()).toHaveLength(1);
    });

    it('applies both of two updates made at once by two replicas to different fields', async () => {
      const [one, two] = await twoReplicas();
      const { token } = await one.create({ label: 'laptop', policy: '/a.json', servers: ['alpha'] }, 1);
      // Each writes back what it read of the fields it does not change: without the row lock, one would undo the other.
      for (let round = 0; round < 10; round += 1) {
        const [policy, servers] = [`/p${round}.json`, [`s${round}`]];
        await Promise.all([one.update('laptop', { policy }), two.update('laptop', { servers })]);
        await nextTurn();
        expect(await one.authenticate(token)).toMatchObject({ policy, servers });
      }
    });

    it('revokes a grant once when two replicas revoke it at once', async () => {
      const [one, two] = await twoReplicas();
      await one.create({ label: 'laptop', policy: null, servers: null }, 1);
      const results = await Promise.allSettled([one.revoke('laptop', 2), two.revoke('laptop', 3)]);
      expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = results.find((result) => result.status === 'rejected')!;
      expect((refused.reason as GrantError).code).toBe('not_found');
    });
  });

  it('rejects, naming the database, when PostgreSQL is unreachable', async () => {
    const { db, port } = await unreachablePostgres();
    const store = new PostgresGrantStore(db);
    await expectUnreachable(store.hasActiveGrants(), port);
    await expectUnreachable(store.create({ label: 'a', policy: null, servers: null }, 1), port);
  });
});
