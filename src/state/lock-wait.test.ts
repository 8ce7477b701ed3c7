import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hasSettled } from '../../test/support/settled.js';
import { isLockedError, StateLockedError } from './lock-wait.js';
import { openStateDb, proveWritable, sqliteBindings, type SqliteBinding, type StateDb } from './state-db.js';

const folders: string[] = [];
const open: StateDb[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const db of open.splice(0)) db.close();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function databaseFile(): string {
  const folder = mkdtempSync(join(tmpdir(), 'toolgate-lock-wait-'));
  folders.push(folder);
  return join(folder, 'state.db');
}

const available = sqliteBindings();
describe.each<SqliteBinding>(['node:sqlite', 'libsql'])('a locked state database through %s', (binding) => {
  if (!available.includes(binding)) {
    it.skip(`${binding} is not available on Node ${process.version} (node:sqlite needs 22.13 or later)`, () => {});
    return;
  }

  /** The gateway's connection and another one (the CLI's) holding the write lock, on one file. */
  function lockedDatabase(lockWaitMs = 60_000): { gateway: StateDb; holder: StateDb; file: string } {
    const file = databaseFile();
    const gateway = openStateDb(file, { binding, whenLocked: 'fail', lockWaitMs });
    const holder = openStateDb(file, { binding, whenLocked: 'wait' });
    open.push(gateway, holder);
    gateway.exec('CREATE TABLE t (a)');
    holder.exec('BEGIN IMMEDIATE');
    holder.exec('INSERT INTO t (a) VALUES (0)');
    return { gateway, holder, file };
  }

  it('fails a statement that meets the lock at once, for a caller with a retry of its own', () => {
    const { gateway } = lockedDatabase();
    let error: unknown;
    try {
      gateway.exec('INSERT INTO t (a) VALUES (1)');
    } catch (thrown) {
      error = thrown;
    }
    expect(isLockedError(error)).toBe(true);
  });

  it('waits for the lock on a timer, the event loop going on, and writes once it is released', async () => {
    const { gateway, holder } = lockedDatabase();
    const write = gateway.write(() => gateway.prepare('INSERT INTO t (a) VALUES (?)').run(1).changes);
    // This test goes on running while the write waits: the thread is not stopped in SQLite.
    expect(await hasSettled(write)).toBe(false);
    // Reads are not blocked by the writer (WAL): they see the last commit.
    expect(gateway.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM t').get()?.n).toBe(0);
    holder.exec('COMMIT');
    expect(await write).toBe(1);
    expect(gateway.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM t').get()?.n).toBe(2);
  });

  it("keeps reading other connections' commits after its writes met the lock", async () => {
    const { gateway, holder } = lockedDatabase();
    const insert = gateway.prepare('INSERT INTO t (a) VALUES (1)');
    expect(() => gateway.transaction(() => insert.run())()).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));
    expect(gateway.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM t').get()?.n).toBe(0);
    const write = gateway.write(() => insert.run());
    holder.exec('COMMIT');
    await write;
    holder.exec('INSERT INTO t (a) VALUES (2)');
    // A statement left half-run by SQLITE_BUSY would pin this connection to the snapshot it began in.
    expect(gateway.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM t').get()?.n).toBe(3);
  });

  it('gives up after lockWaitMs with an error naming the file, and writes nothing', async () => {
    const { gateway, holder, file } = lockedDatabase(1000);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const write = gateway.write(() => gateway.exec('INSERT INTO t (a) VALUES (1)'));
    const outcome = expect(write).rejects.toThrow(`the state database ${file} is locked by another process`);
    await vi.advanceTimersByTimeAsync(999);
    expect(await hasSettled(write)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await outcome;
    await expect(write).rejects.toThrow(StateLockedError);
    holder.exec('COMMIT');
    expect(gateway.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM t').get()?.n).toBe(1);
  });

  it('passes any other error on at once, rolled back', async () => {
    const { gateway, holder } = lockedDatabase();
    holder.exec('COMMIT');
    await expect(
      gateway.write(() => gateway.exec('INSERT INTO t (a) VALUES (1); INSERT INTO missing (a) VALUES (1)')),
    ).rejects.toThrow(expect.objectContaining({ code: 'SQLITE_ERROR' }));
    expect(gateway.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM t').get()?.n).toBe(1);
    await expect(gateway.write(() => gateway.exec('INSERT INTO missing (a) VALUES (1)'))).rejects.toThrow(
      expect.objectContaining({ code: 'SQLITE_ERROR' }),
    );
  });

  it('proves a database writable only by writing to it', async () => {
    const { gateway, holder } = lockedDatabase(1000);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const proof = proveWritable(gateway);
    const outcome = expect(proof).rejects.toThrow(StateLockedError);
    await vi.advanceTimersByTimeAsync(1000);
    await outcome;
    vi.useRealTimers();
    holder.exec('COMMIT');
    await expect(proveWritable(gateway)).resolves.toBeUndefined();
  });
});
