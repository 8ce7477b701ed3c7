import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { ApprovalError } from '../approvals/approval-store.js';
import type { ApprovalStatus } from '../approvals/approval.js';
import type { ApprovalQueue } from '../approvals/approval-queue.js';

const STATUSES: readonly ApprovalStatus[] = ['pending', 'approved', 'denied', 'expired'];

/**
 * The admin HTTP API, for approvers and their tools: list, show, approve and deny approvals. It has its own
 * credential (config `admin.token`), so an agent's grant can never approve anything, its own calls least of all.
 */
export function createAdminApi(approvals: ApprovalQueue, adminToken: string): Hono {
  const app = new Hono();
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
    if (status !== undefined && !STATUSES.includes(status as ApprovalStatus)) {
      return c.json({ error: `status: expected one of ${STATUSES.join(', ')}` }, 400);
    }
    return c.json({ approvals: await approvals.store.list(status as ApprovalStatus | undefined) });
  });
  app.get('/approvals/:id', async (c) => {
    const approval = await approvals.store.get(c.req.param('id'));
    return approval ? c.json(approval) : c.json({ error: 'no such approval' }, 404);
  });
  app.post('/approvals/:id/:verdict{approve|deny}', async (c) => {
    let body: { reason?: unknown; by?: unknown } = {};
    if ((c.req.header('content-length') ?? '0') !== '0') {
      try {
        body = (await c.req.json()) as typeof body;
      } catch {
        return c.json({ error: 'expected a JSON body: { "reason"?: string, "by"?: string }' }, 400);
      }
    }
    const reason = typeof body.reason === 'string' ? body.reason : null;
    const by = typeof body.by === 'string' && body.by !== '' ? `admin-api:${body.by}` : 'admin-api';
    try {
      const id = c.req.param('id');
      const approval = await approvals.store.decide(id, c.req.param('verdict') === 'approve', by, reason, Date.now());
      approvals.poke(id);
      return c.json(approval);
    } catch (error) {
      if (!(error instanceof ApprovalError)) throw error;
      return c.json({ error: error.message }, error.message.startsWith('No approval') ? 404 : 409);
    }
  });
  return app;
}

/**
 * True when an Authorization header carries `Bearer <expected>`. Compared as digests, in constant time: neither
 * the content nor the length of the expected token leaks through timing.
 */
export function bearerMatches(header: string | undefined, expected: string): boolean {
  const token = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '')?.[1];
  return token !== undefined && timingSafeEqual(digest(token), digest(expected));
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
