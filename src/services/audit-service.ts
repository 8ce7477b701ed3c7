import {
  AUDIT_DECISIONS,
  AUDIT_OUTCOMES,
  type AuditDecision,
  type AuditOutcome,
  type AuditRecord,
} from '../audit/audit-record.js';
import {
  AuditQueryError,
  auditPages,
  type AuditFilter,
  type AuditPage,
  type AuditPosition,
  type AuditQuery,
  type AuditReader,
  type AuditTail,
  type AuditBucket,
} from '../audit/audit-reader.js';
import { parseTimeBound } from '../audit/time-bound.js';
import { ServiceError } from './service-error.js';

/** An audit filter as a person writes it (command-line flags, a query string): times as ISO 8601 or ages. */
export interface AuditFilterText {
  readonly grant?: string;
  readonly server?: string;
  readonly tool?: string;
  readonly decision?: readonly string[];
  readonly outcome?: readonly string[];
  readonly since?: string;
  readonly until?: string;
}

const DAY_MS = 86_400_000;
const MAX_HISTOGRAM_BUCKETS = 500;

/**
 * Reads the audit trail, the same for the CLI (`toolgate audit`), the admin API and the web console. The
 * gateway writes the trail while it is read (SQLite lets one process write while others read).
 */
export class AuditService {
  readonly #reader: AuditReader;

  constructor(reader: AuditReader) {
    this.#reader = reader;
  }

  /** One page of the records that match, newest first unless asked otherwise. */
  async query(query: AuditQuery): Promise<AuditPage> {
    try {
      return await this.#reader.query(query);
    } catch (error) {
      if (error instanceof AuditQueryError) throw new ServiceError('invalid', error.message);
      throw error;
    }
  }

  /** The last records stored, or those stored since `after`: for following the trail (see AuditReader.tail). */
  tail(filter: AuditFilter, options?: { readonly after?: AuditPosition; readonly limit?: number }): Promise<AuditTail> {
    return this.#reader.tail(filter, options);
  }

  /** One record, by its decision id. */
  get(decisionId: string): Promise<AuditRecord | undefined> {
    return this.#reader.get(decisionId);
  }

  /**
   * Calls by decision over time: `buckets` slices of [since, until) (until defaults to now, since to a day
   * before it).
   */
  async histogram(
    filter: AuditFilter,
    buckets: number,
    now: number,
  ): Promise<{ since: number; until: number; bucketMs: number; buckets: AuditBucket[] }> {
    if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_HISTOGRAM_BUCKETS) {
      throw new ServiceError('invalid', `buckets: expected a whole number from 1 to ${MAX_HISTOGRAM_BUCKETS}`);
    }
    const until = filter.until ?? now;
    const since = filter.since ?? until - DAY_MS;
    if (since >= until) throw new ServiceError('invalid', 'since: expected a time before until');
    const bucketMs = Math.max(1, Math.ceil((until - since) / buckets));
    return { since, until, bucketMs, buckets: await this.#reader.histogram({ ...filter, since, until }, bucketMs) };
  }

  /** Every record that matches, page after page, oldest first: for exports of any length. */
  pages(filter: AuditFilter): AsyncGenerator<AuditRecord[]> {
    return auditPages(this.#reader, filter);
  }
}

/**
 * The filter that `text` describes, ages counted back from `now`. Pure.
 * @param named how a field is named to the person who wrote it (`--since` on the command line).
 * @throws ServiceError `invalid`, naming the field, for a time that is not one or an unknown decision or outcome.
 */
export function parseAuditFilter(
  text: AuditFilterText,
  now: number,
  named: (field: keyof AuditFilterText) => string = (field) => field,
): AuditFilter {
  const bound = (field: 'since' | 'until'): number | undefined => {
    const value = text[field];
    if (value === undefined) return undefined;
    const time = parseTimeBound(value, now);
    if (typeof time !== 'number') throw new ServiceError('invalid', `${named(field)}: ${time.error}`);
    return time;
  };
  const words = <Word extends string>(field: 'decision' | 'outcome', known: readonly Word[]): Word[] | undefined => {
    const list = text[field];
    if (list === undefined) return undefined;
    const unknown = list.filter((word) => !(known as readonly string[]).includes(word));
    if (unknown.length > 0) {
      throw new ServiceError(
        'invalid',
        `${named(field)}: unknown: ${unknown.join(', ')}; expected ${known.join(', ')}`,
      );
    }
    return list as Word[];
  };
  const decision = words<AuditDecision>('decision', AUDIT_DECISIONS);
  const outcome = words<AuditOutcome>('outcome', AUDIT_OUTCOMES);
  const since = bound('since');
  const until = bound('until');
  return {
    ...(text.grant === undefined ? {} : { grant: text.grant }),
    ...(text.server === undefined ? {} : { server: text.server }),
    ...(text.tool === undefined ? {} : { tool: text.tool }),
    ...(decision === undefined ? {} : { decision }),
    ...(outcome === undefined ? {} : { outcome }),
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
  };
}
