import { Hono } from 'hono';
import type { AdminContext } from './admin-context.js';
import { needs, objectBody, recordChange, type AdminEnv } from './operator.js';

/** Members of the console: admins only, for reading too (names and roles say who can do what). */
export function memberRoutes({ services }: AdminContext): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  app.use('*', needs('members'));
  app.get('/', async (c) => {
    const members = await services.members.list();
    return c.json({
      members: members.map((member) => ({ ...member, createdAt: new Date(member.createdAt).toISOString() })),
    });
  });
  app.post('/', async (c) => {
    const body = await objectBody(c);
    const { name, role, password } = body ?? {};
    if (typeof name !== 'string' || typeof role !== 'string' || typeof password !== 'string') {
      return c.json({ error: 'expected { "name": string, "role": string, "password": string }' }, 400);
    }
    const { member } = await services.members.add(name, role, password);
    await recordChange(c, services.operators, {
      action: 'member_added',
      target: name,
      what: `added ${name} as ${role}`,
    });
    return c.json({ member: { ...member, createdAt: new Date(member.createdAt).toISOString() } }, 201);
  });
  app.delete('/:name', async (c) => {
    const removed = await services.members.remove(c.req.param('name'));
    await recordChange(c, services.operators, {
      action: 'member_removed',
      target: removed.name,
      what: `removed ${removed.name} (${removed.role})`,
    });
    return c.json({ removed: removed.name });
  });
  return app;
}
