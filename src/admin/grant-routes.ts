import { Hono } from 'hono';
import { roleMay } from '../members/permission.js';
import { grantView, type GrantEdit } from '../services/grant-service.js';
import type { AdminContext } from './admin-context.js';
import { clientSnippets } from './client-snippets.js';
import { needs, objectBody, recordChange, type AdminEnv } from './operator.js';

const GRANT_BODY = '{ "label": string, "policy"?: string, "servers"?: string[] | null }';

/**
 * Grants: everyone reads them (never a token or a hash); admins create, rotate, revoke and edit them; a policy
 * manager may attach a policy, and nothing else.
 */
export function grantRoutes({ services, clients }: AdminContext): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  app.get('/', needs('read'), async (c) => c.json({ grants: (await services.grants.list()).map(grantView) }));
  app.post('/', needs('grants'), async (c) => {
    const body = await objectBody(c);
    const edit = body && grantEdit(body);
    if (edit === undefined || typeof edit.label !== 'string') return c.json({ error: `expected ${GRANT_BODY}` }, 400);
    const created = await services.grants.create({
      label: edit.label,
      ...(edit.policy === undefined ? {} : { policy: edit.policy }),
      ...(edit.servers === undefined || edit.servers === null ? {} : { servers: edit.servers }),
    });
    await recordChange(c, services.operators, {
      action: 'grant_created',
      target: created.grant.label,
      what: `created grant "${created.grant.label}"`,
    });
    return c.json(withToken(created.grant, created.token), 201);
  });
  app.post('/:id/rotate', needs('grants'), async (c) => {
    const rotated = await services.grants.rotate(c.req.param('id'));
    await recordChange(c, services.operators, {
      action: 'grant_rotated',
      target: rotated.grant.label,
      what: `rotated the token of grant "${rotated.grant.label}"`,
    });
    return c.json(withToken(rotated.grant, rotated.token));
  });
  app.post('/:id/revoke', needs('grants'), async (c) => {
    const revoked = await services.grants.revoke(c.req.param('id'));
    await recordChange(c, services.operators, {
      action: 'grant_revoked',
      target: revoked.label,
      what: `revoked grant "${revoked.label}"`,
    });
    return c.json({ grant: grantView(revoked) });
  });
  app.patch('/:id', needs('read'), async (c) => {
    const body = await objectBody(c);
    const edit = body && grantEdit(body);
    if (edit === undefined) return c.json({ error: `expected ${GRANT_BODY}, every field optional` }, 400);
    const { role } = c.get('operator');
    const onlyPolicy = edit.label === undefined && edit.servers === undefined;
    if (!roleMay(role, 'grants') && !(onlyPolicy && roleMay(role, 'policy'))) {
      return c.json({ error: `Forbidden: the ${role.replace('_', ' ')} role may not change this grant` }, 403);
    }
    const updated = await services.grants.update(c.req.param('id'), edit);
    const changed = Object.keys(edit).join(', ');
    await recordChange(c, services.operators, {
      action: 'grant_changed',
      target: updated.label,
      what: `changed the ${changed} of grant "${updated.label}"`,
    });
    return c.json({ grant: grantView(updated) });
  });

  function withToken(grant: Parameters<typeof grantView>[0], token: string) {
    return { grant: grantView(grant), token, snippets: clientSnippets(clients, grant.label, token) };
  }
  return app;
}

/** A grant's fields from a request body; undefined when one has the wrong type. */
function grantEdit(body: Record<string, unknown>): GrantEdit | undefined {
  const { label, policy, servers } = body;
  if (label !== undefined && typeof label !== 'string') return undefined;
  if (policy !== undefined && typeof policy !== 'string') return undefined;
  const serverList =
    servers === undefined ||
    servers === null ||
    (Array.isArray(servers) && servers.every((id) => typeof id === 'string'));
  if (!serverList) return undefined;
  return {
    ...(label === undefined ? {} : { label }),
    ...(policy === undefined ? {} : { policy }),
    ...(servers === undefined ? {} : { servers: servers }),
  };
}
