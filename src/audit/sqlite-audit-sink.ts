import { BatchInsert } from '../state/batch-insert.js';
import type { StateDb } from '../state/state-db.js';
import type { AuditRecord } from './audit-record.js';
import { AUDIT_COLUMNS, toAuditRow, type AuditRow } from './audit-row.js';
import type { AuditSinkOptions } from './audit-sink.js';
import { BatchingAuditSink } from './batching-audit-sink.js';

/**
 * Audit records in the state database's `audit_records` table, where `toolgate audit` reads them. Each batch is
 * one transaction: all of it is stored or none. A record is stored at most once, keyed by its decisionId, so a
 * batch tried again after an ambiguous failure cannot duplicate one. While another process holds the database's
 * write lock, a batch waits for it as the database's opener chose (StateDb.write): in the gateway on a timer,
 * so calls go on and their records queue behind it.
 *
 * The database belongs to its opener: close() stores what is queued and leaves the database open; close the sink
 * before the database.
 */
export class SqliteAuditSink extends BatchingAuditSink<AuditRow> {
  readonly #db: StateDb;
  readonly #insert: BatchInsert<AuditRow>;

  constructor(db: StateDb, options: AuditSinkOptions) {
    super(options);
    this.#db = db;
    this.#insert = new BatchInsert<AuditRow>(
      db,
      'audit_records',
      AUDIT_COLUMNS,
      'ON CONFLICT (decision_id) DO NOTHING',
      (row, values, offset) => {
        for (let index = 0; index < AUDIT_COLUMNS.length; index++) values[offset + index] = row[AUDIT_COLUMNS[index]!];
      },
    );
  }

  protected encode(record: AuditRecord): AuditRow {
    return toAuditRow(record);
  }

  protected storeBatch(batch: readonly AuditRow[]): Promise<void> {
    return this.#db.write(() => this.#insert.run(batch));
  }

  protected release(): void {}
}
