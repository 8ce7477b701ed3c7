import type { Context } from 'hono';
import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import { toAuditJson, toAuditJsonLine } from '../audit/audit-record.js';
import { MAX_AUDIT_PAGE_SIZE, type AuditFilter } from '../audit/audit-reader.js';
import { approvalView } from '../services/approval-service.js';
import { parseAuditFilter } from '../services/audit-service.js';
import type { AdminContext } from './admin-context.js';
import { needs, optional, type AdminEnv } from './operator.js';

/** Records a page of `GET /admin/audit` holds unless `limit` says otherwise: as many as `toolgate audit query` prints. */
const DEFAULT_AUDIT_LIMIT = 50;
/** Bars of the console's chart unless `buckets` says otherwise. */
const DEFAULT_BUCKETS = 48;

/** The audit trail: pages, one record with its approval, calls by decision over time, and a JSON Lines export. */
export function auditRoutes({ services, clock }: AdminContext): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  app.use('*', needs('read'));
  app.get('/', async (c) => {
    const order = c.req.query('order') ?? 'newest_first';
    if (order !== 'newest_first' && order !== 'oldest_first') {
      return c.json({ error: 'order: expected newest_first or oldest_first' }, 400);
    }
    const limitText = c.req.query('limit');
    const limit = limitText === undefined ? DEFAULT_AUDIT_LIMIT : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE_SIZE) {
      return c.json({ error: `limit: expected a whole number from 1 to ${MAX_AUDIT_PAGE_SIZE}` }, 400);
    }
    const after = c.req.query('after');
    const page = await services.audit.query({
      ...filterOf(c, clock.now()),
      order,
      limit,
      ...optional('after', after),
    });
    return c.json({ records: page.records.map(toAuditJson), next: page.next });
  });
  app.get('/histogram', async (c) => {
    const text = c.req.query('buckets');
    const buckets = text === undefined ? DEFAULT_BUCKETS : Number(text);
    const now = clock.now();
    return c.json(await services.audit.histogram(filterOf(c, now), buckets, now));
  });
  app.get('/records/:id', async (c) => {
    const record = await services.audit.get(c.req.param('id'));
    if (!record) return c.json({ error: 'no such record' }, 404);
    const approval = record.approvalId === null ? undefined : await services.approvals.get(record.approvalId);
    return c.json({ record: toAuditJson(record), approval: approval ? approvalView(approval, '[hidden]') : null });
  });
  // Streamed page by page: an export of a million records never sits whole in memory.
  app.get('/export', async (c) => {
    const filter = filterOf(c, clock.now());
    c.header('content-type', 'application/x-ndjson; charset=utf-8');
    c.header(
      'content-disposition',
      `attachment; filename="toolgate-audit-${new Date(clock.now()).toISOString().slice(0, 10)}.jsonl"`,
    );
    return stream(c, async (out) => {
      for await (const records of services.audit.pages(filter)) {
        await out.write(records.map((record) => `${toAuditJsonLine(record)}\n`).join(''));
      }
    });
  });
  return app;
}

/** The filter of a query string: `grant`, `server`, `tool`, `decision` and `outcome` (comma lists), `since`, `until`. */
function filterOf(c: Context<AdminEnv>, now: number): AuditFilter {
  const text = (name: string) => {
    const value = c.req.query(name);
    return value === '' ? undefined : value;
  };
  const list = (name: string) =>
    text(name)
      ?.split(',')
      .map((word) => word.trim());
  return parseAuditFilter(
    {
      ...optional('grant', text('grant')),
      ...optional('server', text('server')),
      ...optional('tool', text('tool')),
      ...optional('decision', list('decision')),
      ...optional('outcome', list('outcome')),
      ...optional('since', text('since')),
      ...optional('until', text('until')),
    },
    now,
  );
}
