import { expect, it } from 'vitest';
import { runMemberStoreContract } from '../../test/contract/member-store.contract.js';
import {
  describePostgres,
  expectUnreachable,
  freshPostgres,
  freshSchema,
  unreachablePostgres,
} from '../../test/support/postgres.js';
import { PostgresMemberStore } from './postgres-member-store.js';

describePostgres('PostgresMemberStore', () => {
  runMemberStoreContract('PostgreSQL', async () => new PostgresMemberStore(await freshPostgres()));

  it('gives a name to one of two replicas adding it at once', async () => {
    const schema = freshSchema();
    const [one, two] = [
      new PostgresMemberStore(await freshPostgres(schema)),
      new PostgresMemberStore(await freshPostgres(schema)),
    ];
    const added = await Promise.all([
      one.add({ name: 'amir', role: 'admin', createdAt: 1 }, 'first'),
      two.add({ name: 'amir', role: 'viewer', createdAt: 2 }, 'second'),
    ]);
    expect(added.sort()).toEqual([false, true]);
    expect(await two.list()).toHaveLength(1);
  });

  it('rejects, naming the database, when PostgreSQL is unreachable', async () => {
    const { db, port } = await unreachablePostgres();
    const store = new PostgresMemberStore(db);
    await expectUnreachable(store.find('amir'), port);
    await expectUnreachable(store.add({ name: 'amir', role: 'admin', createdAt: 1 }, 'h'), port);
  });
});
