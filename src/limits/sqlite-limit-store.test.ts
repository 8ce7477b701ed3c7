import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recordingLogger } from '../../test/contract/audit-sink.contract.js';
import { chargeOf, runLimitStoreContract } from '../../test/contract/limit-store.contract.js';
import { hasSettled } from '../../test/support/settled.js';
import { openStateDb, type StateDb } from '../state/state-db.js';
import { SqliteLimitStore } from './sqlite-limit-store.js';

runLimitStoreContract('SQLite', () => {
  const db = openStateDb(':memory:');
  return { store: new SqliteLimitStore(db), reopen: () => new SqliteLimitStore(db) };
});

const ADDS = chargeOf('adds', 1000);

function storedRows(db: StateDb): number {
  return db.prepare<[], { n: number }>('SELECT count(*) AS n FROM counter_events').get()!.n;
}

/** Takes and commits one call at `at`. */
async function countCall(store: SqliteLimitStore, at: number): Promise<void> {
  const taken = await store.take([ADDS], at);
  if (!taken.ok) throw new Error('refused');
  await store.commit(taken.reservation);
}

describe('SqliteLimitStore', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('stores committed events in batches, off the call path, within flushMs', async () => {
    const db = openStateDb(':memory:');
    const store = new SqliteLimitStore(db, { flushMs: 20 });
    for (let at = 1; at <= 5; at++) await countCall(store, at);
    // Counted in memory at once; stored later, all together.
    expect(await store.usage('adds', 60_000, 5)).toBe(5);
    expect(storedRows(db)).toBe(0);
    await vi.advanceTimersByTimeAsync(19);
    expect(storedRows(db)).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(storedRows(db)).toBe(5);
    await store.close();
  });

  it('stores at once when batchSize events are queued', async () => {
    const db = openStateDb(':memory:');
    const store = new SqliteLimitStore(db, { flushMs: 60_000, batchSize: 3 });
    for (let at = 1; at <= 3; at++) await countCall(store, at);
    await vi.advanceTimersByTimeAsync(0);
    expect(storedRows(db)).toBe(3);
    await store.close();
  });

  it('keeps a batch the database refuses, retries it, and keeps counting meanwhile', async () => {
    const db = openStateDb(':memory:');
    const logger = recordingLogger();
    const store = new SqliteLimitStore(db, { logger, flushMs: 5 });
    db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON counter_events BEGIN SELECT RAISE(FAIL, 'disk full'); END`);
    await countCall(store, 1);
    await expect(store.flush()).rejects.toThrow('disk full');
    await countCall(store, 2);
    expect(await store.usage('adds', 60_000, 2)).toBe(2);
    db.exec('DROP TRIGGER refuse');
    // The retry is on a timer (10 ms after the first failure): no one needs to call flush again.
    await vi.advanceTimersByTimeAsync(9);
    expect(storedRows(db)).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(storedRows(db)).toBe(2);
    expect(logger.lines.map((line) => line.message)).toEqual([
      'counter store failed to write a batch; it will be retried (the counters in memory still count)',
      'counter store recovered',
    ]);
    await store.close();
  });

  it('reports events committed after close instead of storing them', async () => {
    const db = openStateDb(':memory:');
    const logger = recordingLogger();
    const store = new SqliteLimitStore(db, { logger });
    const taken = await store.take([ADDS], 1);
    await store.close();
    if (taken.ok) await store.commit(taken.reservation);
    expect(storedRows(db)).toBe(0);
    expect(logger.lines).toEqual([
      { level: 'error', message: 'counter events committed after the store closed: not stored' },
    ]);
    expect(db.open).toBe(true);
  });

  it('reads a counter from the database when first asked for it', async () => {
    const db = openStateDb(':memory:');
    const insert = db.prepare<[string, number, number]>(
      'INSERT INTO counter_events (counter_key, at, amount) VALUES (?, ?, ?)',
    );
    insert.run('a', 1000, 1);
    const store = new SqliteLimitStore(db);
    // Written after the store opened, before any call touched the counters: still read.
    insert.run('a', 2000, 1);
    insert.run('b', 2000, 4);
    expect(await store.usage('a', 60_000, 3000)).toBe(2);
    // Once read, memory is the counter's truth: rows another writer adds later are not seen.
    insert.run('a', 2500, 1);
    expect(await store.usage('a', 60_000, 3000)).toBe(2);
    expect(await store.peek([chargeOf('b', 4)], 3000)).toMatchObject({ counterKey: 'b', retryAfterMs: 59_000 });
    await store.close();
  });
});

describe('SqliteLimitStore on a database another process holds', () => {
  const folders: string[] = [];
  afterAll(() => {
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  it('counts every call at once and stores the events once the lock goes', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'toolgate-limits-lock-'));
    folders.push(folder);
    const file = join(folder, 'state.db');
    const db = openStateDb(file, { whenLocked: 'fail', lockWaitMs: 60_000 });
    const holder = openStateDb(file, { whenLocked: 'wait' });
    holder.exec('BEGIN IMMEDIATE');
    const store = new SqliteLimitStore(db, { logger: recordingLogger(), flushMs: 1 });
    for (let at = 1; at <= 3; at++) await countCall(store, at);
    expect(await store.usage('adds', 60_000, 3)).toBe(3);
    const flushed = store.flush();
    expect(await hasSettled(flushed)).toBe(false);
    // Counting goes on while the batch waits.
    await countCall(store, 4);
    expect(await store.usage('adds', 60_000, 4)).toBe(4);
    holder.exec('COMMIT');
    await flushed;
    await store.flush();
    expect(storedRows(db)).toBe(4);
    await store.close();
    db.close();
    holder.close();
  });
});
