import { describe, expect, it } from 'vitest';
import { recordingLogger, runAuditSinkContract, sampleRecord } from '../../test/contract/audit-sink.contract.js';
import { openStateDb } from '../state/state-db.js';
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
});
