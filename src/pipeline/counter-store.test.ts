import { describe, expect, it } from 'vitest';
import { recordingLogger } from '../../test/contract/audit-sink.contract.js';
import { runCounterStoreContract } from '../../test/contract/counter-store.contract.js';
import type { Reservation } from '../policy/sliding-window.js';
import { openStateDb, type StateDb } from '../state/state-db.js';
import { SqliteCounterStore } from './counter-store.js';

runCounterStoreContract('SQLite', () => {
  const db = openStateDb(':memory:');
  return { store: new SqliteCounterStore(db), reopen: () => new SqliteCounterStore(db) };
});

const ADDS: Reservation = { counterKey: 'adds', amount: 1, limits: [{ rule: '/r', windowMs: 60_000, max: 1000 }] };

function storedRows(db: StateDb): number {
  return db.prepare<[], { n: number }>('SELECT count(*) AS n FROM counter_events').get()!.n;
}

/** Reserves and commits one call at `at`. */
function countCall(store: SqliteCounterStore, at: number): void {
  const reserved = store.reserve([ADDS], at);
  if (!reserved.ok) throw new Error('refused');
  store.commit(reserved.hold);
}

describe('SqliteCounterStore', () => {
  it('stores committed events in batches, off the call path, within flushMs', async () => {
    const db = openStateDb(':memory:');
    const store = new SqliteCounterStore(db, { flushMs: 20 });
    for (let at = 1; at <= 5; at++) countCall(store, at);
    // Counted in memory at once; stored later, all together.
    expect(store.events('adds')).toHaveLength(5);
    expect(storedRows(db)).toBe(0);
    await new Promise((resume) => setTimeout(resume, 60));
    expect(storedRows(db)).toBe(5);
    await store.close();
  });

  it('stores at once when batchSize events are queued', async () => {
    const db = openStateDb(':memory:');
    const store = new SqliteCounterStore(db, { flushMs: 60_000, batchSize: 3 });
    for (let at = 1; at <= 3; at++) countCall(store, at);
    await new Promise((resume) => setTimeout(resume, 20));
    expect(storedRows(db)).toBe(3);
    await store.close();
  });

  it('keeps a batch the database refuses, retries it, and keeps counting meanwhile', async () => {
    const db = openStateDb(':memory:');
    const logger = recordingLogger();
    const store = new SqliteCounterStore(db, { logger, flushMs: 5 });
    db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON counter_events BEGIN SELECT RAISE(FAIL, 'disk full'); END`);
    countCall(store, 1);
    await expect(store.flush()).rejects.toThrow('disk full');
    countCall(store, 2);
    expect(store.events('adds')).toHaveLength(2);
    db.exec('DROP TRIGGER refuse');
    // The retry is on a timer (10 ms after the first failure): no one needs to call flush again.
    await new Promise((resume) => setTimeout(resume, 100));
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
    const store = new SqliteCounterStore(db, { logger });
    const reserved = store.reserve([ADDS], 1);
    await store.close();
    if (reserved.ok) store.commit(reserved.hold);
    expect(storedRows(db)).toBe(0);
    expect(logger.lines).toEqual([
      { level: 'error', message: 'counter events committed after the store closed: not stored' },
    ]);
    expect(db.open).toBe(true);
  });
});
