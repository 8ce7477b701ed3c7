import type { PostgresDb } from '../state/postgres-db.js';
import {
  AuditQueryError,
  DEFAULT_AUDIT_PAGE_SIZE,
  MAX_AUDIT_PAGE_SIZE,
  type AuditBucket,
  type AuditFilter,
  type AuditPage,
  type AuditPosition,
  type AuditQuery,
  type AuditReader,
  type AuditTail,
} from './audit-reader.js';
import type { AuditDecision, AuditRecord } from './audit-record.js';
import { AUDIT_COLUMNS, fromAuditRow, type AuditRow } from './audit-row.js';
import { withoutNul } from './postgres-audit-sink.js';

const DEFAULT_TAIL_SIZE = 20;
const SELECT = `SELECT seq, ${AUDIT_COLUMNS.join(', ')} FROM audit_records`;

type StoredRow = AuditRow & { seq: number };

/**
 * The audit trail in PostgreSQL, read as SqliteAuditReader reads it in SQLite, with the same answers and the same
 * cursors and positions. Pages are read by keyset on (time, seq). Positions are seqs, which the sink hands out in
 * commit order (appendAuditRows): once a reader has seen one, no smaller one can appear.
 */
export class PostgresAuditReader implements AuditReader {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async query(query: AuditQuery): Promise<AuditPage> {
    const limit = pageSize(query.limit, DEFAULT_AUDIT_PAGE_SIZE);
    const newestFirst = (query.order ?? 'newest_first') === 'newest_first';
    const sql = new Conditions(query);
    if (query.after !== undefined) {
      const cursor = parseCursor(query.after);
      sql.where.push(
        `(time, seq) ${newestFirst ? '<' : '>'} (${sql.parameter(cursor.time)}, ${sql.parameter(cursor.seq)})`,
      );
    }
    const direction = newestFirst ? 'DESC' : 'ASC';
    // One more than a page, to tell whether another page follows without handing out a cursor to an empty one.
    const rows = await this.#db.rows<StoredRow>(
      `${SELECT} ${sql.clause()} ORDER BY time ${direction}, seq ${direction} LIMIT ${limit + 1}`,
      sql.parameters,
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      records: page.map(fromAuditRow),
      next: rows.length > limit && last !== undefined ? `${last.time}.${last.seq}` : null,
    };
  }

  async tail(filter: AuditFilter, options: { after?: AuditPosition; limit?: number } = {}): Promise<AuditTail> {
    const limit = pageSize(options.limit, DEFAULT_TAIL_SIZE);
    // Read up to what is committed now: every seq below it is committed too (or never will be), as appends
    // take their seqs in commit order.
    const [newestRow] = await this.#db.rows<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM audit_records');
    const newest = newestRow?.seq ?? 0;
    const sql = new Conditions(filter);
    sql.where.push(`seq <= ${sql.parameter(newest)}`);
    if (options.after === undefined) {
      const rows = await this.#db.rows<StoredRow>(
        `${SELECT} ${sql.clause()} ORDER BY seq DESC LIMIT ${limit}`,
        sql.parameters,
      );
      return { records: rows.reverse().map(fromAuditRow), position: newest };
    }
    sql.where.push(`seq > ${sql.parameter(Math.floor(options.after))}`);
    const rows = await this.#db.rows<StoredRow>(
      `${SELECT} ${sql.clause()} ORDER BY seq ASC LIMIT ${limit}`,
      sql.parameters,
    );
    // A full page may have more behind it: go on from its last row. Otherwise everything up to `newest` was
    // read, matching or not, so records the filter skips are not scanned again.
    const position = rows.length === limit ? rows.at(-1)!.seq : Math.max(newest, options.after);
    return { records: rows.map(fromAuditRow), position };
  }

  async get(decisionId: string): Promise<AuditRecord | undefined> {
    const [row] = await this.#db.rows<StoredRow>(`${SELECT} WHERE decision_id = $1`, [withoutNul(decisionId)]);
    return row && fromAuditRow(row);
  }

  async histogram(filter: AuditFilter & { since: number; until: number }, bucketMs: number): Promise<AuditBucket[]> {
    // One statement for every slice (a round trip each would cost more than the counting), grouped by the slice's
    // number; slices are whole milliseconds, as the audit service makes them.
    const width = Math.max(1, Math.ceil(bucketMs));
    const sql = new Conditions(filter);
    const since = sql.parameter(Math.ceil(filter.since));
    const rows = await this.#db.rows<{ slice: number; decision: AuditDecision; count: number }>(
      `SELECT (time - ${since}) / ${sql.parameter(width)} AS slice, decision, COUNT(*) AS count
         FROM audit_records ${sql.clause()} GROUP BY slice, decision`,
      sql.parameters,
    );
    const buckets: AuditBucket[] = [];
    const counts: Partial<Record<AuditDecision, number>>[] = [];
    for (let start = filter.since; start < filter.until; start += width) {
      const slice: Partial<Record<AuditDecision, number>> = {};
      counts.push(slice);
      buckets.push({ start, counts: slice });
    }
    for (const row of rows) {
      const slice = counts[row.slice];
      if (slice !== undefined) slice[row.decision] = row.count;
    }
    return buckets;
  }
}

/** The WHERE conditions of a filter, and their parameters ($1, $2, …) in order. */
class Conditions {
  readonly where: string[] = [];
  readonly parameters: (string | number)[] = [];

  constructor(filter: AuditFilter) {
    if (filter.grant !== undefined) {
      const grant = this.parameter(withoutNul(filter.grant));
      this.where.push(`(grant_label = ${grant} OR grant_id = ${grant})`);
    }
    if (filter.server !== undefined) this.where.push(`server = ${this.parameter(withoutNul(filter.server))}`);
    if (filter.tool !== undefined) this.where.push(`tool = ${this.parameter(withoutNul(filter.tool))}`);
    for (const column of ['decision', 'outcome'] as const) {
      const values = filter[column];
      if (values === undefined) continue;
      if (values.length === 0) this.where.push('FALSE');
      else this.where.push(`${column} IN (${values.map((value) => this.parameter(withoutNul(value))).join(', ')})`);
    }
    // Times are whole milliseconds: `time >= 1.5` is `time >= 2`, and `time < 1.5` is `time < 2`. Rounded here,
    // as a BIGINT parameter takes no fraction.
    if (filter.since !== undefined) this.where.push(`time >= ${this.parameter(Math.ceil(filter.since))}`);
    if (filter.until !== undefined) this.where.push(`time < ${this.parameter(Math.ceil(filter.until))}`);
  }

  /** Adds a parameter and returns its placeholder. */
  parameter(value: string | number): string {
    this.parameters.push(value);
    return `$${this.parameters.length}`;
  }

  clause(): string {
    return this.where.length === 0 ? '' : `WHERE ${this.where.join(' AND ')}`;
  }
}

function pageSize(asked: number | undefined, fallback: number): number {
  if (asked === undefined) return fallback;
  return Math.min(MAX_AUDIT_PAGE_SIZE, Math.max(1, Math.floor(asked)));
}

function parseCursor(cursor: string): { time: number; seq: number } {
  const match = /^(-?\d+)\.(\d+)$/.exec(cursor);
  if (!match) throw new AuditQueryError(`"${cursor}" is not an audit cursor: pass back the "next" of a page`);
  return { time: Number(match[1]), seq: Number(match[2]) };
}
