import type { PostgresDb, PostgresQueries } from '../state/postgres-db.js';
import type { AuditRecord } from './audit-record.js';
import { AUDIT_COLUMNS, toAuditRow, type AuditRow } from './audit-row.js';
import type { AuditSinkOptions } from './audit-sink.js';
import { BatchingAuditSink } from './batching-audit-sink.js';

/** PostgreSQL takes at most 65,535 parameters in one statement: a larger batch goes in several, in one transaction. */
const ROWS_PER_STATEMENT = Math.floor(65_535 / AUDIT_COLUMNS.length);

/** The advisory lock (two-key form: this, and the schema's hash) that puts audit appends in one file. */
const APPEND_LOCK = 0x7467_6175; // 'tgau'

/**
 * Audit records in PostgreSQL's `audit_records` table, shared by every replica. Each batch is one transaction of
 * one multi-row INSERT: all of it is stored or none. A record is stored at most once, keyed by its decisionId, so
 * a batch tried again after an ambiguous failure (committed, but the connection broke before the answer came)
 * cannot duplicate one. While PostgreSQL is unreachable, records wait in memory, up to `maxPending`, and the
 * batch is tried again with backoff (BatchingAuditSink); flush() resolves once its batches are committed.
 *
 * The database belongs to its opener: close() stores what is queued and leaves the database open; close the sink
 * before the database.
 */
export class PostgresAuditSink extends BatchingAuditSink<AuditRow> {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb, options: AuditSinkOptions) {
    super(options);
    this.#db = db;
  }

  protected encode(record: AuditRecord): AuditRow {
    return toPostgresAuditRow(record);
  }

  protected storeBatch(batch: readonly AuditRow[]): Promise<void> {
    return this.#db.transaction((tx) => appendAuditRows(tx, batch));
  }

  protected release(): void {}
}

/**
 * Inserts rows in the transaction `tx`, after every other append to the table has committed or rolled back.
 *
 * `seq` is what `AuditReader.tail` follows, so a reader that has seen seq N must never find a smaller seq later.
 * An identity column hands out numbers when rows are inserted, not when they commit: two replicas' batches could
 * commit in the other order, and a tail reading between the two commits would skip the first batch for good.
 * Appends therefore take a transaction lock first, so numbers are handed out in commit order. The lock is per
 * schema (gateways sharing a database in different schemas do not wait for each other), and a connection that
 * goes quiet while holding it is ended by the server after a few seconds rather than holding every replica's
 * audit trail up.
 */
export async function appendAuditRows(tx: PostgresQueries, rows: readonly AuditRow[]): Promise<void> {
  await tx.run(
    `SET LOCAL idle_in_transaction_session_timeout = 5000;
     SELECT pg_advisory_xact_lock(${APPEND_LOCK}, hashtext(current_schema()))`,
  );
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
    const values: unknown[] = [];
    const tuples = chunk.map((row) => {
      const first = values.length;
      for (const column of AUDIT_COLUMNS) values.push(row[column]);
      return `(${AUDIT_COLUMNS.map((_, index) => `$${first + index + 1}`).join(', ')})`;
    });
    await tx.run(
      `INSERT INTO audit_records (${AUDIT_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}
       ON CONFLICT (decision_id) DO NOTHING`,
      values,
    );
  }
}

/**
 * toAuditRow, made acceptable to PostgreSQL. A value PostgreSQL refuses would fail its whole batch on every retry
 * and hold the trail up behind it, so: NUL characters, which TEXT cannot hold (a hostile server can put one in a
 * tool's name or a message), become U+FFFD, as they do in what the reader is asked for; a time with a fraction of
 * a millisecond, which BIGINT cannot hold, is rounded down. Values JSON encodes (arguments) need neither.
 */
function toPostgresAuditRow(record: AuditRecord): AuditRow {
  const row: Record<string, unknown> = { ...toAuditRow(record) };
  for (const [column, value] of Object.entries(row)) {
    if (typeof value === 'string') row[column] = withoutNul(value);
  }
  row.time = Math.floor(record.time);
  return row as unknown as AuditRow;
}

/** The text with each NUL replaced by U+FFFD, the replacement character. */
export function withoutNul(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD');
}
