/**
 * Two `toolgate start` processes behind a load balancer that keeps no session affinity: one config (the same
 * state file, the same session keys, the same Redis), and a client whose `fetch` sends each request to the
 * replica the test names, as a round-robin balancer may.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SessionSeal } from '../../src/sessions/session-seal.js';
import { fixtureCommand } from '../fixtures/spawn-fixture.js';
import { startGatewayProcess, textOf, writeConfig, type GatewayProcess } from '../e2e/harness.js';
import { describeRedis, REDIS_URL } from '../support/redis.js';

/** Keys of 32 characters: the one that seals now, one still listed (rotated), one retired. */
const KEY = randomBytes(24).toString('base64');
const ROTATED = randomBytes(24).toString('base64');
const RETIRED = randomBytes(24).toString('base64');
const prefix = `toolgate-test-${randomUUID().slice(0, 8)}:`;

describeRedis('sessions across replicas with no affinity', () => {
  const replicas: Record<'a' | 'b', GatewayProcess> = {} as never;
  const clients: Client[] = [];

  beforeAll(async () => {
    const config = writeConfig({
      listen: { sessionKeys: [KEY, ROTATED] },
      state: { sqlite: 'state.db', redis: { url: REDIS_URL, keyPrefix: prefix } },
      // A 2025-era server: a 2026-07-28 client reaches it through the era bridge.
      mcpServers: { old: fixtureCommand('fixture-server.ts', ['--name', 'old', '--era', 'legacy']) },
    });
    [replicas.a, replicas.b] = await Promise.all([startGatewayProcess(config), startGatewayProcess(config)]);
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await Promise.all(Object.values(replicas).map((replica) => replica.stop()));
    const admin = new Redis(REDIS_URL);
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.unlink(...keys);
    admin.disconnect();
  });

  /** Where the balancer sends the client's next requests, and every replica each request went to. */
  interface Balancer {
    to: 'a' | 'b';
    readonly sent: string[];
  }

  async function connect(era: 'legacy' | 'modern'): Promise<{ client: Client; balancer: Balancer }> {
    const balancer: Balancer = { to: 'a', sent: [] };
    const fetchVia = (_url: string | URL, init?: RequestInit) => {
      balancer.sent.push(`${init?.method ?? 'GET'} ${balancer.to}`);
      return fetch(replicas[balancer.to].url, init);
    };
    const client = new Client(
      { name: 'balanced', version: '1.0.0' },
      {
        capabilities: { elicitation: { form: {} } },
        ...(era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
      },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(replicas.a.url), { fetch: fetchVia }));
    clients.push(client);
    return { client, balancer };
  }

  /** A raw POST of a ping in a session, to one replica; its HTTP status. */
  async function ping(to: 'a' | 'b', sessionId: string): Promise<number> {
    const response = await fetch(replicas[to].url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    await response.arrayBuffer();
    return response.status;
  }

  it('serves a 2025-era session opened on one replica through the other, without a new initialize', async () => {
    const { client, balancer } = await connect('legacy');
    balancer.to = 'b';
    const tools = await client.listTools();
    expect(tools.tools.map((tool) => tool.name)).toContain('old__echo');
    const echoed = await client.callTool({ name: 'old__echo', arguments: { text: 'via b' } });
    expect(textOf(echoed)).toBe('via b');
    expect(balancer.sent.filter((line) => line.endsWith(' b')).length).toBeGreaterThanOrEqual(2);
    expect(balancer.sent).toContain('POST a');
  });

  it('refuses a session id that was tampered with, or sealed with a retired key; opens one of a rotated key', async () => {
    const { client } = await connect('legacy');
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId!;
    expect(await ping('b', sessionId)).toBe(200);
    const chars = [...sessionId];
    chars[20] = chars[20] === 'A' ? 'B' : 'A';
    expect(await ping('b', chars.join(''))).toBe(404);
    // The same session, as the test can seal it: what it carries is known to whoever holds a key.
    const session = new SessionSeal([KEY]).open(sessionId, Date.now())!;
    expect(session.clientInfo).toEqual({ name: 'balanced', version: '1.0.0' });
    expect(await ping('b', new SessionSeal([RETIRED]).seal(session))).toBe(404);
    expect(await ping('b', new SessionSeal([ROTATED]).seal(session))).toBe(200);
    expect(await ping('a', new SessionSeal([KEY]).seal({ ...session, expiresAt: Date.now() - 1 }))).toBe(404);
  });

  it('ends a session everywhere when its client deletes it on another replica than the one holding it', async () => {
    const { client } = await connect('legacy');
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId!;
    expect(await ping('a', sessionId)).toBe(200);
    const deleted = await fetch(replicas.b.url, { method: 'DELETE', headers: { 'mcp-session-id': sessionId } });
    expect(deleted.status).toBe(200);
    expect(await ping('a', sessionId)).toBe(404);
    expect(await ping('b', sessionId)).toBe(404);
  });

  it('hands a 2025-era client’s answer to an elicitation to the replica that asked, whichever it reaches', async () => {
    const { client, balancer } = await connect('legacy');
    client.setRequestHandler('elicitation/create', () => {
      // The call is in flight on replica a; the answer goes to b.
      balancer.to = 'b';
      return { action: 'accept', content: { answer: 'answered through b' } };
    });
    const result = await client.callTool({ name: 'old__elicit', arguments: { message: 'which?' } });
    expect(JSON.parse(textOf(result))).toEqual({ action: 'accept', content: { answer: 'answered through b' } });
    expect(balancer.sent.slice(-2)).toEqual(['POST a', 'POST b']);
  });

  it('forwards a 2026-07-28 client’s retry of a bridged call to the replica holding the call', async () => {
    const { client, balancer } = await connect('modern');
    client.setRequestHandler('elicitation/create', () => {
      // The first leg was answered by replica a, which holds the server's call; the retry goes to b.
      balancer.to = 'b';
      return { action: 'accept', content: { answer: 'retried through b' } };
    });
    const result = await client.callTool({ name: 'old__elicit', arguments: { message: 'which?' } });
    expect(JSON.parse(textOf(result))).toEqual({ action: 'accept', content: { answer: 'retried through b' } });
    expect(balancer.sent.slice(-2)).toEqual(['POST a', 'POST b']);
  });
});
