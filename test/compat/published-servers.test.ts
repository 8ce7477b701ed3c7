/**
 * The compatibility suite: published MCP servers, installed from the npm registry, behind the gateway. For each
 * server, over stdio and over its own HTTP transport where it has one, the gateway lists the same tools as a
 * direct connection (names aside: the gateway shows them as `serverid__name`), and a harmless call returns
 * through the gateway what it returns directly.
 *
 * One gateway serves every server, so they all start at once, as they would in a real config.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Tool } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectHttp,
  eventually,
  ROOT,
  startGatewayProcess,
  writeConfig,
  type GatewayProcess,
} from '../e2e/harness.js';
import {
  makeWorkspace,
  PUBLISHED_SERVERS,
  type PublishedServer,
  type RunningHttpServer,
  serverEnvironment,
  startHttpServer,
  stdioEntry,
  type Workspace,
} from './published-servers.js';

/** One way the gateway reaches a server: its id in the gateway's config, and the direct way to it. */
interface Leg {
  readonly server: PublishedServer;
  readonly transport: 'stdio' | 'http' | 'sse';
  readonly gatewayId: string;
}

const LEGS: Leg[] = PUBLISHED_SERVERS.flatMap((server) => {
  const legs: Leg[] = [{ server, transport: 'stdio', gatewayId: server.id }];
  if (server.http)
    legs.push({ server, transport: server.http.transport, gatewayId: `${server.id}-${server.http.transport}` });
  return legs;
});

/** Every page of a client's tool list. */
async function allTools(client: Client): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor === undefined ? undefined : { cursor });
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return tools;
}

/** The gateway's tools of one server, under the names that server gives them. */
function toolsOf(tools: readonly Tool[], gatewayId: string): Tool[] {
  const prefix = `${gatewayId}__`;
  return tools
    .filter((tool) => tool.name.startsWith(prefix))
    .map((tool) => ({ ...tool, name: tool.name.slice(prefix.length) }));
}

async function connectDirect(leg: Leg, url: string | undefined, workspace: Workspace): Promise<Client> {
  const client = new Client({ name: 'toolgate-compat', version: '1.0.0' });
  if (leg.transport === 'stdio') {
    const launch = leg.server.stdio(workspace);
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [join(ROOT, launch.script), ...(launch.args ?? [])],
        env: serverEnvironment(launch.env),
        cwd: launch.cwd ?? ROOT,
        stderr: 'ignore',
      }),
    );
  } else {
    const endpoint = new URL(url!);
    await client.connect(
      leg.transport === 'sse' ? new SSEClientTransport(endpoint) : new StreamableHTTPClientTransport(endpoint),
    );
  }
  return client;
}

/** Long enough for a published server's first start on a loaded two-core machine; not a measure of speed. */
const START_WAIT_MS = 120_000;

/** Waits until the gateway's first start of server `id` has come out, and says how: up, or down and why. */
async function firstStart(gateway: GatewayProcess, id: string): Promise<Record<string, unknown>> {
  let health: Record<string, unknown> | undefined;
  await eventually(async () => {
    const response = await fetch(gateway.url.replace(/\/mcp$/, '/healthz'));
    const { servers } = (await response.json()) as { servers: Record<string, unknown>[] };
    health = servers.find((server) => server.id === id);
    expect(health?.state).not.toBe('starting');
  }, START_WAIT_MS);
  return health!;
}

/** Asserts that server `id` came up behind the gateway; if not, the failure says why (step and error). */
async function expectUp(gateway: GatewayProcess, id: string): Promise<void> {
  const health = await firstStart(gateway, id);
  expect(health.state, `${id} on /healthz: ${JSON.stringify(health)}`).toBe('up');
}

describe('published servers behind the gateway', () => {
  let workspace: Workspace;
  let gateway: GatewayProcess;
  let client: Client;
  /**
   * Each server's HTTP process: the gateway and the direct client share it, as two clients of one server, except
   * for servers that take one client at a time (`singleClient`), which get one process for each.
   */
  const httpServers = new Map<string, { gateway: RunningHttpServer; direct: RunningHttpServer }>();

  beforeAll(async () => {
    workspace = makeWorkspace(mkdtempSync(join(tmpdir(), 'toolgate-compat-')));
    await Promise.all(
      LEGS.filter((leg) => leg.transport !== 'stdio').map(async (leg) => {
        const http = leg.server.http!;
        const [forGateway, forDirect] = await Promise.all([
          startHttpServer(http.launch(workspace)),
          http.singleClient ? startHttpServer(http.launch(workspace)) : undefined,
        ]);
        httpServers.set(leg.gatewayId, { gateway: forGateway, direct: forDirect ?? forGateway });
      }),
    );
    const entries = Object.fromEntries(
      LEGS.map((leg) => {
        if (leg.transport === 'stdio') return [leg.gatewayId, stdioEntry(leg.server.stdio(workspace))];
        return [leg.gatewayId, { type: leg.transport, url: httpServers.get(leg.gatewayId)!.gateway.url }];
      }),
    );
    // Each test waits for its own server: one that fails to come up must not hold up the others' tests.
    gateway = await startGatewayProcess(writeConfig({ mcpServers: entries }), [], { waitForServers: false });
    client = await connectHttp(gateway.url);
  }, START_WAIT_MS);

  afterAll(async () => {
    await client?.close();
    await gateway?.stop();
    const processes = new Set([...httpServers.values()].flatMap(({ gateway, direct }) => [gateway, direct]));
    await Promise.all([...processes].map((server) => server.stop()));
  });

  // Direct connections are opened one server at a time, after the gateway has started its own copies: started
  // all at once, some thirty Node processes would starve each other on two cores.
  describe.each(LEGS.map((leg) => [leg.gatewayId, leg] as const))('%s', (_id, leg) => {
    let directClient: Client;

    beforeAll(async () => {
      directClient = await connectDirect(leg, httpServers.get(leg.gatewayId)?.direct.url, workspace);
    }, START_WAIT_MS);

    afterAll(async () => {
      await directClient?.close();
    });

    it(
      `lists the same tools through the gateway as directly (${leg.server.package} over ${leg.transport})`,
      async () => {
        const expected = await allTools(directClient);
        expect(expected.length).toBeGreaterThan(0);
        await expectUp(gateway, leg.gatewayId);
        // Up, so listed; the client hears of it by list_changed, which may still be on its way.
        await eventually(async () => expect(toolsOf(await allTools(client), leg.gatewayId)).toEqual(expected));
      },
      START_WAIT_MS + 20_000,
    );

    it(
      'returns the same result for a harmless call through the gateway as directly',
      async () => {
        const { name, arguments: args } = leg.server.call(workspace);
        const expected = await directClient.callTool({ name, arguments: args });
        await expectUp(gateway, leg.gatewayId);
        const through = await client.callTool({ name: `${leg.gatewayId}__${name}`, arguments: args });
        expect(through).toEqual(expected);
      },
      START_WAIT_MS + 20_000,
    );
  });
});
