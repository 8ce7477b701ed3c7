import { describe, expect, it } from 'vitest';
import { newDecisionId, type AuditRecord } from '../../src/audit/audit-record.js';
import type { AuditLogger, AuditSink, AuditSinkOptions } from '../../src/audit/audit-sink.js';

/** A sink to test, and a way to read what it stored from its store (not from the sink). */
export interface AuditSinkUnderTest {
  readonly sink: AuditSink;
  /** Every record stored so far, in the order stored. */
  stored(): Promise<AuditRecord[]>;
}

/** A logger that keeps what it is told, for the tests to look at. */
export function recordingLogger(): AuditLogger & { readonly lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = [];
  return {
    lines,
    warn: (_fields, message) => lines.push({ level: 'warn', message }),
    error: (_fields, message) => lines.push({ level: 'error', message }),
  };
}

/** A complete record; `overrides` change any field. */
export function sampleRecord(overrides: Partial<AuditRecord> = {}): AuditRecord {
  const time = overrides.time ?? Date.now();
  return {
    time,
    requestId: '7',
    decisionId: newDecisionId(time),
    grantId: '3f9c0a1d5e7b2c48',
    grantLabel: 'ci-runner',
    session: 'session-1',
    method: 'tools/call',
    serverId: 'github',
    tool: 'create_issue',
    decision: 'allow',
    rule: '/tools/create_issue',
    message: 'Tool create_issue is allowed by policy.',
    policyRevision: 'a1b2c3d4e5f6',
    approvalId: null,
    shadowed: null,
    argumentKeys: ['repo', 'title'],
    gatewayLatencyMs: 0.412,
    serverLatencyMs: 35.25,
    outcome: 'ok',
    ...overrides,
  };
}

/** Polls until `check` passes or a second has gone by (then fails with check's last error). */
async function eventually(check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 1000;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resume) => setTimeout(resume, 10));
    }
  }
}

/**
 * The behaviour every AuditSink must have, whatever it stores records in. Each implementation's test calls this
 * with a factory that returns a fresh, empty sink with the given options, and a reader of its store.
 */
