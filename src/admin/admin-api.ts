import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { toAuditJson } from '../audit/audit-record.js';
import { MAX_AUDIT_PAGE_SIZE } from '../audit/audit-reader.js';
import { APPROVAL_STATUSES, type ApprovalStatus } from '../approvals/approval.js';
import type { Clock } from '../clock.js';
import { parseAuditFilter } from '../services/audit-service.js';
import { approvalView, droppedReason, unresolvedReason } from '../services/approval-service.js';
import { grantView } from '../services/grant-service.js';
import { acceptedJson, parsePinTarget, waitingChangeJson } from '../services/pin-service.js';
import { inventoryRowView, type InventoryService } from '../services/inventory-service.js';
import type { RuleOptions } from '../inventory/recommended-rule.js';
import { ServiceError, type ServiceErrorCode } from '../services/service-error.js';
import type { Services } from '../services/services.js';
import { bearerToken } from '../grants/authenticate.js';

const STATUS_OF: Record<ServiceErrorCode, ContentfulStatusCode> = { not_found: 404, conflict: 409, invalid: 400 };

/** What the admin API sends in place of a value that looks like a secret, unless asked for it. */
const HIDDEN_MARKER = '[hidden secret — show with ?reveal=secrets]';

/** Records a page of `GET /admin/audit` holds unless `limit` says otherwise: as many as `toolgate audit query` prints. */
const DEFAULT_AUDIT_LIMIT = 50;

/**
 * The admin HTTP API, for approvers, their tools and the web console: approvals (list, show, approve, deny),
 * grants (read only: never a token or a hash) and the audit trail. It has its own credential (config
 * `admin.token`), so an agent's grant can never approve anything, its own calls least of all. Every route calls
 * the same services as the CLI.
 */
