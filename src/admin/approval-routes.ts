import { Hono } from 'hono';
import { APPROVAL_STATUSES, type ApprovalStatus } from '../approvals/approval.js';
import { approvalView, droppedReason, unresolvedReason } from '../services/approval-service.js';
import type { AdminContext } from './admin-context.js';
import { actorOf, needs, objectBody, type AdminEnv } from './operator.js';

/** What the admin API sends in place of a value that looks like a secret, unless asked for it. */
const HIDDEN_MARKER = '[hidden secret — show with ?reveal=secrets]';

/** Approvals: list and show (read); reveal, approve, deny, extend (approve). */
export function approvalRoutes({ services }: AdminContext): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  app.get('/', needs('read'), async (c) => {
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
  app.get('/:id', needs('read'), async (c, next) => {
    if (c.req.query('reveal') !== undefined) return next();
    const approval = await services.approvals.get(c.req.param('id'));
    return approval ? c.json(approvalView(approval, HIDDEN_MARKER)) : c.json({ error: 'no such approval' }, 404);
  });
  // Seeing a call's secrets is part of deciding on it: approvers only, and each look is recorded.
  app.get('/:id', needs('approve'), async (c) => {
    const id = c.req.param('id');
    if (c.req.query('reveal') !== 'secrets') return c.json({ error: 'reveal: expected "secrets"' }, 400);
    const revealed = await services.approvals.reveal(id, actorOf(c, c.req.query('by')));
    switch (revealed.kind) {
      case 'revealed':
        return c.json(approvalView(revealed.approval));
      case 'dropped':
        return c.json({ error: droppedReason(revealed.approval) }, 409);
      case 'not_found':
        return c.json({ error: 'no such approval' }, 404);
    }
  });
  app.post('/:id/:verdict{approve|deny}', needs('approve'), async (c) => {
    const body = await objectBody(c);
    if (body === undefined) {
      return c.json({ error: 'expected a JSON body: { "reason"?: string, "by"?: string }' }, 400);
    }
    const reason = typeof body.reason === 'string' && body.reason !== '' ? body.reason : null;
    const id = c.req.param('id');
    const verdict = c.req.param('verdict') === 'approve' ? 'approve' : 'deny';
    const actor = actorOf(c, body.by);
    const resolution = await services.approvals.resolve(id, verdict, actor, reason);
    switch (resolution.kind) {
      case 'resolved': {
        const { approval } = resolution;
        await services.operators.record({
          actor,
          action: 'approval_resolved',
          target: id,
          serverId: approval.serverId,
          message: `${actor} ${verdict === 'approve' ? 'approved' : 'denied'} the call to ${approval.tool}${reason === null ? '' : `: ${reason}`}`,
        });
        return c.json(approvalView(approval, HIDDEN_MARKER));
      }
      case 'not_found':
        return c.json({ error: unresolvedReason(id, resolution) }, 404);
      case 'already_resolved':
        return c.json({ error: unresolvedReason(id, resolution) }, 409);
    }
  });
  app.post('/:id/extend', needs('approve'), async (c) => {
    const body = await objectBody(c);
    if (body === undefined || typeof body.seconds !== 'number') {
      return c.json({ error: 'expected a JSON body: { "seconds": number }' }, 400);
    }
    const id = c.req.param('id');
    const approval = await services.approvals.extend(id, body.seconds * 1_000);
    const actor = actorOf(c, body.by);
    await services.operators.record({
      actor,
      action: 'approval_extended',
      target: id,
      serverId: approval.serverId,
      message: `${actor} gave the call to ${approval.tool} ${body.seconds} s more, until ${new Date(approval.expiresAt).toISOString()}`,
    });
    return c.json(approvalView(approval, HIDDEN_MARKER));
  });
  return app;
}
