import type { StateDb } from '../state/state-db.js';
import {
  AuditQueryError,
  DEFAULT_AUDIT_PAGE_SIZE,
  MAX_AUDIT_PAGE_SIZE,
  type AuditFilter,
  type AuditPage,
  type AuditPosition,
  type AuditQuery,
  type AuditReader,
  type AuditTail,
  type AuditBucket,
} from './audit-reader.js';
import type { AuditDecision, AuditRecord } from './audit-record.js';
import { AUDIT_COLUMNS, fromAuditRow, type AuditRow } from './audit-row.js';

const DEFAULT_TAIL_SIZE = 20;
const SELECT = `SELECT seq, ${AUDIT_COLUMNS.join(', ')} FROM audit_records`;

type StoredRow = AuditRow & { seq: number };
type Parameters = Record<string, string | number>;

/**
 * The audit trail in the state database. Pages are read by keyset on (time, seq), so a page costs the same
 * however deep into the trail it is, and records stored while paging never shift a page.
 */
export class SqliteAuditReader implements AuditReader {
  readonly #db: StateDb;

  constructor(db: StateDb) {
    this.#db = db;
  }

  async query(query: AuditQuery): Promise<AuditPage> {
    const limit = pageSize(query.limit, DEFAULT_AUDIT_PAGE_SIZE);
    const newestFirst = (query.order ?? 'newest_first') === 'newest_first';
    const { where, parameters } = conditions(query);
    if (query.after !== undefined) {
      const cursor = parseCursor(query.after);
      where.push(`(time, seq) ${newestFirst ? '<' : '>'} (@cursorTime, @cursorSeq)`);
      Object.assign(parameters, { cursorTime: cursor.time, cursorSeq: cursor.seq });
    }
    const direction = newestFirst ? 'DESC' : 'ASC';
    // One more than a page, to tell whether another page follows without handing out a cursor to an empty one.
    const rows = this.#db
      .prepare<[Parameters], StoredRow>(
        `${SELECT} ${whereClause(where)} ORDER BY time ${direction}, seq ${direction} LIMIT ${limit + 1}`,
      )
      .all(parameters);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      records: page.map(fromAuditRow),
      next: rows.length > limit && last !== undefined ? `${last.time}.${last.seq}` : null,
    };
  }

  async tail(filter: AuditFilter, options: { after?: AuditPosition; limit?: number } = {}): Promise<AuditTail> {
    const limit = pageSize(options.limit, DEFAULT_TAIL_SIZE);
    // Read up to what is stored now; a reader never sees a later seq before an earlier one, as SQLite has one
    // writer at a time and seq is assigned inside the writing transaction.
    const newest =
      this.#db.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM audit_records').get()?.seq ?? 0;
    const { where, parameters } = conditions(filter);
    where.push('seq <= @newest');
    parameters.newest = newest;
    if (options.after === undefined) {
      const rows = this.#db
        .prepare<[Parameters], StoredRow>(`${SELECT} ${whereClause(where)} ORDER BY seq DESC LIMIT ${limit}`)
        .all(parameters);
      return { records: rows.reverse().map(fromAuditRow), position: newest };
    }
    where.push('seq > @after');
    parameters.after = options.after;
    const rows = this.#db
      .prepare<[Parameters], StoredRow>(`${SELECT} ${whereClause(where)} ORDER BY seq ASC LIMIT ${limit}`)
      .all(parameters);
    // A full page may have more behind it: go on from its last row. Otherwise everything up to `newest` was
    // read, matching or not, so records the filter skips are not scanned again.
    const position = rows.length === limit ? rows.at(-1)!.seq : Math.max(newest, options.after);
    return { records: rows.map(fromAuditRow), position };
  }

  async get(decisionId: string): Promise<AuditRecord | undefined> {
    const row = this.#db.prepare<[string], StoredRow>(`${SELECT} WHERE decision_id = ?`).get(decisionId);
    return row && fromAuditRow(row);
  }

  async histogram(filter: AuditFilter & { since: number; until: number }, bucketMs: number): Promise<AuditBucket[]> {
    // One count per slice, each a range of the (time, decision) index: a GROUP BY on the slice's number would sort
    // every matching row in a temporary tree, ten times slower over a million records.
    const { where, parameters } = conditions({ ...filter, since: 0, until: 0 });
    const count = this.#db.prepare<[Parameters], BucketRow>(
      `SELECT decision, COUNT(*) AS count FROM audit_records ${whereClause(where)} GROUP BY decision`,
    );
    const buckets: AuditBucket[] = [];
    for (let start = filter.since; start < filter.until; start += bucketMs) {
      const counts: Partial<Record<AuditDecision, number>> = {};
      for (const row of count.all({ ...parameters, since: start, until: Math.min(filter.until, start + bucketMs) })) {
        counts[row.decision] = Number(row.count);
      }
      buckets.push({ start, counts });
    }
    return buckets;
  }
}

/** A histogram's row: a decision and its count in one slice of time. */
interface BucketRow {
  decision: AuditDecision;
  count: number;
}

/** The WHERE conditions of a filter, with named parameters. */
function conditions(filter: AuditFilter): { where: string[]; parameters: Parameters } {
  const where: string[] = [];
  const parameters: Parameters = {};
  if (filter.grant !== undefined) {
    where.push('(grant_label = @grant OR grant_id = @grant)');
    parameters.grant = filter.grant;
  }
  if (filter.server !== undefined) {
    where.push('server = @server');
    parameters.server = filter.server;
  }
  if (filter.tool !== undefined) {
    where.push('tool = @tool');
    parameters.tool = filter.tool;
  }
  for (const column of ['decision', 'outcome'] as const) {
    const values = filter[column];
    if (values === undefined) continue;
    if (values.length === 0) where.push('0');
    else {
      where.push(`${column} IN (${values.map((_, index) => `@${column}${index}`).join(', ')})`);
      values.forEach((value, index) => (parameters[`${column}${index}`] = value));
    }
  }
  if (filter.since !== undefined) {
    where.push('time >= @since');
    parameters.since = filter.since;
  }
  if (filter.until !== undefined) {
    where.push('time < @until');
    parameters.until = filter.until;
  }
  return { where, parameters };
}

function whereClause(where: readonly string[]): string {
  return where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
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
