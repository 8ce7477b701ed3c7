import type { Client } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/grants/principal.js';
import { startInProcessGateway, type InProcessGateway } from './in-process-gateway.js';

/**
 * Sessions with a server, per partition: what each setting costs (how many sessions are opened, and when), how
 * they are bounded (idle ones close, a cap refuses one more), and that a partition's failure or end never reaches
 * another's state. Each session with the in-process server is a server instance of its own, as each stdio
 * connection is a process.
 */
let gateway: InProcessGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

const grant = (id: string): Principal => ({ via: 'grant', id, label: id, policy: null, servers: null });
/** The grants' policy allows everything; without one a grant is denied everything. */
const allowing = (g: InProcessGateway, id: string): Principal => ({
  ...grant(id),
  policy: g.policy({ version: '1', default: 'allow' }),
});

const call = async (client: Client, tool: string, text = '') => {
  const result = await client.callTool({ name: `mem__${tool}`, arguments: { text } });
  return (result.content as { text?: string }[])[0]?.text;
};
const sessionsOpen = (g: InProcessGateway) => g.upstreams.servers()[0]!.sessions;

describe('sessions with a server', () => {
  it('costs one agent no session beyond the one the catalog is listed on', async () => {
    gateway = await startInProcessGateway();
    const agent = await gateway.connect(allowing(gateway, 'a'));
    await call(agent, 'remember', 'kept');
    expect(await call(agent, 'recall')).toBe('kept');
    expect(gateway.sessionsStarted()).toBe(1);
    expect(sessionsOpen(gateway)).toBe(1);
  });

  it('opens another grant’s session on its first call, not when it lists', async () => {
    gateway = await startInProcessGateway();
    const a = await gateway.connect(allowing(gateway, 'a'));
    const b = await gateway.connect(allowing(gateway, 'b'));
    await call(a, 'remember', 'A’s');
    await b.listTools();
    expect(gateway.sessionsStarted()).toBe(1);
    expect(await call(b, 'recall')).toBe('(nothing)');
    expect(gateway.sessionsStarted()).toBe(2);
    expect(await call(a, 'recall')).toBe('A’s');
  });

  it('gives every grant one session under "shared"', async () => {
    gateway = await startInProcessGateway({ server: { sessions: 'shared' } });
    await call(await gateway.connect(allowing(gateway, 'a')), 'remember', 'for all');
    expect(await call(await gateway.connect(allowing(gateway, 'b')), 'recall')).toBe('for all');
    expect(gateway.sessionsStarted()).toBe(1);
  });

  it('closes a session no call has used for sessionIdleMs, never the catalog’s', async () => {
    gateway = await startInProcessGateway({ server: { sessionIdleMs: 60_000 } });
    const a = await gateway.connect(allowing(gateway, 'a'));
    const b = await gateway.connect(allowing(gateway, 'b'));
    await call(a, 'remember', 'A’s');
    await call(b, 'remember', 'B’s');
    gateway.clock.advance(59_999);
    expect(gateway.upstreams.closeIdle()).toBe(0);
    gateway.clock.advance(1);
    expect(gateway.upstreams.closeIdle()).toBe(1);
    expect(sessionsOpen(gateway)).toBe(1);
    // B's next call opens a new session, which knows nothing of the old one; A's, the catalog's, is still there.
    expect(await call(b, 'recall')).toBe('(nothing)');
    expect(await call(a, 'recall')).toBe('A’s');
  });

  it('refuses a call that needs one session more than maxSessions, and lets it through once one is idle', async () => {
    gateway = await startInProcessGateway({ server: { maxSessions: 2, sessionIdleMs: 60_000 } });
    await call(await gateway.connect(allowing(gateway, 'a')), 'echo');
    await call(await gateway.connect(allowing(gateway, 'b')), 'echo');
    const c = await gateway.connect(allowing(gateway, 'c'));
    const refused = await c.callTool({ name: 'mem__echo', arguments: {} }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: -32603, message: expect.stringContaining('maxSessions') });
    expect((refused as { data: object }).data).toMatchObject({ code: 'GW_SERVER_SESSION_LIMIT' });
    expect(gateway.records.at(-1)).toMatchObject({ grantLabel: 'c', outcome: 'server_unavailable' });
    gateway.clock.advance(60_000);
    expect(await call(c, 'echo', 'in')).toBe('echo: in');
    expect(sessionsOpen(gateway)).toBe(2);
  });

  it('keeps the others going when one grant’s session fails, and gives that grant a new one', async () => {
    gateway = await startInProcessGateway();
    const a = await gateway.connect(allowing(gateway, 'a'));
    const b = await gateway.connect(allowing(gateway, 'b'));
    await call(a, 'remember', 'A’s');
    await call(b, 'remember', 'B’s');
    await expect(b.callTool({ name: 'mem__quit', arguments: {} })).rejects.toMatchObject({ code: -32603 });
    expect(await call(a, 'recall')).toBe('A’s');
    expect(gateway.upstreams.servers()[0]).toMatchObject({ state: 'up' });
    expect(await call(b, 'recall')).toBe('(nothing)');
  });

  describe('per client session', () => {
    it('gives two client sessions of one grant a session each', async () => {
      gateway = await startInProcessGateway({ server: { sessions: 'per-client' } });
      const principal = allowing(gateway, 'a');
      const first = await gateway.connect(principal);
      const second = await gateway.connect(principal);
      await call(first, 'remember', 'first’s');
      expect(await call(second, 'recall')).toBe('(nothing)');
      expect(await call(first, 'recall')).toBe('first’s');
    });

    it('ends a client session’s server session with it, and never hands it to another client', async () => {
      gateway = await startInProcessGateway({ server: { sessions: 'per-client' } });
      const principal = allowing(gateway, 'a');
      const first = await gateway.connect(principal);
      // The first client to call takes over the catalog's session.
      await call(first, 'remember', 'first’s');
      expect(gateway.sessionsStarted()).toBe(1);
      await first.close();
      // The catalog moves to a new session; the ended client's is closed.
      await expect.poll(() => gateway!.sessionsStarted()).toBe(2);
      await expect.poll(() => sessionsOpen(gateway!)).toBe(1);
      const next = await gateway.connect(principal);
      expect(await call(next, 'recall')).toBe('(nothing)');
      expect((await next.listTools()).tools.map((tool) => tool.name)).toContain('mem__recall');
    });
  });
});
