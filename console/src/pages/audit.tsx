import { useEffect, useState } from 'preact/hooks';
import type { PageProps } from '../app.js';
import { ApiError } from '../api.js';
import { usePolling } from '../approvals/use-polling.js';
import { auditHistogram, auditPage, PAGE_SIZE } from '../audit/audit-api.js';
import { AuditFilterForm } from '../audit/audit-filter-form.js';
import {
  apiFilter,
  auditHash,
  filtersFromQuery,
  filtersToQuery,
  hashQuery,
  queryString,
  type AuditFilters,
} from '../audit/audit-filters.js';
import { mergeNewer, tailSince, type AuditJson } from '../audit/audit-records.js';
import { AuditTable } from '../audit/audit-table.js';
import { HistogramChart } from '../audit/histogram-chart.js';
import type { Histogram } from '../audit/histogram-layout.js';
import { RecordDetail } from '../audit/record-detail.js';
import type { GrantView } from '../grants/grant-view.js';
import { listGrants, listTools } from '../policy/policy-api.js';
import type { ToolRow } from '../tools/tool-row.js';

/** The live tail asks this often. */
const TAIL_MS = 2000;
/** Records the table keeps while tailing: the newest, a screenful or five. */
const TAIL_CAP = 500;
const BUCKETS = 48;

/**
 * The audit trail: filters kept in the address (`#/audit?tool=x&range=1h`, so a view can be linked), a chart of
 * calls by decision over time, a page of records at a time (Older / Newer), a live tail, each record's detail
 * with its approval, and the filtered records as JSON Lines.
 */
export function AuditPage(_props: PageProps) {
  const query = hashQuery(location.hash);
  const filters = filtersFromQuery(query);
  const view = filtersToQuery(filters);
  const api = apiFilter(filters);
  /** The `after` cursor of each page shown so far: the last is this page's; Newer goes back one. */
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<{ records: AuditJson[]; next: string | null } | null>(null);
  const [histogram, setHistogram] = useState<Histogram | null>(null);
  const [live, setLive] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  const [news, setNews] = useState('');
  const [error, setError] = useState('');
  const [tools, setTools] = useState<readonly ToolRow[]>([]);
  const [grants, setGrants] = useState<readonly GrantView[]>([]);
  const after = cursors.at(-1);

  useEffect(() => {
    listTools()
      .then(({ tools }) => setTools(tools))
      .catch(() => undefined);
    listGrants()
      .then(({ grants }) => setGrants(grants))
      .catch(() => undefined);
  }, []);
  // A new view starts from its newest page.
  useEffect(() => setCursors([undefined]), [view]);
  useEffect(() => {
    let current = true;
    setError('');
    auditPage({ ...api, order: 'newest_first', limit: String(PAGE_SIZE), ...(after === undefined ? {} : { after }) })
      .then((answer) => current && setPage(answer))
      .catch((failure: unknown) => current && setError(messageOf(failure)));
    return () => {
      current = false;
    };
    // `api` follows `view`; the page is read again when the view or the cursor changes.
  }, [view, after]);
  useEffect(() => {
    auditHistogram(api, BUCKETS)
      .then(setHistogram)
      .catch(() => setHistogram(null));
  }, [view]);

  // The tail: records newer than the newest shown, merged in at the top, on the newest page only.
  const tailing = live && cursors.length === 1 && filters.until === '';
  usePolling(
    async () => {
      if (page === null) return;
      const answer = await auditPage({
        ...api,
        since: tailSince(page.records, Date.now()),
        order: 'newest_first',
        limit: String(PAGE_SIZE),
      });
      const merged = mergeNewer(page.records, answer.records, TAIL_CAP);
      if (merged.added > 0) {
        setPage({ records: merged.records, next: page.next });
        setNews(`${merged.added} new record${merged.added === 1 ? '' : 's'}.`);
        setHistogram(await auditHistogram(api, BUCKETS));
      }
    },
    TAIL_MS,
    tailing,
  );

  function apply(next: AuditFilters) {
    location.hash = auditHash(next);
  }
  const grantNames = grants.map((grant) => grant.label);
  const serverNames = [...new Set(tools.map((tool) => tool.server))];
  const toolNames = [...new Set(tools.map((tool) => tool.tool))];
  return (
    <>
      <h1>Audit</h1>
      <AuditFilterForm
        key={view}
        filters={filters}
        onApply={apply}
        grants={grantNames}
        servers={serverNames}
        tools={toolNames}
      />
      <div class="audit-tools">
        <label class="checkbox">
          <input
            type="checkbox"
            checked={live}
            disabled={filters.until !== ''}
            onChange={(event) => {
              setLive(event.currentTarget.checked);
              if (event.currentTarget.checked) setCursors([undefined]);
            }}
          />
          Live tail (every 2 s)
        </label>
        <a class="button secondary" href={`/admin/audit/export?${queryString(api)}`} download>
          Export JSON Lines
        </a>
        <a href={auditHash(filters)} class="small">
          Link to this view
        </a>
      </div>
      <p aria-live="polite" role="status" class="status">
        {news}
      </p>
      {error !== '' && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {histogram !== null && <HistogramChart histogram={histogram} />}
      {page === null ? (
        <p class="loading">Loading…</p>
      ) : (
        <>
          <AuditTable records={page.records} onOpen={setOpen} />
          <nav class="pager" aria-label="Pages of records">
            <button
              type="button"
              class="secondary"
              disabled={cursors.length === 1}
              onClick={() => setCursors(cursors.slice(0, -1))}
            >
              Newer
            </button>
            <span class="muted small">
              Page {cursors.length} · {page.records.length} record{page.records.length === 1 ? '' : 's'}
            </span>
            <button
              type="button"
              class="secondary"
              disabled={page.next === null}
              onClick={() => {
                setLive(false);
                setCursors([...cursors, page.next ?? undefined]);
              }}
            >
              Older
            </button>
          </nav>
        </>
      )}
      {open !== null && <RecordDetail id={open} onClose={() => setOpen(null)} />}
    </>
  );
}

function messageOf(error: unknown): string {
  return error instanceof ApiError || error instanceof Error ? error.message : String(error);
}
