import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordingLogger, runAuditSinkContract, sampleRecord } from '../../test/contract/audit-sink.contract.js';
import { openStateDb } from '../state/state-db.js';
import { JsonlFileSink } from './jsonl-file-sink.js';
import { SqliteAuditReader } from './sqlite-audit-reader.js';
import { SqliteAuditSink } from './sqlite-audit-sink.js';
import type { AuditRecord } from './audit-record.js';
import { TeeAuditSink } from './tee-audit-sink.js';

function both(options: ConstructorParameters<typeof SqliteAuditSink>[1]) {
  const db = openStateDb(':memory:');
  const file = join(mkdtempSync(join(tmpdir(), 'toolgate-audit-')), 'audit.jsonl');
  const sink = new TeeAuditSink([new SqliteAuditSink(db, options), new JsonlFileSink(file, options)]);
  return { sink, db, file };
}

runAuditSinkContract('SQLite and JSON Lines together', (options) => {
  const { sink, db } = both(options);
  const reader = new SqliteAuditReader(db);
  return { sink, stored: async () => (await reader.tail({}, { limit: 1000 })).records };
});

describe('TeeAuditSink', () => {
  it('writes every record to every sink, and counts records, not copies', async () => {
    const { sink, db, file } = both({ logger: recordingLogger() });
    const records = [sampleRecord(), sampleRecord()];
    for (const record of records) sink.write(record);
    await sink.close();
    expect((await new SqliteAuditReader(db).tail({})).records).toEqual(records);
    expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(2);
    expect(sink.stats()).toMatchObject({ written: 2, pending: 0 });
  });

  it('answers writeStored once every sink that can tell has stored the record, and writes it to the others', async () => {
    const { sink: stores, db, file } = both({ logger: recordingLogger(), flushMs: 60_000 });
    const counted: string[] = [];
    const counter = {
      write: (record: AuditRecord) => void counted.push(record.decisionId),
      flush: async () => undefined,
      close: async () => undefined,
      stats: () => ({ written: counted.length, pending: 0, dropped: 0, failedBatches: 0 }),
    };
    const sink = new TeeAuditSink([stores, counter]);
    const record = sampleRecord();
    expect(await sink.writeStored(record)).toBe(true);
    expect((await new SqliteAuditReader(db).tail({})).records).toEqual([record]);
    expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(1);
    expect(counted).toEqual([record.decisionId]);
    await sink.close();
  });
});
