import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recordingLogger, runAuditSinkContract, sampleRecord } from '../../test/contract/audit-sink.contract.js';
import { hasSettled } from '../../test/support/settled.js';
import { openStateDb, type StateDb } from '../state/state-db.js';
import { auditPages } from './audit-reader.js';
import { SqliteAuditReader } from './sqlite-audit-reader.js';
import { SqliteAuditSink } from './sqlite-audit-sink.js';

runAuditSinkContract('SQLite', (options) => {
  const db = openStateDb(':memory:');
  const reader = new SqliteAuditReader(db);
  return {
    sink: new SqliteAuditSink(db, options),
    // Stored order is seq order: tail reads in it.
    stored: async () => (await reader.tail({}, { limit: 1000 })).records,
  };
});

describe('SqliteAuditSink', () => {
  it('stores a record once, even when a batch holding it is written again', async () => {
    const db = openStateDb(':memory:');
    const record = sampleRecord();
    for (let attempt = 0; attempt < 2; attempt++) {
      const sink = new SqliteAuditSink(db, { logger: recordingLogger() });
      sink.write(record);
      await sink.close();
    }
    const pages = [];
    for await (const page of auditPages(new SqliteAuditReader(db), {})) pages.push(...page);
    expect(pages).toEqual([record]);
  });

  it('keeps a batch the database refuses, retries it, and leaves the database open on close', async () => {
    const db = openStateDb(':memory:');
    const logger = recordingLogger();
    const sink = new SqliteAuditSink(db, { logger, flushMs: 10 });
    // Another connection's write lock is what a busy database looks like; a trigger is the simplest stand-in.
    db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON audit_records BEGIN SELECT RAISE(FAIL, 'disk full'); END`);
    sink.write(sampleRecord());
    await expect(sink.flush()).rejects.toThrow('disk full');
    expect(sink.stats()).toMatchObject({ pending: 1, failedBatches: 1, written: 0 });
    db.exec('DROP TRIGGER refuse');
    await sink.close();
    expect(sink.stats()).toMatchObject({ pending: 0, written: 1 });
    expect(logger.lines.map((line) => line.message)).toEqual([
      'audit store failed to write a batch; it will be retried',
      'audit store recovered',
    ]);
    expect(db.open).toBe(true);
  });

  it('keeps records in memory while another process holds the lock, up to maxPending, and stores them once it goes', async () => {
    const { gateway, holder } = lockedByAnother();
    const sink = new SqliteAuditSink(gateway, { logger: recordingLogger(), batchSize: 2, flushMs: 5, maxPending: 4 });
    const records = [1, 2, 3, 4, 5, 6].map((n) => sampleRecord({ requestId: String(n) }));
    for (const record of records) sink.write(record);
    const flushed = sink.flush();
    // The batch waits for the lock on a timer: this test, on the same thread, goes on meanwhile.
    expect(await hasSettled(flushed)).toBe(false);
    expect(sink.stats()).toMatchObject({ written: 0, pending: 4, dropped: 2 });
    holder.exec('COMMIT');
    await flushed;
    expect(sink.stats()).toMatchObject({ written: 4, pending: 0, dropped: 2 });
    expect((await new SqliteAuditReader(gateway).tail({}, { limit: 10 })).records).toEqual(records.slice(0, 4));
    await sink.close();
  });

  it('keeps what a full disk refuses, up to maxPending, drops and counts the rest, and stores the kept ones once there is room', async () => {
    const db = openStateDb(':memory:');
    const logger = recordingLogger();
    const sink = new SqliteAuditSink(db, { logger, batchSize: 1, flushMs: 60_000, maxPending: 2 });
    // SQLite's own "database or disk is full", as a full disk gives it: no page beyond the ones it has.
    const pages = db.prepare<[], { page_count: number }>('PRAGMA page_count').get()!.page_count;
    db.exec(`PRAGMA max_page_count = ${pages}`);
    const records = Array.from({ length: 5 }, (_, n) =>
      sampleRecord({ requestId: String(n), message: 'x'.repeat(5000) }),
    );
    for (const record of records) sink.write(record);
    await expect(sink.flush()).rejects.toThrow(expect.objectContaining({ code: 'SQLITE_FULL' }));
    expect(sink.stats()).toMatchObject({ written: 0, pending: 2, dropped: 3 });
    db.exec('PRAGMA max_page_count = 1073741823');
    await sink.close();
    expect(sink.stats()).toMatchObject({ written: 2, pending: 0, dropped: 3 });
    expect((await new SqliteAuditReader(db).tail({}, { limit: 10 })).records).toEqual(records.slice(0, 2));
  });
});

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** The gateway's connection to a state file, and another (a CLI command's) holding its write lock. */
function lockedByAnother(): { gateway: StateDb; holder: StateDb } {
  const folder = mkdtempSync(join(tmpdir(), 'toolgate-audit-lock-'));
  folders.push(folder);
  const file = join(folder, 'state.db');
  const gateway = openStateDb(file, { whenLocked: 'fail', lockWaitMs: 60_000 });
  const holder = openStateDb(file, { whenLocked: 'wait' });
  holder.exec('BEGIN IMMEDIATE');
  holder.exec('PRAGMA user_version = 5');
  return { gateway, holder };
}
