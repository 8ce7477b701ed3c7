import { expect, it } from 'vitest';
import { recordingLogger, runAuditSinkContract, sampleRecord } from '../../test/contract/audit-sink.contract.js';
import { startTcpRelay } from '../../test/support/tcp-relay.js';
import {
  describePostgres,
  freshPostgres,
  freshSchema,
  postgresTarget,
  postgresUrlVia,
} from '../../test/support/postgres.js';
import { hasSettled } from '../../test/support/settled.js';
import { connectPostgres, PostgresUnavailableError } from '../state/postgres-db.js';
import { toAuditRow } from './audit-row.js';
import { PostgresAuditReader } from './postgres-audit-reader.js';
import { appendAuditRows, PostgresAuditSink } from './postgres-audit-sink.js';

describePostgres('PostgresAuditSink', () => {
  runAuditSinkContract('PostgreSQL', async (options) => {
    const db = await freshPostgres();
    const reader = new PostgresAuditReader(db);
    return {
      sink: new PostgresAuditSink(db, options),
      // Stored order is seq order: tail reads in it.
      stored: async () => (await reader.tail({}, { limit: 1000 })).records,
    };
  });

  it('stores a record once, even when a batch holding it is written again', async () => {
    const db = await freshPostgres();
    const record = sampleRecord();
    for (let attempt = 0; attempt < 2; attempt++) {
      const sink = new PostgresAuditSink(db, { logger: recordingLogger() });
      sink.write(record);
      await sink.close();
    }
    expect((await new PostgresAuditReader(db).tail({})).records).toEqual([record]);
  });

  it('stores a batch larger than one statement’s parameters allow, whole', async () => {
    const db = await freshPostgres();
    const sink = new PostgresAuditSink(db, { logger: recordingLogger(), batchSize: 3000, flushMs: 60_000 });
    const records = Array.from({ length: 3000 }, (_, index) => sampleRecord({ requestId: String(index) }));
    for (const record of records) sink.write(record);
    await sink.flush();
    expect(sink.stats()).toMatchObject({ written: 3000, pending: 0, failedBatches: 0 });
    const [{ count } = { count: 0 }] = await db.rows<{ count: number }>('SELECT COUNT(*) AS count FROM audit_records');
    expect(count).toBe(3000);
    await sink.close();
  });

  it('stores a record whose text PostgreSQL cannot hold as it is (a NUL) instead of holding up its batch', async () => {
    const db = await freshPostgres();
    const logger = recordingLogger();
    const sink = new PostgresAuditSink(db, { logger });
    const hostile = sampleRecord({ tool: 'rm\u0000-rf', message: '\u0000', arguments: { a: '\u0000' }, redacted: [] });
    const next = sampleRecord();
    sink.write(hostile);
    sink.write(next);
    await sink.close();
    expect(sink.stats()).toMatchObject({ written: 2, dropped: 0, failedBatches: 0 });
    expect((await new PostgresAuditReader(db).tail({})).records).toEqual([
      { ...hostile, tool: 'rm\uFFFD-rf', message: '\uFFFD' },
      next,
    ]);
  });

  it('hands out seqs in commit order: a batch waits for another replica’s uncommitted one, so a tail misses neither', async () => {
    const db = await freshPostgres();
    const reader = new PostgresAuditReader(db);
    const { position } = await reader.tail({});
    const first = sampleRecord({ requestId: 'first' });
    const second = sampleRecord({ requestId: 'second' });
    // Another replica's batch, inserted but not committed yet.
    let commit!: () => void;
    const committing = new Promise<void>((resolve) => (commit = resolve));
    let inserted!: (pid: number) => void;
    const otherPid = new Promise<number>((resolve) => (inserted = resolve));
    const other = db.transaction(async (tx) => {
      await appendAuditRows(tx, [toAuditRow(first)]);
      inserted((await tx.rows<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]!.pid);
      await committing;
    });
    const pid = await otherPid;
    const sink = new PostgresAuditSink(db, { logger: recordingLogger(), flushMs: 60_000 });
    try {
      sink.write(second);
      const flushed = sink.flush();
      // The sink's batch waits for the other one, on the server.
      await expect
        .poll(async () => {
          const [row] = await db.rows<{ waiting: number }>(
            'SELECT COUNT(*) AS waiting FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))',
            [pid],
          );
          return row?.waiting;
        })
        .toBe(1);
      expect((await reader.tail({}, { after: position })).records).toEqual([]);
      expect(await hasSettled(flushed)).toBe(false);
      commit();
      await other;
      await flushed;
      const tail = await reader.tail({}, { after: position });
      expect(tail.records.map((record) => record.requestId)).toEqual(['first', 'second']);
    } finally {
      commit();
      await other.catch(() => undefined);
      await sink.close();
    }
  });

  it('keeps records in memory while PostgreSQL is unreachable, up to maxPending, and stores them once it is back', async () => {
    const schema = freshSchema();
    const direct = await freshPostgres(schema);
    const proxy = await startTcpRelay(postgresTarget());
    const { port } = proxy;
    const db = connectPostgres({ url: postgresUrlVia(port), schema, connectTimeoutMs: 1_000 });
    const logger = recordingLogger();
    const sink = new PostgresAuditSink(db, { logger, batchSize: 2, flushMs: 60_000, maxPending: 4 });
    try {
      const records = [1, 2, 3, 4, 5, 6].map((n) => sampleRecord({ requestId: String(n) }));
      sink.write(records[0]!);
      await sink.flush();
      await proxy.cut();

      for (const record of records.slice(1)) sink.write(record);
      const failure = await sink.flush().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(PostgresUnavailableError);
      expect((failure as Error).message).toMatch(
        new RegExp(`^PostgreSQL at 127\\.0\\.0\\.1:${port}/test is unreachable`),
      );
      expect(sink.stats()).toMatchObject({ written: 1, pending: 4, dropped: 1 });
      expect(sink.stats().failedBatches).toBeGreaterThan(0);
      expect((await new PostgresAuditReader(direct).tail({})).records).toEqual(records.slice(0, 1));

      await proxy.restore();
      await sink.flush();
      expect(sink.stats()).toMatchObject({ written: 5, pending: 0, dropped: 1 });
      expect((await new PostgresAuditReader(direct).tail({})).records).toEqual(records.slice(0, 5));
      const messages = logger.lines.map((line) => line.message);
      expect(messages).toContain('audit store failed to write a batch; it will be retried');
      expect(messages).toContain(
        'audit store failing and the audit buffer is full: new records are dropped until it recovers',
      );
      expect(messages.at(-1)).toBe('audit store recovered');
    } finally {
      await sink.close();
      await db.close();
      await proxy.cut();
    }
  });

  it('drops and counts what is queued when PostgreSQL is unreachable at close, without rejecting', async () => {
    const schema = freshSchema();
    await freshPostgres(schema);
    const proxy = await startTcpRelay(postgresTarget());
    const { port } = proxy;
    await proxy.cut();
    const db = connectPostgres({ url: postgresUrlVia(port), schema, connectTimeoutMs: 1_000 });
    const logger = recordingLogger();
    const sink = new PostgresAuditSink(db, { logger, flushMs: 60_000 });
    try {
      sink.write(sampleRecord());
      sink.write(sampleRecord());
      await expect(sink.close()).resolves.toBeUndefined();
      expect(sink.stats()).toMatchObject({ written: 0, pending: 0, dropped: 2 });
      expect(logger.lines.at(-1)?.message).toBe('audit store failed at close: queued audit records are lost');
    } finally {
      await db.close();
    }
  });
});