export function runAuditSinkContract(
  name: string,
  make: (options: AuditSinkOptions) => Promise<AuditSinkUnderTest> | AuditSinkUnderTest,
): void {
  describe(`AuditSink contract: ${name}`, () => {
    it('stores each record exactly once, every field as written, in the order written', async () => {
      const { sink, stored } = await make({ logger: recordingLogger() });
      const records = [
        sampleRecord(),
        sampleRecord({
          decision: 'deny',
          outcome: 'refused',
          rule: '(default deny)',
          serverLatencyMs: null,
          grantId: null,
          grantLabel: null,
          requestId: null,
        }),
        sampleRecord({ decision: 'unknown_tool', serverId: null, rule: null, message: null, policyRevision: null }),
        sampleRecord({ shadowed: { decision: 'rate_limited', rule: '/all_tools/limits/0' }, approvalId: 'apr_1' }),
        sampleRecord({
          arguments: { repo: 'a/b', token: '[redacted]', nested: [1, { x: null }] },
          redacted: ['args.token'],
          argumentKeys: ['repo', 'token', 'nested'],
        }),
        sampleRecord({ arguments: null, redacted: [], argumentKeys: [] }),
      ];
      for (const record of records) sink.write(record);
      await sink.flush();
      await sink.flush();
      expect(await stored()).toEqual(records);
      expect(sink.stats()).toMatchObject({ written: records.length, pending: 0, dropped: 0 });
      await sink.close();
      expect(await stored()).toEqual(records);
    });

    it('does not store anything until a batch is due', async () => {
      const { sink, stored } = await make({ logger: recordingLogger(), batchSize: 100, flushMs: 60_000 });
      sink.write(sampleRecord());
      sink.write(sampleRecord());
      await new Promise((resume) => setTimeout(resume, 30));
      expect(await stored()).toEqual([]);
      expect(sink.stats().pending).toBe(2);
      await sink.close();
      expect(await stored()).toHaveLength(2);
    });

    it('stores a batch as soon as batchSize records are queued, without a flush', async () => {
      const { sink, stored } = await make({ logger: recordingLogger(), batchSize: 10, flushMs: 60_000 });
      const records = Array.from({ length: 10 }, () => sampleRecord());
      for (const record of records) sink.write(record);
      await eventually(async () => expect(await stored()).toEqual(records));
      await sink.close();
    });

    it('stores a partial batch flushMs after it started, without a flush', async () => {
      const { sink, stored } = await make({ logger: recordingLogger(), batchSize: 100, flushMs: 25 });
      const record = sampleRecord();
      sink.write(record);
      await eventually(async () => expect(await stored()).toEqual([record]));
      await sink.close();
    });

    it('stores everything queued on close, across several batches', async () => {
      const { sink, stored } = await make({ logger: recordingLogger(), batchSize: 100, flushMs: 60_000 });
      const records = Array.from({ length: 250 }, (_, index) => sampleRecord({ requestId: String(index) }));
      for (const record of records) sink.write(record);
      await sink.close();
      expect(await stored()).toEqual(records);
      expect(sink.stats()).toMatchObject({ written: 250, pending: 0, dropped: 0 });
      await sink.close();
    });

    it('reports a record written after close, without throwing, and does not store it', async () => {
      const logger = recordingLogger();
      const { sink, stored } = await make({ logger });
      sink.write(sampleRecord());
      await sink.close();
      expect(() => sink.write(sampleRecord({ requestId: 'late' }))).not.toThrow();
      expect(sink.stats().dropped).toBe(1);
      expect(logger.lines.some((line) => line.level === 'error' && /after the sink closed/.test(line.message))).toBe(
        true,
      );
      expect((await stored()).map((record) => record.requestId)).toEqual(['7']);
      await expect(sink.flush()).resolves.toBeUndefined();
    });

    it('keeps every record of many concurrent writers, each writer’s in its order', async () => {
      const { sink, stored } = await make({ logger: recordingLogger(), batchSize: 7, flushMs: 5 });
      const writers = 40;
      const each = 25;
      await Promise.all(
        Array.from({ length: writers }, async (_, writer) => {
          for (let index = 0; index < each; index++) {
            sink.write(sampleRecord({ session: `s${writer}`, requestId: String(index) }));
            // Interleave the writers with the sink's own timers and batches.
            if (index % 3 === 0) await new Promise((resume) => setTimeout(resume, Math.random() * 4));
            else await Promise.resolve();
          }
        }),
      );
      await sink.close();
      const records = await stored();
      expect(records).toHaveLength(writers * each);
      expect(new Set(records.map((record) => record.decisionId)).size).toBe(writers * each);
      for (let writer = 0; writer < writers; writer++) {
        const own = records.filter((record) => record.session === `s${writer}`).map((record) => record.requestId);
        expect(own).toEqual(Array.from({ length: each }, (_, index) => String(index)));
      }
    });

    it('drops a record that cannot be stored, alone, and reports it', async () => {
      const logger = recordingLogger();
      const { sink, stored } = await make({ logger });
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      const good = [sampleRecord(), sampleRecord()];
      sink.write(good[0]!);
      expect(() => sink.write(sampleRecord({ arguments: circular, redacted: [] }))).not.toThrow();
      expect(() => sink.write(sampleRecord({ arguments: { n: 10n }, redacted: [] }))).not.toThrow();
      sink.write(good[1]!);
      await sink.close();
      expect(await stored()).toEqual(good);
      expect(sink.stats()).toMatchObject({ written: 2, dropped: 2 });
      // Each lost record is reported (a sink made of several may report it once for each).
      expect(logger.lines.filter((line) => /cannot be encoded/.test(line.message)).length).toBeGreaterThanOrEqual(2);
    });

    it('flushes an empty sink and closes twice without complaint', async () => {
      const logger = recordingLogger();
      const { sink, stored } = await make({ logger });
      await sink.flush();
      await sink.close();
      await sink.close();
      expect(await stored()).toEqual([]);
      expect(logger.lines).toEqual([]);
    });
  });
}
