/**
 * The three servers of the seed pages (Bambu Lab MCP, Mcp Agent Proxy, PMCP), replayed from their recordings as
 * their authors publish them (2025-era servers; test/fixtures/seed-servers), behind the gateway over stdio and,
 * for the two that offer it, Streamable HTTP: every recorded tool is listed as recorded, every recorded call
 * returns its recorded result, and the quirks they have (resources/templates/list "Method not found", an empty
 * version, instructions) do not get in the way.
 */
import { readFileSync } from 'node:fs';
import type { Client, Tool } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureCommand, fixturePath, startHttpFixture, type HttpFixture } from '../fixtures/spawn-fixture.js';
import { connectHttp, eventually, startGatewayProcess, writeConfig, type GatewayProcess } from './harness.js';

interface Recording {
  serverInfo: { name: string; version: string };
  capabilities: Record<string, unknown>;
  instructions?: string;
  tools: Tool[];
}
type RecordedCall = { request: { name: string; arguments?: Record<string, unknown> }; result: Record<string, unknown> };

type Seed = 'bambu-mcp' | 'mcp-agent-proxy' | 'pmcp';

const recordingOf = (seed: Seed) =>
  JSON.parse(readFileSync(fixturePath(`seed-servers/${seed}.json`), 'utf8')) as Recording;
const callsOf = (seed: Seed) =>
  JSON.parse(readFileSync(fixturePath(`seed-servers/${seed}.sample-calls.json`), 'utf8')) as RecordedCall[];
const replayArgs = (seed: Seed) => [
  '--recording',
  fixturePath(`seed-servers/${seed}.json`),
  '--calls',
  fixturePath(`seed-servers/${seed}.sample-calls.json`),
  '--era',
  'legacy',
];

/** Each way the gateway reaches a seed server: its id in the config. Bambu Lab MCP is stdio only. */
const LEGS: { id: string; seed: Seed; transport: 'stdio' | 'http' }[] = [
  { id: 'bambu', seed: 'bambu-mcp', transport: 'stdio' },
  { id: 'agentproxy', seed: 'mcp-agent-proxy', transport: 'stdio' },
  { id: 'pmcp', seed: 'pmcp', transport: 'stdio' },
  { id: 'agentproxy-http', seed: 'mcp-agent-proxy', transport: 'http' },
  { id: 'pmcp-http', seed: 'pmcp', transport: 'http' },
];

describe('the seed pages’ servers behind the gateway', () => {
  const httpServers = new Map<string, HttpFixture>();
  let gateway: GatewayProcess;
  let client: Client;

  beforeAll(async () => {
    const entries: Record<string, unknown> = {};
    for (const leg of LEGS) {
      if (leg.transport === 'stdio') {
        entries[leg.id] = fixtureCommand('replay-server.ts', replayArgs(leg.seed));
      } else {
        const server = await startHttpFixture('replay-server.ts', replayArgs(leg.seed));
        httpServers.set(leg.id, server);
        entries[leg.id] = { type: 'http', url: server.url };
      }
    }
    gateway = await startGatewayProcess(writeConfig({ mcpServers: entries }));
    client = await connectHttp(gateway.url);
  });

  afterAll(async () => {
    await client?.close();
    await gateway?.stop();
    await Promise.all([...httpServers.values()].map((server) => server.close()));
  });

  describe.each(LEGS)('$id ($seed over $transport)', ({ id, seed }) => {
    it('lists every recorded tool, as recorded', async () => {
      const prefix = `${id}__`;
      const listed = (await client.listTools()).tools
        .filter((tool) => tool.name.startsWith(prefix))
        .map((tool) => ({ ...tool, name: tool.name.slice(prefix.length) }));
      expect(listed).toEqual(recordingOf(seed).tools);
    });

    it('returns each recorded result for its recorded call', async () => {
      for (const { request, result } of callsOf(seed)) {
        const through = await client.callTool({ name: `${id}__${request.name}`, arguments: request.arguments ?? {} });
        expect(through).toEqual(result);
      }
    });

    it('is up on /healthz', async () => {
      const response = await fetch(gateway.url.replace(/\/mcp$/, '/healthz'));
      const { servers } = (await response.json()) as { servers: { id: string; state: string; tools?: number }[] };
      expect(servers.find((server) => server.id === id)).toMatchObject({
        state: 'up',
        tools: recordingOf(seed).tools.length,
      });
    });
  });

  it("passes PMCP's instructions on to clients, labelled by server", async () => {
    const instructions = client.getInstructions() ?? '';
    const pmcp = recordingOf('pmcp').instructions!;
    expect(instructions).toContain(pmcp.trim().slice(0, 200));
    expect(instructions).toContain('"pmcp"');
    // Bambu Lab MCP and Mcp Agent Proxy have none.
    expect(instructions).not.toContain('"bambu"');
  });

  it('warns once about the resources/templates/list of Bambu Lab MCP and PMCP, and about nothing else', async () => {
    await client.listResourceTemplates();
    await eventually(() => {
      const warnings = gateway.log.filter((line) => line.includes('"level":40'));
      for (const id of ['bambu', 'pmcp', 'pmcp-http']) {
        const about = warnings.filter((line) => line.includes(`"serverId":"${id}"`));
        expect(about).toHaveLength(1);
        expect(about[0]).toContain('resources/templates/list');
      }
      expect(warnings.filter((line) => line.includes('"serverId":"agentproxy'))).toEqual([]);
    });
  });
});