export function createAdminApi(services: Services, adminToken: string, clock: Clock): Hono {
  const app = new Hono();
  app.onError((error, c) => {
    if (error instanceof ServiceError) return c.json({ error: error.message }, STATUS_OF[error.code]);
    throw error;
  });
  app.use('*', async (c, next) => {
    if (!bearerMatches(c.req.header('authorization'), adminToken)) {
      return c.json({ error: 'unauthorized: send Authorization: Bearer <admin token>' }, 401, {
        'WWW-Authenticate': 'Bearer realm="toolgate-admin"',
      });
    }
    await next();
  });

  app.get('/approvals', async (c) => {
    const status = c.req.query('status');
    if (status !== undefined && !APPROVAL_STATUSES.includes(status as ApprovalStatus)) {
      return c.json({ error: `status: expected one of ${APPROVAL_STATUSES.join(', ')}` }, 400);
    }
    if (c.req.query('reveal') !== undefined) {
      return c.json({ error: 'reveal: one approval at a time, GET /admin/approvals/ID?reveal=secrets' }, 400);
    }
    const approvals = await services.approvals.list(status as ApprovalStatus | undefined);
    return c.json({ approvals: approvals.map((approval) => approvalView(approval, HIDDEN_MARKER)) });
  });
  app.get('/approvals/:id', async (c) => {
    const id = c.req.param('id');
    const reveal = c.req.query('reveal');
    if (reveal === undefined) {
      const approval = await services.approvals.get(id);
      return approval ? c.json(approvalView(approval, HIDDEN_MARKER)) : c.json({ error: 'no such approval' }, 404);
    }
    if (reveal !== 'secrets') return c.json({ error: 'reveal: expected "secrets"' }, 400);
    const by = c.req.query('by');
    const revealed = await services.approvals.reveal(
      id,
      by === undefined || by === '' ? 'admin-api' : `admin-api:${by}`,
    );
    switch (revealed.kind) {
      case 'revealed':
        return c.json(approvalView(revealed.approval));
      case 'dropped':
        return c.json({ error: droppedReason(revealed.approval) }, 409);
      case 'not_found':
        return c.json({ error: 'no such approval' }, 404);
    }
  });
  app.post('/approvals/:id/:verdict{approve|deny}', async (c) => {
    // Read whole rather than by Content-Length, which a chunked request does not send.
    const body = objectBody(await c.req.text());
    if (body === undefined) {
      return c.json({ error: 'expected a JSON body: { "reason"?: string, "by"?: string }' }, 400);
    }
    const reason = typeof body.reason === 'string' ? body.reason : null;
    const by = typeof body.by === 'string' && body.by !== '' ? `admin-api:${body.by}` : 'admin-api';
    const id = c.req.param('id');
    const verdict = c.req.param('verdict') === 'approve' ? 'approve' : 'deny';
    const resolution = await services.approvals.resolve(id, verdict, by, reason);
    switch (resolution.kind) {
      case 'resolved':
        return c.json(approvalView(resolution.approval, HIDDEN_MARKER));
      case 'not_found':
        return c.json({ error: unresolvedReason(id, resolution) }, 404);
      case 'already_resolved':
        return c.json({ error: unresolvedReason(id, resolution) }, 409);
    }
  });

  app.get('/grants', async (c) => c.json({ grants: (await services.grants.list()).map(grantView) }));

  app.get('/pins', async (c) => {
    const target = c.req.query('target');
    const changes = await services.pins.changes(target === undefined ? undefined : parsePinTarget(target));
    return c.json({ changes: changes.map(waitingChangeJson) });
  });
  app.post('/pins/accept', async (c) => {
    const body = objectBody(await c.req.text());
    if (body === undefined || typeof body.target !== 'string') {
      return c.json({ error: 'expected a JSON body: { "target": "SERVER" or "SERVER:TOOL", "by"?: string }' }, 400);
    }
    const by = typeof body.by === 'string' && body.by !== '' ? `admin-api:${body.by}` : 'admin-api';
    const accepted = await services.pins.accept(parsePinTarget(body.target), by);
    return c.json({ accepted: accepted.map(acceptedJson) });
  });

  // The inventory: every tool of the gateway's servers, classified, and what a grant's policy does with it.
  app.get('/tools', async (c) => {
    const grant = c.req.query('grant');
    const { inventory, rows } = await inventoryOf(services).rows(grant);
    return c.json({ tools: rows.map(inventoryRowView), unlisted: inventory.unlisted });
  });
  app.get('/tools/:name', async (c) =>
    c.json(await inventoryOf(services).page(c.req.param('name'), ruleOptionsOf(c.req.query()))),
  );
  app.get('/policy/suggest', async (c) => {
    const { suggested } = await inventoryOf(services).suggest(ruleOptionsOf(c.req.query()));
    return c.json(suggested);
  });

  app.get('/audit', async (c) => {
    const text = (name: string) => c.req.query(name);
    const list = (name: string) =>
      text(name)
        ?.split(',')
        .map((word) => word.trim());
    const filter = parseAuditFilter(
      {
        ...optional('grant', text('grant')),
        ...optional('server', text('server')),
        ...optional('tool', text('tool')),
        ...optional('decision', list('decision')),
        ...optional('outcome', list('outcome')),
        ...optional('since', text('since')),
        ...optional('until', text('until')),
      },
      clock.now(),
    );
    const order = text('order') ?? 'newest_first';
    if (order !== 'newest_first' && order !== 'oldest_first') {
      return c.json({ error: 'order: expected newest_first or oldest_first' }, 400);
    }
    const limitText = text('limit');
    const limit = limitText === undefined ? DEFAULT_AUDIT_LIMIT : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE_SIZE) {
      return c.json({ error: `limit: expected a whole number from 1 to ${MAX_AUDIT_PAGE_SIZE}` }, 400);
    }
    const after = text('after');
    const page = await services.audit.query({ ...filter, order, limit, ...optional('after', after) });
    return c.json({ records: page.records.map(toAuditJson), next: page.next });
  });
  return app;
}

/** The body of a POST: none, or a JSON object; undefined for anything else. */
function objectBody(text: string): Record<string, unknown> | undefined {
  if (text.trim() === '') return {};
  try {
    const body: unknown = JSON.parse(text);
    return typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** `{ [key]: value }`, or nothing when the query string leaves it out. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * True when an Authorization header carries `Bearer <expected>`. Compared as digests, in constant time: neither
 * the content nor the length of the expected token leaks through timing.
 */
export function bearerMatches(header: string | undefined, expected: string): boolean {
  const token = bearerToken(header);
  return token !== undefined && timingSafeEqual(digest(token), digest(expected));
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function inventoryOf(services: Services): InventoryService {
  if (!services.inventory) throw new ServiceError('not_found', 'This gateway keeps no inventory');
  return services.inventory;
}

/** `?destructive=hide|approve&root=/dir`: how the recommended rules are written. */
function ruleOptionsOf(query: Record<string, string>): RuleOptions {
  const destructive = query.destructive ?? 'hide';
  if (destructive !== 'hide' && destructive !== 'approve') {
    throw new ServiceError('invalid', `destructive: expected "hide" or "approve", got ${JSON.stringify(destructive)}`);
  }
  return { destructive, ...(query.root === undefined ? {} : { root: query.root }) };
}
