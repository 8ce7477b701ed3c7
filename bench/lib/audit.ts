/**
 * Audit records written per second, sustained: the SQLite audit sink of src/audit (as built in dist/), with its
 * default batching (100 records a batch, one transaction each), into a state database file in a fresh temporary
 * folder, as the gateway would keep it (WAL journal).
 *
 * One producer writes records like a gateway's for allowed calls (a grant, a rule, a policy revision, argument
 * keys, latencies; no argument values) as fast as the sink keeps up: it stops writing while 5,000 records are
 * pending and lets the sink's timer store them, so nothing is dropped and the figure is what the store
 * sustains, record production included. At the end everything is flushed, the rows are counted, and the rate
 * is stored records over the whole time, flush included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import type * as RecordModule from '../../src/audit/audit-record.js';
import type * as SinkModule from '../../src/audit/sqlite-audit-sink.js';
import type * as StateModule from '../../src/state/state-db.js';
import { ROOT } from './targets.js';

async function load<T>(path: string): Promise<T> {
  return (await import(pathToFileURL(join(ROOT, 'dist/src', path)).href)) as T;
}

const HIGH_WATER = 5_000;

/** Records stored per second over `durationMs` of sustained writing, and how many the sink dropped (should be 0). */
export async function auditRate(durationMs: number): Promise<{ perSecond: number; written: number }> {
  const { newDecisionId } = await load<typeof RecordModule>('audit/audit-record.js');
  const { SqliteAuditSink } = await load<typeof SinkModule>('audit/sqlite-audit-sink.js');
  const { openStateDb } = await load<typeof StateModule>('state/state-db.js');

  const folder = mkdtempSync(join(tmpdir(), 'toolgate-bench-audit-'));
  const db = openStateDb(join(folder, 'state.db'));
  const problems: string[] = [];
  const logger = {
    warn: (_fields: object, message: string) => void problems.push(message),
    error: (_fields: object, message: string) => void problems.push(message),
  };
  const sink = new SqliteAuditSink(db, { logger });
  const record = (i: number): RecordModule.AuditRecord => {
    const time = Date.now();
    return {
      time,
      requestId: String(i),
      decisionId: newDecisionId(time),
      grantId: '3f9c0a1d5e7b2c48',
      grantLabel: 'bench',
      session: `session-${i % 16}`,
      method: 'tools/call',
      serverId: 'bench',
      tool: 'echo',
      decision: 'allow',
      rule: '/tools/echo',
      message: 'Tool "echo" on server "bench" is allowed by policy.',
      policyRevision: 'a1b2c3d4e5f6',
      approvalId: null,
      shadowed: null,
      argumentKeys: ['text'],
      gatewayLatencyMs: 0.412,
      serverLatencyMs: 0.35,
      outcome: 'ok',
    };
  };
  try {
    const start = process.hrtime.bigint();
    const end = start + BigInt(Math.round(durationMs * 1e6));
    let i = 0;
    while (process.hrtime.bigint() < end) {
      if (sink.stats().pending >= HIGH_WATER) {
        // Let the sink's timer store a batch.
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      for (let n = 0; n < 100; n++) sink.write(record(i++));
      // Yield now and then, as a gateway between calls would.
      if (i % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await sink.flush();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const stats = sink.stats();
    const stored = (db.prepare('SELECT COUNT(*) AS n FROM audit_records').get() as { n: number }).n;
    if (stats.dropped > 0 || stored !== stats.written || stored !== i) {
      throw new Error(`wrote ${i} records, stored ${stored}, dropped ${stats.dropped}: ${problems.join('; ')}`);
    }
    return { perSecond: stored / seconds, written: stored };
  } finally {
    await sink.close();
    db.close();
    rmSync(folder, { recursive: true, force: true });
  }
}
