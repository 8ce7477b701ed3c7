import { describe, expect, it, vi } from 'vitest';
import { recordingLogger, sampleRecord } from '../../test/contract/audit-sink.contract.js';
import { openStateDb, type StateDb } from '../state/state-db.js';
import type { AuditRecord } from './audit-record.js';
import { AuditQueryError, auditPages, type AuditFilter } from './audit-reader.js';
import { pruneAuditRecords, startAuditRetention } from './audit-retention.js';
import { SqliteAuditReader } from './sqlite-audit-reader.js';
import { SqliteAuditSink } from './sqlite-audit-sink.js';

const T0 = Date.UTC(2026, 4, 1);
const MINUTE = 60_000;

async function store(db: StateDb, records: readonly AuditRecord[]): Promise<void> {
  const sink = new SqliteAuditSink(db, { logger: recordingLogger() });
  for (const record of records) sink.write(record);
  await sink.close();
}

/** Ten calls a minute apart, from two grants to two servers, with a few refusals. */
function trail(): AuditRecord[] {
  return Array.from({ length: 10 }, (_, index) =>
    sampleRecord({
      time: T0 + index * MINUTE,
      requestId: String(index),
      grantId: index % 2 === 0 ? 'id-ci' : 'id-ops',
      grantLabel: index % 2 === 0 ? 'ci-runner' : 'ops',
      serverId: index < 5 ? 'github' : 'stripe',
      tool: index < 5 ? 'create_issue' : 'create_charge',
      decision: index % 3 === 0 ? 'deny' : 'allow',
      outcome: index % 3 === 0 ? 'refused' : index === 7 ? 'timeout' : 'ok',
    }),
  );
}

async function ids(reader: SqliteAuditReader, filter: AuditFilter): Promise<string[]> {
  const found: string[] = [];
  for await (const page of auditPages(reader, filter)) found.push(...page.map((record) => record.requestId!));
  return found;
}

describe('SqliteAuditReader', () => {
  it('filters by grant (label or id), server, tool, decision, outcome, and combinations', async () => {
    const db = openStateDb(':memory:');
    await store(db, trail());
    const reader = new SqliteAuditReader(db);
    expect(await ids(reader, {})).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(await ids(reader, { grant: 'ci-runner' })).toEqual(['0', '2', '4', '6', '8']);
    expect(await ids(reader, { grant: 'id-ops' })).toEqual(['1', '3', '5', '7', '9']);
    expect(await ids(reader, { server: 'stripe' })).toEqual(['5', '6', '7', '8', '9']);
    expect(await ids(reader, { tool: 'create_issue' })).toEqual(['0', '1', '2', '3', '4']);
    expect(await ids(reader, { decision: ['deny'] })).toEqual(['0', '3', '6', '9']);
    expect(await ids(reader, { outcome: ['timeout', 'refused'] })).toEqual(['0', '3', '6', '7', '9']);
    expect(await ids(reader, { grant: 'ops', server: 'stripe', decision: ['allow'] })).toEqual(['5', '7']);
    expect(await ids(reader, { decision: [] })).toEqual([]);
    expect(await ids(reader, { grant: 'nobody' })).toEqual([]);
  });

  it('reads a time range: since inclusive, until exclusive', async () => {
    const db = openStateDb(':memory:');
    await store(db, trail());
    const reader = new SqliteAuditReader(db);
    expect(await ids(reader, { since: T0 + 3 * MINUTE, until: T0 + 6 * MINUTE })).toEqual(['3', '4', '5']);
    expect(await ids(reader, { since: T0 + 8 * MINUTE })).toEqual(['8', '9']);
    expect(await ids(reader, { until: T0 + 1 })).toEqual(['0']);
  });

  it('pages newest first or oldest first, by the calls’ times, without gaps or repeats', async () => {
    const db = openStateDb(':memory:');
    // Stored out of time order, as calls that end in a different order than they started are.
    const records = trail();
    await store(db, [...records.slice(5), ...records.slice(0, 5)]);
    const reader = new SqliteAuditReader(db);
    const pages: string[][] = [];
    let after: string | undefined;
    do {
      const page = await reader.query({ limit: 4, after });
      pages.push(page.records.map((record) => record.requestId!));
      after = page.next ?? undefined;
    } while (after !== undefined);
    expect(pages).toEqual([
      ['9', '8', '7', '6'],
      ['5', '4', '3', '2'],
      ['1', '0'],
    ]);
    const first = await reader.query({ order: 'oldest_first', limit: 5 });
    expect(first.records.map((record) => record.requestId)).toEqual(['0', '1', '2', '3', '4']);
    const second = await reader.query({ order: 'oldest_first', limit: 5, after: first.next! });
    expect(second.records.map((record) => record.requestId)).toEqual(['5', '6', '7', '8', '9']);
    expect(second.next).toBeNull();
  });

  it('orders records with the same time by when they were stored', async () => {
    const db = openStateDb(':memory:');
    await store(
      db,
      ['a', 'b', 'c'].map((requestId) => sampleRecord({ time: T0, requestId })),
    );
    const reader = new SqliteAuditReader(db);
    const page1 = await reader.query({ limit: 2 });
    const page2 = await reader.query({ limit: 2, after: page1.next! });
    expect([...page1.records, ...page2.records].map((record) => record.requestId)).toEqual(['c', 'b', 'a']);
  });

  it('refuses a cursor it did not make', async () => {
    const reader = new SqliteAuditReader(openStateDb(':memory:'));
    await expect(reader.query({ after: 'page-2' })).rejects.toBeInstanceOf(AuditQueryError);
  });

  it('tails: the last records, then what is stored after, in stored order, filtered', async () => {
    const db = openStateDb(':memory:');
    const records = trail();
    await store(db, records.slice(0, 6));
    const reader = new SqliteAuditReader(db);
    const start = await reader.tail({ server: 'github' }, { limit: 3 });
    expect(start.records.map((record) => record.requestId)).toEqual(['2', '3', '4']);
    const none = await reader.tail({ server: 'github' }, { after: start.position });
    expect(none.records).toEqual([]);
    // Nothing new for this filter, but the reader moved past what it has seen.
    expect(none.position).toBeGreaterThanOrEqual(start.position);

    await store(db, [records[9]!, records[6]!, sampleRecord({ requestId: 'x', serverId: 'github' })]);
    const next = await reader.tail({}, { after: start.position, limit: 2 });
    expect(next.records.map((record) => record.requestId)).toEqual(['9', '6']);
    const rest = await reader.tail({}, { after: next.position, limit: 2 });
    expect(rest.records.map((record) => record.requestId)).toEqual(['x']);
    const github = await reader.tail({ server: 'github' }, { after: none.position });
    expect(github.records.map((record) => record.requestId)).toEqual(['x']);
  });
});

