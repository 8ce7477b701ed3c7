/**
 * What a server sends that no call of a client asked for (resource updates, list changes, progress, cancellations,
 * logs) reaches only the clients it may: those whose grant lets them see that server, and, for a resource update,
 * those that subscribed to that URI on that server (issue 12, item 12). Two fixture servers serve the same resource
 * URIs (alpha over stdio, beta over Streamable HTTP); grants see one, the other, or both.
 *
 * A notification that must not arrive is checked without waiting for time to pass: after it would have been sent,
 * the client is sent a notification it must receive, on the same stream, and the first is looked for once the
 * second is there. Alpha's marker is a prompt list change, beta's a resource list change.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureCommand, startHttpFixture, type HttpFixture } from '../fixtures/spawn-fixture.js';
import {
  connectWithToken,
  eventually,
  startGatewayProcess,
  textOf,
  tokenFrom,
  toolgate,
  writeConfig,
  type GatewayProcess,
} from './harness.js';

/** The URI both servers serve. */
const COUNTER = 'fixture://shared/counter';

/** What one client has heard. */
interface Heard {
  updates: string[];
  tools: number;
  prompts: number;
  resources: number;
}

describe('notifications from servers', () => {
  let beta: HttpFixture;
  let gateway: GatewayProcess;
  let config: string;
  const tokens: Record<'wide' | 'alphaOnly' | 'betaOnly' | 'moving', string> = {
    wide: '',
    alphaOnly: '',
    betaOnly: '',
    moving: '',
  };
  const clients: Client[] = [];

  beforeAll(async () => {
    beta = await startHttpFixture('fixture-server.ts', ['--name', 'beta', '--uri-name', 'shared', '--era', 'legacy']);
    config = writeConfig({
      mcpServers: {
        // One session per server for every grant: where what one server session says could reach any client.
        alpha: {
          ...fixtureCommand('fixture-server.ts', ['--name', 'alpha', '--uri-name', 'shared']),
          sessions: 'shared',
        },
        beta: { url: beta.url, sessions: 'shared' },
      },
    });
    const allowAll = join(dirname(config), 'allow-all.json');
    writeFileSync(allowAll, JSON.stringify({ version: '1', default: 'allow' }));
    const create = (label: string, servers: string) =>
      tokenFrom(
        toolgate('grants', 'create', '--label', label, '--policy', allowAll, '--servers', servers, '--config', config),
      );
    tokens.wide = create('wide', 'alpha,beta');
    tokens.alphaOnly = create('alpha-only', 'alpha');
    tokens.betaOnly = create('beta-only', 'beta');
    tokens.moving = create('moving', 'beta');
    gateway = await startGatewayProcess(config);
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await gateway?.stop();
    await beta?.close();
  });

  /** A 2025-era client of a grant that has listed every list and subscribed to the shared URI. */
  async function subscriber(token: string): Promise<{ client: Client; heard: Heard }> {
    const client = await connectWithToken(gateway.url, token);
    clients.push(client);
    const heard = listen(client);
    await client.listTools();
    await client.listPrompts();
    await client.listResources();
    await client.subscribeResource({ uri: COUNTER });
    return { client, heard };
  }

  const call = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
    textOf(await client.callTool({ name, arguments: args }));
  /** Makes a server announce a list change of the given kind: the marker a test waits for. */
  const announce = (client: Client, server: 'alpha' | 'beta') =>
    call(client, `${server}__notify`, {
      method: server === 'alpha' ? 'notifications/prompts/list_changed' : 'notifications/resources/list_changed',
    });

  it('sends a resource update only to the clients that subscribed to that URI on that server', async () => {
    const wide = await subscriber(tokens.wide); // the URI is alpha's for it: alpha comes first in the config
    const alphaOnly = await subscriber(tokens.alphaOnly);
    const betaOnly = await subscriber(tokens.betaOnly);

    await call(betaOnly.client, 'beta__bump');
    await eventually(() => expect(betaOnly.heard.updates).toEqual([COUNTER]));
    await announce(alphaOnly.client, 'alpha');
    await eventually(() => expect([wide.heard.prompts, alphaOnly.heard.prompts]).toEqual([1, 1]));
    // Beta's update went out before alpha's marker: it would be here by now.
    expect(wide.heard.updates).toEqual([]);
    expect(alphaOnly.heard.updates).toEqual([]);

    await call(wide.client, 'alpha__bump');
    await eventually(() => expect([wide.heard.updates, alphaOnly.heard.updates]).toEqual([[COUNTER], [COUNTER]]));
    await announce(betaOnly.client, 'beta');
    await eventually(() => expect(betaOnly.heard.resources).toBe(1));
    expect(betaOnly.heard.updates).toEqual([COUNTER]);
  });

  it('sends a list change only to the clients whose grant lets them see the server', async () => {
    const alphaOnly = await subscriber(tokens.alphaOnly);
    const betaOnly = await subscriber(tokens.betaOnly);
    const wide = await subscriber(tokens.wide);

    await call(betaOnly.client, 'beta__add_tool', { name: 'from_beta' });
    await eventually(() => expect([betaOnly.heard.tools, wide.heard.tools]).toEqual([1, 1]));
    await announce(wide.client, 'alpha');
    await eventually(() => expect(alphaOnly.heard.prompts).toBe(1));
    expect(alphaOnly.heard.tools).toBe(0);
    // And the other way: alpha's marker went out before beta's.
    await announce(wide.client, 'beta');
    await eventually(() => expect(betaOnly.heard.resources).toBe(1));
    expect(betaOnly.heard.prompts).toBe(0);
  });

  it('sends a list change on a 2026-07-28 listen stream only if its grant lets it see the server', async () => {
    const client = new Client(
      { name: 'toolgate-test', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(
      new StreamableHTTPClientTransport(new URL(gateway.url), {
        requestInit: { headers: { Authorization: `Bearer ${tokens.alphaOnly}` } },
      }),
    );
    clients.push(client);
    const heard = listen(client);
    await client.listen({ toolsListChanged: true, promptsListChanged: true });
    const betaOnly = await subscriber(tokens.betaOnly);

    await call(betaOnly.client, 'beta__add_tool', { name: 'from_beta_again' });
    await eventually(() => expect(betaOnly.heard.tools).toBe(1));
    const wide = await subscriber(tokens.wide);
    await announce(wide.client, 'alpha');
    await eventually(() => expect(heard.prompts).toBe(1));
    expect(heard.tools).toBe(0);
  });

  it('stops sending a client what a server says once its grant no longer lets it see that server', async () => {
    const moving = await subscriber(tokens.moving); // the URI is beta's for it
    const betaOnly = await subscriber(tokens.betaOnly);
    toolgate('grants', 'update', 'moving', '--servers', 'alpha', '--config', config);
    // The next request carries the grant as it is now.
    expect((await moving.client.listTools()).tools.map((tool) => tool.name)).toContain('alpha__bump');

    await call(betaOnly.client, 'beta__bump');
    await eventually(() => expect(betaOnly.heard.updates).toEqual([COUNTER]));
    await announce(betaOnly.client, 'beta');
    const wide = await subscriber(tokens.wide);
    await announce(wide.client, 'alpha');
    await eventually(() => expect(moving.heard.prompts).toBe(1));
    expect(moving.heard.updates).toEqual([]);
    expect(moving.heard.resources).toBe(0);
  });

  it('lets a server’s progress and cancellations for requests it was not sent reach no other client’s call', async () => {
    const alphaOnly = await subscriber(tokens.alphaOnly);
    const betaOnly = await subscriber(tokens.betaOnly);
    const progress: string[] = [];
    let running!: () => void;
    const started = new Promise<void>((resolve) => (running = resolve));
    const slow = alphaOnly.client.callTool(
      { name: 'alpha__slow', arguments: { ms: 3000, steps: 3 } },
      {
        onprogress: (p) => {
          progress.push(p.message ?? '');
          running();
        },
      },
    );
    await started;
    // Beta tries every token and request id a gateway is likely to have used, numbers and strings alike.
    for (const token of [...Array.from({ length: 40 }, (_, i) => i), ...Array.from({ length: 40 }, (_, i) => `${i}`)]) {
      await call(betaOnly.client, 'beta__notify', {
        method: 'notifications/progress',
        params: { progressToken: token, progress: 99, total: 100, message: 'forged by beta' },
      });
      await call(betaOnly.client, 'beta__notify', {
        method: 'notifications/cancelled',
        params: { requestId: token, reason: 'forged by beta' },
      });
    }
    expect(textOf(await slow)).toBe('done after 3000ms');
    expect(progress.filter((message) => !/^step \d of 3$/.test(message))).toEqual([]);
  });
});

function listen(client: Client): Heard {
  const heard: Heard = { updates: [], tools: 0, prompts: 0, resources: 0 };
  client.setNotificationHandler('notifications/resources/updated', (n) => void heard.updates.push(n.params.uri));
  client.setNotificationHandler('notifications/tools/list_changed', () => void heard.tools++);
  client.setNotificationHandler('notifications/prompts/list_changed', () => void heard.prompts++);
  client.setNotificationHandler('notifications/resources/list_changed', () => void heard.resources++);
  return heard;
}
