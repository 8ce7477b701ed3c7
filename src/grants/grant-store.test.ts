import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runGrantStoreContract } from '../../test/contract/grant-store.contract.js';
import { openStateDb } from '../state/state-db.js';
import { SqliteGrantStore } from './grant-store.js';

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A fresh state file: two connections to it behave as the gateway's and the CLI's do. */
function stateFile(): string {
  const folder = mkdtempSync(join(tmpdir(), 'toolgate-grants-'));
  folders.push(folder);
  return join(folder, 'state.db');
}

runGrantStoreContract(
  'SQLite',
  () => new SqliteGrantStore(openStateDb(':memory:')),
  () => {
    const file = stateFile();
    return [new SqliteGrantStore(openStateDb(file)), new SqliteGrantStore(openStateDb(file))];
  },
);

describe('SqliteGrantStore', () => {
  it("sees a revocation by another process after one of its connection's writes met that process's lock", async () => {
    const file = stateFile();
    const [gatewayDb, cliDb] = [openStateDb(file), openStateDb(file, { whenLocked: 'wait' })];
    const [gateway, cli] = [new SqliteGrantStore(gatewayDb), new SqliteGrantStore(cliDb)];
    const { token } = await cli.create({ label: 'a', policy: null, servers: null }, 1);
    expect(await gateway.authenticate(token)).toBeDefined();
    cliDb.exec('BEGIN IMMEDIATE');
    // Any write of the gateway's (an audit batch, counter events) that finds the lock taken.
    const insert = gatewayDb.prepare("INSERT INTO counter_events (counter_key, at, amount) VALUES ('k', 1, 1)");
    expect(() => gatewayDb.transaction(() => insert.run())()).toThrow(/locked/);
    cliDb.exec('COMMIT');
    await new Promise((resume) => setImmediate(resume));
    expect(await gateway.authenticate(token)).toBeDefined();
    await cli.revoke('a', 2);
    await new Promise((resume) => setImmediate(resume));
    expect(await gateway.authenticate(token)).toBeUndefined();
    gatewayDb.close();
    cliDb.close();
  });

  it('sees a change made by another store on the same connection at the next check', async () => {
    const db = openStateDb(':memory:');
    const [gateway, other] = [new SqliteGrantStore(db), new SqliteGrantStore(db)];
    const created = await other.create({ label: 'a', policy: null, servers: null }, 1);
    expect((await gateway.authenticate(created.token))?.id).toBe(created.grant.id);
    await other.revoke('a', 2);
    expect(await gateway.authenticate(created.token)).toBeUndefined();
  });

  it('reads the grants again only when the database changed', async () => {
    const file = stateFile();
    const db = openStateDb(file);
    const gateway = new SqliteGrantStore(db);
    const cli = new SqliteGrantStore(openStateDb(file));
    const { token } = await cli.create({ label: 'a', policy: null, servers: null }, 1);
    const first = await gateway.authenticate(token);
    // The same object each time: nothing was read or decoded again.
    expect(await gateway.authenticate(token)).toBe(first);
    // This connection's other writes (audit records, counters) are not grant changes.
    db.prepare('INSERT INTO counter_events (counter_key, at, amount) VALUES (?, ?, ?)').run('k', 1, 1);
    expect(await gateway.authenticate(token)).toBe(first);
    await new Promise((resolve) => setImmediate(resolve));
    // A new turn: this check looks at the database, as the first request of a turn does.
    expect(await gateway.authenticate(token)).toBe(first);
    await cli.rotate('a', 2);
    // Within one turn, the look already taken answers; a request sent after the rotation arrives in a later one.
    expect(await gateway.authenticate(token)).toBe(first);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await gateway.authenticate(token)).toBeUndefined();
  });
});
