/**
 * Sessions with stateful servers are not shared between grants: what one agent keeps in a server's session (a
 * login, a working folder) another agent cannot read, over Streamable HTTP and over stdio, unless the server's
 * entry says `sessions: "shared"`; with `sessions: "per-client"` two client sessions of one grant are apart too.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureCommand, startHttpFixture, type HttpFixture } from '../fixtures/spawn-fixture.js';
import {
  connectHttp,
  eventually,
  runToolgate,
  startGatewayProcess,
  textOf,
  tokenFrom,
  writeConfig,
  type GatewayProcess,
} from './harness.js';

describe('sessions with stateful servers', () => {
  let web: HttpFixture;
  let gateway: GatewayProcess;
  let tokenA: string;
  let tokenB: string;
  const clients: Client[] = [];
  /** In the name of every stdio server process this test starts, to find them. */
  const marker = randomUUID().slice(0, 8);
  const procName = `proc${marker}`;

  beforeAll(async () => {
    // A 2025-era server over HTTP: it gives each session an Mcp-Session-Id and keeps state per session.
    web = await startHttpFixture('fixture-server.ts', ['--name', 'web', '--era', 'legacy']);
    const stdio = (name: string) => fixtureCommand('fixture-server.ts', ['--name', `${name}${marker}`]);
    const config = writeConfig({
      mcpServers: {
        // No `sessions` key: the default.
        web: { url: web.url },
        'web-shared': { url: web.url, sessions: 'shared' },
        'web-client': { url: web.url, sessions: 'per-client' },
        proc: stdio('proc'),
        'proc-shared': { ...stdio('procshared'), sessions: 'shared' },
        'proc-client': { ...stdio('procclient'), sessions: 'per-client' },
      },
    });
    const allowAll = join(dirname(config), 'allow-all.json');
    writeFileSync(allowAll, JSON.stringify({ version: '1', default: 'allow' }));
    const create = (label: string) =>
      tokenFrom(runToolgate('grants', 'create', '--label', label, '--policy', allowAll, '--config', config).stdout);
    tokenA = create('agent-a');
    tokenB = create('agent-b');
    gateway = await startGatewayProcess(config);
    // Six servers, three of them processes, start before the first test: more than most suites start.
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await gateway?.stop();
    await web?.close();
  });

  /** A new client session of the grant whose token is given. */
  async function agent(token: string, era: 'legacy' | 'modern' = 'legacy'): Promise<Client> {
    const client = await connectHttp(gateway.url, { token, era });
    clients.push(client);
    return client;
  }

  const call = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
    textOf(await client.callTool({ name, arguments: args }));

  describe.each([
    ['Streamable HTTP', 'web'],
    ['stdio', 'proc'],
  ])('a server over %s', (_transport, server) => {
    it('keeps one grant’s session state from another by default', async () => {
      const a = await agent(tokenA);
      const b = await agent(tokenB);
      expect(await call(a, `${server}__remember`, { value: `secret of A on ${server}` })).toBe('remembered');
      expect(await call(b, `${server}__recall`)).toBe('(nothing)');
      expect(await call(a, `${server}__recall`)).toBe(`secret of A on ${server}`);
      // Another client session of the same grant is the same agent: it finds what A kept.
      expect(await call(await agent(tokenA), `${server}__recall`)).toBe(`secret of A on ${server}`);
    });

    it('shares one session between grants when the entry says "shared"', async () => {
      const a = await agent(tokenA);
      const b = await agent(tokenB);
      await call(a, `${server}-shared__remember`, { value: `kept for all on ${server}` });
      expect(await call(b, `${server}-shared__recall`)).toBe(`kept for all on ${server}`);
    });

    it('keeps two client sessions of one grant apart when the entry says "per-client"', async () => {
      const first = await agent(tokenA);
      const second = await agent(tokenA);
      await call(first, `${server}-client__remember`, { value: `first session on ${server}` });
      expect(await call(second, `${server}-client__recall`)).toBe('(nothing)');
      expect(await call(first, `${server}-client__recall`)).toBe(`first session on ${server}`);
    });

    it('gives 2026-07-28 requests, which have no client session, their grant’s session under "per-client"', async () => {
      const one = await agent(tokenB, 'modern');
      const other = await agent(tokenB, 'modern');
      await call(one, `${server}-client__remember`, { value: `B's stateless requests on ${server}` });
      expect(await call(other, `${server}-client__recall`)).toBe(`B's stateless requests on ${server}`);
      expect(await call(await agent(tokenA, 'modern'), `${server}-client__recall`)).not.toBe(
        `B's stateless requests on ${server}`,
      );
    });
  });

  it('sends a resource update from one grant’s session to that grant’s subscribers only', async () => {
    const a = await agent(tokenA);
    const b = await agent(tokenB);
    const seenByA: string[] = [];
    const seenByB: string[] = [];
    a.setNotificationHandler('notifications/resources/updated', (n) => void seenByA.push(n.params.uri));
    b.setNotificationHandler('notifications/resources/updated', (n) => void seenByB.push(n.params.uri));
    await a.subscribeResource({ uri: `fixture://${procName}/counter` });
    await b.subscribeResource({ uri: `fixture://${procName}/counter` });
    // Each grant's stdio session is a process of its own, with its own counter.
    await call(a, 'proc__bump');
    await call(a, 'proc__bump');
    await eventually(() => expect(seenByA).toHaveLength(2));
    // An update of A's wrongly sent to B would be on B's stream before the update of B's own bump.
    await call(b, 'proc__bump');
    await eventually(() => expect(seenByB).toHaveLength(1));
    expect(seenByA).toHaveLength(2);
  });

  it('counts each server’s open sessions on /healthz and /metrics', async () => {
    const health = (await (await fetch(gateway.url.replace(/\/mcp$/, '/healthz'))).json()) as {
      servers: { id: string; sessions?: number }[];
    };
    const proc = health.servers.find((server) => server.id === 'proc');
    const shared = health.servers.find((server) => server.id === 'proc-shared');
    // proc: the catalog's session (A's, once A called) and B's; proc-shared: the one session.
    expect(proc?.sessions).toBe(2);
    expect(shared?.sessions).toBe(1);
    const metrics = await (await fetch(gateway.url.replace(/\/mcp$/, '/metrics'))).text();
    expect(metrics).toMatch(/^toolgate_server_sessions\{server="proc"\} 2$/m);
  });

  it('ends every server process, each grant’s and each client’s, with the gateway', async () => {
    const running = () =>
      execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.includes(marker));
    // proc: A's and B's; proc-shared: one; proc-client: the catalog's, and those of the sessions still open.
    expect(running().length).toBeGreaterThanOrEqual(4);
    await gateway.stop();
    await eventually(() => expect(running()).toEqual([]));
  });
});
