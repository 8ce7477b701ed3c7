import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit/audit-record.js';
import { AuditQueryError, auditPages, type AuditFilter, type AuditReader } from '../../src/audit/audit-reader.js';
import { startAuditRetention, type AuditPruner } from '../../src/audit/audit-retention.js';
import type { AuditSink } from '../../src/audit/audit-sink.js';
import { recordingLogger, sampleRecord } from './audit-sink.contract.js';

/** One audit store, fresh and empty: a sink writing to it, a reader of it and its pruner. */
export interface AuditStoreUnderTest {
  readonly sink: AuditSink;
  readonly reader: AuditReader;
  readonly pruner: AuditPruner;
}

export const T0 = Date.UTC(2026, 4, 1);
const MINUTE = 60_000;
const DAY = 86_400_000;

/** Ten calls a minute apart, from two grants to two servers, with a few refusals. */
export function trail(): AuditRecord[] {
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

/** Stores the records through the store's sink, in this order. */
export async function store(under: AuditStoreUnderTest, records: readonly AuditRecord[]): Promise<void> {
  for (const record of records) under.sink.write(record);
  await under.sink.flush();
}

/** The request ids of every matching record, oldest first, read page by page. */
export async function ids(reader: AuditReader, filter: AuditFilter): Promise<string[]> {
  const found: string[] = [];
  for await (const page of auditPages(reader, filter)) found.push(...page.map((record) => record.requestId!));
  return found;
}

/**
 * What `toolgate audit` and the console read, answered the same by every store. Each implementation's test calls
 * this with a factory of a fresh, empty store.
 */
export function runAuditReaderContract(
  name: string,
  make: () => Promise<AuditStoreUnderTest> | AuditStoreUnderTest,
): void {
  describe(`AuditReader contract: ${name}`, () => {
    it('filters by grant (label or id), server, tool, decision, outcome, and combinations', async () => {
      const under = await make();
      await store(under, trail());
      const { reader } = under;
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
      const under = await make();
      await store(under, trail());
      const { reader } = under;
      expect(await ids(reader, { since: T0 + 3 * MINUTE, until: T0 + 6 * MINUTE })).toEqual(['3', '4', '5']);
      expect(await ids(reader, { since: T0 + 8 * MINUTE })).toEqual(['8', '9']);
      expect(await ids(reader, { until: T0 + 1 })).toEqual(['0']);
      // Bounds between two milliseconds.
      expect(await ids(reader, { since: T0 + 3 * MINUTE - 0.5, until: T0 + 4 * MINUTE + 0.5 })).toEqual(['3', '4']);
    });

    it('pages newest first or oldest first, by the calls’ times, without gaps or repeats', async () => {
      const under = await make();
      // Stored out of time order, as calls that end in a different order than they started are.
      const records = trail();
      await store(under, [...records.slice(5), ...records.slice(0, 5)]);
      const { reader } = under;
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

    it('pages filtered records, each page as full as the limit allows', async () => {
      const under = await make();
      await store(under, trail());
      const page = await under.reader.query({ server: 'stripe', decision: ['allow'], limit: 2 });
      expect(page.records.map((record) => record.requestId)).toEqual(['8', '7']);
      const rest = await under.reader.query({ server: 'stripe', decision: ['allow'], limit: 2, after: page.next! });
      expect(rest.records.map((record) => record.requestId)).toEqual(['5']);
      expect(rest.next).toBeNull();
    });

    it('orders records with the same time by when they were stored', async () => {
      const under = await make();
      await store(
        under,
        ['a', 'b', 'c'].map((requestId) => sampleRecord({ time: T0, requestId })),
      );
      const page1 = await under.reader.query({ limit: 2 });
      const page2 = await under.reader.query({ limit: 2, after: page1.next! });
      expect([...page1.records, ...page2.records].map((record) => record.requestId)).toEqual(['c', 'b', 'a']);
    });

    it('refuses a cursor it did not make', async () => {
      const { reader } = await make();
      await expect(reader.query({ after: 'page-2' })).rejects.toBeInstanceOf(AuditQueryError);
    });

    it('tails: the last records, then what is stored after, in stored order, filtered', async () => {
      const under = await make();
      const records = trail();
      await store(under, records.slice(0, 6));
      const { reader } = under;
      const start = await reader.tail({ server: 'github' }, { limit: 3 });
      expect(start.records.map((record) => record.requestId)).toEqual(['2', '3', '4']);
      const none = await reader.tail({ server: 'github' }, { after: start.position });
      expect(none.records).toEqual([]);
      // Nothing new for this filter, but the reader moved past what it has seen.
      expect(none.position).toBeGreaterThanOrEqual(start.position);

      await store(under, [records[9]!, records[6]!, sampleRecord({ requestId: 'x', serverId: 'github' })]);
      const next = await reader.tail({}, { after: start.position, limit: 2 });
      expect(next.records.map((record) => record.requestId)).toEqual(['9', '6']);
      const rest = await reader.tail({}, { after: next.position, limit: 2 });
      expect(rest.records.map((record) => record.requestId)).toEqual(['x']);
      const github = await reader.tail({ server: 'github' }, { after: none.position });
      expect(github.records.map((record) => record.requestId)).toEqual(['x']);
    });

    it('tails an empty trail from position 0, and finds the first record from there', async () => {
      const under = await make();
      const empty = await under.reader.tail({});
      expect(empty).toEqual({ records: [], position: 0 });
      await store(under, [sampleRecord({ requestId: 'first' })]);
      const next = await under.reader.tail({}, { after: empty.position });
      expect(next.records.map((record) => record.requestId)).toEqual(['first']);
      expect(next.position).toBeGreaterThan(empty.position);
    });

    it('finds a record by its decision id, with the actor of an operator record', async () => {
      const under = await make();
      const records = trail();
      const operator = {
        ...sampleRecord({ time: T0, requestId: null }),
        method: 'toolgate/operator' as const,
        actor: 'amir',
      };
      await store(under, [...records, operator]);
      const { reader } = under;
      expect(await reader.get(records[3]!.decisionId)).toEqual(records[3]);
      expect(await reader.get(operator.decisionId)).toEqual(operator);
      expect(await reader.get('no such id')).toBeUndefined();
    });

    it('counts each decision per slice of [since, until), with the filter applied', async () => {
      const under = await make();
      await store(under, trail());
      const { reader } = under;
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
      // A span that starts after the first calls and ends before the last, in slices that do not divide it.
      const middle = await reader.histogram({ since: T0 + 2 * MINUTE, until: T0 + 7 * MINUTE }, 2 * MINUTE);
      expect(middle).toEqual([
        { start: T0 + 2 * MINUTE, counts: { deny: 1, allow: 1 } },
        { start: T0 + 4 * MINUTE, counts: { allow: 2 } },
        { start: T0 + 6 * MINUTE, counts: { deny: 1 } },
      ]);
    });

    it('prunes records older than a time, in chunks, and keeps the rest', async () => {
      const under = await make();
      const old = Array.from({ length: 2500 }, (_, index) => sampleRecord({ time: T0 + index }));
      await store(under, [...old, sampleRecord({ time: T0 + 10 * MINUTE, requestId: 'kept' })]);
      expect(await under.pruner.prune(T0 + MINUTE)).toBe(2500);
      expect(await ids(under.reader, {})).toEqual(['kept']);
      expect(await under.pruner.prune(T0 + MINUTE)).toBe(0);
    });

    it('stops pruning between chunks once told to, and prunes the rest the next time', async () => {
      const under = await make();
      await store(
        under,
        Array.from({ length: 2500 }, (_, index) => sampleRecord({ time: T0 + index })),
      );
      const stop = new AbortController();
      stop.abort();
      expect(await under.pruner.prune(T0 + MINUTE, stop.signal)).toBe(1000);
      expect(await under.pruner.prune(T0 + MINUTE)).toBe(1500);
    });

    it('keeps tailing past a prune that emptied the table: positions never go back', async () => {
      const under = await make();
      await store(under, [sampleRecord({ time: T0, requestId: 'old' })]);
      const { position } = await under.reader.tail({});
      await under.pruner.prune(T0 + 1);
      await store(under, [sampleRecord({ time: T0 + 2, requestId: 'new' })]);
      expect((await under.reader.tail({}, { after: position })).records.map((record) => record.requestId)).toEqual([
        'new',
      ]);
    });

    it('keeps retentionDays days once retention starts', async () => {
      const under = await make();
      const now = T0 + 40 * DAY;
      await store(under, [
        sampleRecord({ time: now - 31 * DAY, requestId: 'expired' }),
        sampleRecord({ time: now - 29 * DAY, requestId: 'kept' }),
      ]);
      const pruned: object[] = [];
      const retention = startAuditRetention(under.pruner, {
        retentionDays: 30,
        logger: { ...recordingLogger(), info: (fields) => pruned.push(fields) },
        clock: { now: () => now, elapsed: () => 0 },
      });
      await expect.poll(() => ids(under.reader, {})).toEqual(['kept']);
      await retention.stop();
      expect(pruned).toEqual([{ deleted: 1, retentionDays: 30 }]);
    });
  });
}
