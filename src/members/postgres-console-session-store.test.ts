import { expect, it } from 'vitest';
import { runConsoleSessionStoreContract } from '../../test/contract/console-session-store.contract.js';
import {
  describePostgres,
  expectUnreachable,
  freshPostgres,
  freshSchema,
  unreachablePostgres,
} from '../../test/support/postgres.js';
import { PostgresConsoleSessionStore } from './postgres-console-session-store.js';
import { PostgresMemberStore } from './postgres-member-store.js';

describePostgres('PostgresConsoleSessionStore', () => {
  runConsoleSessionStoreContract('PostgreSQL', async () => {
    const db = await freshPostgres();
    const members = new PostgresMemberStore(db);
    await members.add({ name: 'amir', role: 'admin', createdAt: 1 }, 'h');
    await members.add({ name: 'zoe', role: 'viewer', createdAt: 2 }, 'h');
    return {
      store: new PostgresConsoleSessionStore(db),
      removeMember: async (name) => void (await members.remove(name)),
    };
  });

  it('finds a session started on one replica from another, until another replica ends it', async () => {
    const schema = freshSchema();
    const [one, two] = [await freshPostgres(schema), await freshPostgres(schema)];
    await new PostgresMemberStore(one).add({ name: 'amir', role: 'admin', createdAt: 1 }, 'h');
    const [here, there] = [new PostgresConsoleSessionStore(one), new PostgresConsoleSessionStore(two)];
    const { token, session } = await here.start({ name: 'amir', role: 'admin', createdAt: 1 }, 1_000, 60_000);
    expect(await there.find(token, 2_000)).toEqual(session);
    await there.end(token);
    expect(await here.find(token, 2_000)).toBeUndefined();
  });

  it('rejects, naming the database, when PostgreSQL is unreachable', async () => {
    const { db, port } = await unreachablePostgres();
    const store = new PostgresConsoleSessionStore(db);
    await expectUnreachable(store.find('tgc_x', 1), port);
    await expectUnreachable(store.start({ name: 'amir', role: 'admin', createdAt: 1 }, 1, 1_000), port);
  });
});
