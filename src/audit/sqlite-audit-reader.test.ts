import { describe, expect, it, vi } from 'vitest';
import { ids, runAuditReaderContract, store, T0 } from '../../test/contract/audit-reader.contract.js';
import { recordingLogger, sampleRecord } from '../../test/contract/audit-sink.contract.js';
import { openStateDb } from '../state/state-db.js';
import { startAuditRetention } from './audit-retention.js';
import { SqliteAuditPruner } from './sqlite-audit-pruner.js';
import { SqliteAuditReader } from './sqlite-audit-reader.js';
import { SqliteAuditSink } from './sqlite-audit-sink.js';

runAuditReaderContract('SQLite', () => {
  const db = openStateDb(':memory:');
  return {
    sink: new SqliteAuditSink(db, { logger: recordingLogger() }),
    reader: new SqliteAuditReader(db),
    pruner: new SqliteAuditPruner(db),
  };
});

describe('audit retention on SQLite', () => {
  it('runs on a schedule, keeping retentionDays days, and stops', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const db = openStateDb(':memory:');
      const under = {
        sink: new SqliteAuditSink(db, { logger: recordingLogger() }),
        reader: new SqliteAuditReader(db),
        pruner: new SqliteAuditPruner(db),
      };
      const day = 86_400_000;
      const now = T0 + 40 * day;
      const logger = { ...recordingLogger(), info: () => undefined };
      const retention = startAuditRetention(under.pruner, {
        retentionDays: 30,
        logger,
        clock: { now: () => now, elapsed: () => 0 },
        intervalMs: 60_000,
      });
      await vi.advanceTimersByTimeAsync(0);
      await store(under, [
        sampleRecord({ time: now - 31 * day, requestId: 'expired' }),
        sampleRecord({ time: now - 29 * day, requestId: 'kept' }),
      ]);
      // The prune at start is over; the next one is the schedule's.
      await vi.advanceTimersByTimeAsync(59_999);
      expect(await ids(under.reader, {})).toEqual(['expired', 'kept']);
      await vi.advanceTimersByTimeAsync(1);
      await retention.stop();
      expect(await ids(under.reader, {})).toEqual(['kept']);
    } finally {
      vi.useRealTimers();
    }
  });
});
