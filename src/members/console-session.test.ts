import { runConsoleSessionStoreContract } from '../../test/contract/console-session-store.contract.js';
import { openStateDb } from '../state/state-db.js';
import { SqliteConsoleSessionStore } from './console-session.js';
import { SqliteMemberStore } from './member-store.js';

runConsoleSessionStoreContract('SQLite', async () => {
  const db = openStateDb(':memory:');
  const members = new SqliteMemberStore(db);
  await members.add({ name: 'amir', role: 'admin', createdAt: 1 }, 'h');
  await members.add({ name: 'zoe', role: 'viewer', createdAt: 2 }, 'h');
  return {
    store: new SqliteConsoleSessionStore(db),
    removeMember: async (name) => void (await members.remove(name)),
  };
});
