import type { AuditDecision, AuditOutcome, AuditRecord } from './audit-record.js';

/** Which records to read. Every field given must match; a list matches any of its values. */
export interface AuditFilter {
  /** A grant's label or id. */
  readonly grant?: string;
  /** A server id. */
  readonly server?: string;
  /** A tool's name as its server gives it. */
  readonly tool?: string;
  readonly decision?: readonly AuditDecision[];
  readonly outcome?: readonly AuditOutcome[];
  /** Records whose time is at or after this, epoch ms. */
  readonly since?: number;
  /** Records whose time is before this, epoch ms. */
  readonly until?: number;
}

export interface AuditQuery extends AuditFilter {
  /** By the calls' times. Default `newest_first`. */
  readonly order?: 'newest_first' | 'oldest_first';
  /** Records per page: default 100, at most 1,000. */
  readonly limit?: number;
  /** The `next` cursor of the previous page, asked with the same filter and order. */
  readonly after?: string;
}

export interface AuditPage {
  readonly records: AuditRecord[];
  /** The cursor of the next page; null when this page is the last. */
  readonly next: string | null;
}

/** Where a tail has read up to: opaque, only ever passed back to `tail`. */
export type AuditPosition = number;

export interface AuditTail {
  /** Oldest first, in the order they were stored. */
  readonly records: AuditRecord[];
  /** Pass it back as `after` to read what is stored next. */
  readonly position: AuditPosition;
}

/** A query the reader cannot run (a cursor that is not one of its own), in words for the person who asked. */
export class AuditQueryError extends Error {
  override readonly name = 'AuditQueryError';
}

export const DEFAULT_AUDIT_PAGE_SIZE = 100;
export const MAX_AUDIT_PAGE_SIZE = 1000;

/**
 * Reads the audit trail, for `toolgate audit` and, later, the admin API. Implementations: SQLite, PostgreSQL
 * (the same answers, cursors and positions: test/contract/audit-reader.contract.ts).
 */
export interface AuditReader {
  /** One page of the records that match, in time order, newest or oldest first. */
  query(query: AuditQuery): Promise<AuditPage>;
  /**
   * For following the trail as it is written. Without `after`: the last `limit` matching records stored (default
   * 20), oldest first. With it: the matching records stored since that position, oldest first, at most `limit`
   * (ask again from the new position for more). Records appear in the order they were stored, which is the
   * order calls ended, not the order of their times.
   */
  tail(filter: AuditFilter, options?: { readonly after?: AuditPosition; readonly limit?: number }): Promise<AuditTail>;
  /** The record with this decision id. */
  get(decisionId: string): Promise<AuditRecord | undefined>;
  /**
   * How many matching records each decision had in each `bucketMs` slice of [since, until): for the console's
   * chart. Counted by the store, so it costs the matching rows, never a read of whole records.
   */
  histogram(
    filter: AuditFilter & { readonly since: number; readonly until: number },
    bucketMs: number,
  ): Promise<AuditBucket[]>;
}

/** One slice of time of a histogram: its start (epoch ms) and how many records each decision had in it. */
export interface AuditBucket {
  readonly start: number;
  readonly counts: Readonly<Partial<Record<AuditDecision, number>>>;
}

/**
 * Every record that matches, page after page, in time order: for exports, which must not hold the whole trail in
 * memory. Records stored while it runs are included when they fall after the page being read.
 */
export async function* auditPages(
  reader: AuditReader,
  filter: AuditFilter,
  order: 'newest_first' | 'oldest_first' = 'oldest_first',
): AsyncGenerator<AuditRecord[]> {
  let after: string | undefined;
  do {
    const page = await reader.query({ ...filter, order, limit: MAX_AUDIT_PAGE_SIZE, after });
    if (page.records.length > 0) yield page.records;
    after = page.next ?? undefined;
  } while (after !== undefined);
}
