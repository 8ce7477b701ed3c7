import { expect, it } from 'vitest';
import { ids, runAuditReaderContract, store, trail } from '../../test/contract/audit-reader.contract.js';
import { recordingLogger, sampleRecord } from '../../test/contract/audit-sink.contract.js';
import { describePostgres, freshPostgres } from '../../test/support/postgres.js';
import { PostgresAuditPruner } from './postgres-audit-pruner.js';
import { PostgresAuditReader } from './postgres-audit-reader.js';
import { PostgresAuditSink } from './postgres-audit-sink.js';

describePostgres('PostgresAuditReader', () => {
  runAuditReaderContract('PostgreSQL', async () => {
    const db = await freshPostgres();
    return {
      sink: new PostgresAuditSink(db, { logger: recordingLogger() }),
      reader: new PostgresAuditReader(db),
      pruner: new PostgresAuditPruner(db),
    };
  });

  it('finds what a hostile server named with a NUL, by the name it gave', async () => {
    const db = await freshPostgres();
    const under = {
      sink: new PostgresAuditSink(db, { logger: recordingLogger() }),
      reader: new PostgresAuditReader(db),
      pruner: new PostgresAuditPruner(db),
    };
    const record = sampleRecord({ tool: 'rm\u0000-rf', requestId: 'nul' });
    await store(under, [...trail(), record]);
    expect(await ids(under.reader, { tool: 'rm\u0000-rf' })).toEqual(['nul']);
    expect((await under.reader.get(record.decisionId))?.tool).toBe('rm\uFFFD-rf');
    expect(await under.reader.get('\u0000')).toBeUndefined();
  });
});