describe('audit retention', () => {
  it('prunes records older than a time, in chunks, and keeps the rest', async () => {
    const db = openStateDb(':memory:');
    const old = Array.from({ length: 2500 }, (_, index) => sampleRecord({ time: T0 + index }));
    await store(db, [...old, sampleRecord({ time: T0 + 10 * MINUTE, requestId: 'kept' })]);
    expect(await pruneAuditRecords(db, T0 + MINUTE)).toBe(2500);
    expect(await ids(new SqliteAuditReader(db), {})).toEqual(['kept']);
    expect(await pruneAuditRecords(db, T0 + MINUTE)).toBe(0);
  });

  it('keeps tailing past a prune that emptied the table: positions never go back', async () => {
    const db = openStateDb(':memory:');
    await store(db, [sampleRecord({ time: T0, requestId: 'old' })]);
    const reader = new SqliteAuditReader(db);
    const { position } = await reader.tail({});
    await pruneAuditRecords(db, T0 + 1);
    await store(db, [sampleRecord({ time: T0 + 2, requestId: 'new' })]);
    expect((await reader.tail({}, { after: position })).records.map((record) => record.requestId)).toEqual(['new']);
  });

  it('runs on a schedule, keeping retentionDays days, and stops', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const db = openStateDb(':memory:');
      const day = 86_400_000;
      const now = T0 + 40 * day;
      const logger = { ...recordingLogger(), info: () => undefined };
      const reader = new SqliteAuditReader(db);
      const retention = startAuditRetention(db, {
        retentionDays: 30,
        logger,
        clock: { now: () => now, elapsed: () => 0 },
        intervalMs: 60_000,
      });
      await vi.advanceTimersByTimeAsync(0);
      await store(db, [
        sampleRecord({ time: now - 31 * day, requestId: 'expired' }),
        sampleRecord({ time: now - 29 * day, requestId: 'kept' }),
      ]);
      // The prune at start is over; the next one is the schedule's.
      await vi.advanceTimersByTimeAsync(59_999);
      expect(await ids(reader, {})).toEqual(['expired', 'kept']);
      await vi.advanceTimersByTimeAsync(1);
      await retention.stop();
      expect(await ids(reader, {})).toEqual(['kept']);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('SqliteAuditReader: one record, and calls by decision over time', () => {
  it('finds a record by its decision id, with the actor of an operator record', async () => {
    const db = openStateDb(':memory:');
    const records = trail();
    const operator = {
      ...sampleRecord({ time: T0, requestId: null }),
      method: 'toolgate/operator' as const,
      actor: 'amir',
    };
    await store(db, [...records, operator]);
    const reader = new SqliteAuditReader(db);
    expect(await reader.get(records[3]!.decisionId)).toEqual(records[3]);
    expect((await reader.get(operator.decisionId))?.actor).toBe('amir');
    expect(await reader.get('no such id')).toBeUndefined();
  });

  it('counts each decision per slice of [since, until), with the filter applied', async () => {
    const db = openStateDb(':memory:');
    await store(db, trail());
    const reader = new SqliteAuditReader(db);
    // Calls at minutes 0..9: deny at 0, 3, 6, 9; slices of 4 minutes from minute 0 to 10.
    const buckets = await reader.histogram({ since: T0, until: T0 + 10 * MINUTE }, 4 * MINUTE);
    expect(buckets).toEqual([
      { start: T0, counts: { deny: 2, allow: 2 } },
      { start: T0 + 4 * MINUTE, counts: { deny: 1, allow: 3 } },
      { start: T0 + 8 * MINUTE, counts: { deny: 1, allow: 1 } },
    ]);
    const github = await reader.histogram({ server: 'github', since: T0, until: T0 + 10 * MINUTE }, 5 * MINUTE);
    expect(github).toEqual([
      { start: T0, counts: { deny: 2, allow: 3 } },
      { start: T0 + 5 * MINUTE, counts: {} },
    ]);
  });
});
