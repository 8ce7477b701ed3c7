import { Hono } from 'hono';
import { ServiceError } from '../services/service-error.js';
import type { InventoryService } from '../services/inventory-service.js';
import { inventoryRowView } from '../services/inventory-service.js';
import { acceptedJson, parsePinTarget, waitingChangeJson } from '../services/pin-service.js';
import type { Services } from '../services/services.js';
import type { AdminContext } from './admin-context.js';
import { actorOf, needs, objectBody, type AdminEnv } from './operator.js';
import { ruleOptionsOf } from './policy-routes.js';

/** The servers, their tools classified (the inventory and each tool's page), and their pinned definitions. */
export function inventoryRoutes({ services, servers }: AdminContext): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  app.get('/servers', needs('read'), (c) => c.json({ servers: servers() }));
  app.get('/tools', needs('read'), async (c) => {
    const { inventory, rows } = await inventoryOf(services).rows(c.req.query('grant') || undefined);
    return c.json({ tools: rows.map(inventoryRowView), unlisted: inventory.unlisted });
  });
  app.get('/tools/:name', needs('read'), async (c) =>
    c.json(await inventoryOf(services).page(c.req.param('name'), ruleOptionsOf(c.req.query()))),
  );
  app.get('/policy/suggest', needs('read'), async (c) => {
    const { suggested } = await inventoryOf(services).suggest(ruleOptionsOf(c.req.query()));
    return c.json(suggested);
  });
  app.get('/pins', needs('read'), async (c) => {
    const target = c.req.query('target');
    const changes = await services.pins.changes(target === undefined ? undefined : parsePinTarget(target));
    return c.json({ changes: changes.map(waitingChangeJson) });
  });
  app.post('/pins/accept', needs('pins'), async (c) => {
    const body = await objectBody(c);
    if (body === undefined || typeof body.target !== 'string') {
      return c.json({ error: 'expected a JSON body: { "target": "SERVER" or "SERVER:TOOL", "by"?: string }' }, 400);
    }
    const accepted = await services.pins.accept(parsePinTarget(body.target), actorOf(c, body.by));
    return c.json({ accepted: accepted.map(acceptedJson) });
  });
  return app;
}

function inventoryOf(services: Services): InventoryService {
  if (!services.inventory) throw new ServiceError('not_found', 'This gateway keeps no inventory');
  return services.inventory;
}
