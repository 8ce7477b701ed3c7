/**
 * The audit viewer's filters, and their two spellings: the hash query a view is linked by
 * (`#/audit?tool=write_file&decision=deny,approved&range=1h`) and the admin API's query. Pure.
 */

/** Time ranges offered as presets: ages the API reads as they are (`since=15m`). */
export const RANGE_PRESETS = ['15m', '1h', '24h', '7d'] as const;
export type RangeChoice = (typeof RANGE_PRESETS)[number] | 'all' | 'custom';

/** Without a range in the link, the viewer shows the last day: the chart's own default span. */
const DEFAULT_RANGE: RangeChoice = '24h';

export interface AuditFilters {
  readonly grant: string;
  readonly server: string;
  readonly tool: string;
  readonly decisions: readonly string[];
  readonly range: RangeChoice;
  /** For `custom`: ISO times; either may be ''. */
  readonly since: string;
  readonly until: string;
}

export const NO_FILTERS: AuditFilters = {
  grant: '',
  server: '',
  tool: '',
  decisions: [],
  range: DEFAULT_RANGE,
  since: '',
  until: '',
};

const RANGES: readonly string[] = [...RANGE_PRESETS, 'all', 'custom'];

/** The filters of a hash query (`tool=x&decision=a,b&range=1h`); what is missing or unknown takes the default. */
export function filtersFromQuery(query: string): AuditFilters {
  const search = new URLSearchParams(query);
  const text = (key: string) => search.get(key)?.trim() ?? '';
  const range = text('range');
  return {
    grant: text('grant'),
    server: text('server'),
    tool: text('tool'),
    decisions: text('decision')
      .split(',')
      .map((word) => word.trim())
      .filter((word) => word !== ''),
    range: RANGES.includes(range) ? (range as RangeChoice) : DEFAULT_RANGE,
    since: range === 'custom' ? text('since') : '',
    until: range === 'custom' ? text('until') : '',
  };
}

/** The hash query of the filters: only what differs from the defaults, in a fixed order, so equal views link alike. */
export function filtersToQuery(filters: AuditFilters): string {
  const search = new URLSearchParams();
  if (filters.grant !== '') search.set('grant', filters.grant);
  if (filters.server !== '') search.set('server', filters.server);
  if (filters.tool !== '') search.set('tool', filters.tool);
  if (filters.decisions.length > 0) search.set('decision', filters.decisions.join(','));
  if (filters.range !== DEFAULT_RANGE) search.set('range', filters.range);
  if (filters.range === 'custom') {
    if (filters.since !== '') search.set('since', filters.since);
    if (filters.until !== '') search.set('until', filters.until);
  }
  return search.toString();
}

/** The address of a view of the audit viewer. */
export function auditHash(filters: AuditFilters): string {
  const query = filtersToQuery(filters);
  return query === '' ? '#/audit' : `#/audit?${query}`;
}

/** The query part of a location hash (`#/audit?x=1` → `x=1`). */
export function hashQuery(hash: string): string {
  const at = hash.indexOf('?');
  return at === -1 ? '' : hash.slice(at + 1);
}

/** The admin API's filter parameters (GET /admin/audit, /histogram, /export): empty ones left out. */
export function apiFilter(filters: AuditFilters): Record<string, string> {
  const query: Record<string, string> = {};
  if (filters.grant !== '') query.grant = filters.grant;
  if (filters.server !== '') query.server = filters.server;
  if (filters.tool !== '') query.tool = filters.tool;
  if (filters.decisions.length > 0) query.decision = filters.decisions.join(',');
  if ((RANGE_PRESETS as readonly string[]).includes(filters.range)) query.since = filters.range;
  if (filters.range === 'custom') {
    if (filters.since !== '') query.since = filters.since;
    if (filters.until !== '') query.until = filters.until;
  }
  return query;
}

/** `a=1&b=2` for a link (the export's). */
export function queryString(query: Record<string, string>): string {
  return new URLSearchParams(query).toString();
}

/** A `datetime-local` field's value (local time, to the minute) for an ISO time; '' for none or a bad one. */
export function toLocalInput(iso: string): string {
  const time = Date.parse(iso);
  if (iso === '' || Number.isNaN(time)) return '';
  const date = new Date(time);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}T${two(date.getHours())}:${two(date.getMinutes())}`;
}

/** The ISO time of a `datetime-local` value, read in local time; '' for none or a bad one. */
export function fromLocalInput(value: string): string {
  const time = new Date(value).getTime();
  return value === '' || Number.isNaN(time) ? '' : new Date(time).toISOString();
}
