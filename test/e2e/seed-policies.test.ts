/**
 * The three policy documents of the product pages, verbatim, in front of replays of the servers they were
 * written for: each behaves as its page says. Also: counters that survive a restart, and policy edits applied
 * while clients stay connected.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureCommand, fixturePath } from '../fixtures/spawn-fixture.js';
import {
  eventually,
  ROOT,
  startGatewayProcess,
  textOf,
  writeConfig,
  type GatewayProcess,
  toolgate,
  tokenFrom,
  connectWithToken,
  policyFileOf,
} from './harness.js';

const SEED_POLICIES = join(ROOT, 'src/policy/testdata');

function replay(seed: string): { command: string; args: string[] } {
  return fixtureCommand('replay-server.ts', [
    '--recording',
    fixturePath(`seed-servers/${seed}.json`),
    '--calls',
    fixturePath(`seed-servers/${seed}.sample-calls.json`),
  ]);
}

function recordedToolNames(seed: string): string[] {
  const recording = JSON.parse(readFileSync(fixturePath(`seed-servers/${seed}.json`), 'utf8')) as {
    tools: { name: string }[];
  };
  return recording.tools.map((tool) => tool.name);
}

function decisionOf(result: { _meta?: Record<string, unknown> }): Record<string, unknown> | undefined {
  return result._meta?.['toolgate/decision'] as Record<string, unknown> | undefined;
}

describe('the seed pages’ policies, verbatim', () => {
  let config: string;
  let gateway: GatewayProcess;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    config = writeConfig({
      mcpServers: { bambu: replay('bambu-mcp'), agentproxy: replay('mcp-agent-proxy'), pmcp: replay('pmcp') },
    });
    for (const [label, seed, server] of [
      ['printer-agent', 'bambu-mcp', 'bambu'],
      ['proxy-agent', 'mcp-agent-proxy', 'agentproxy'],
      ['pmcp-agent', 'pmcp', 'pmcp'],
    ] as const) {
      const policy = join(dirname(config), `${seed}.policy.json`);
      copyFileSync(join(SEED_POLICIES, `${seed}.policy.json`), policy);
      tokens[label] = tokenFrom(
        toolgate('grants', 'create', '--label', label, '--policy', policy, '--servers', server, '--config', config),
      );
    }
    gateway = await startGatewayProcess(config);
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('bambu: mqtt_disconnect gets a rate cap of 60 a minute per grant; everything else is listed and denied', async () => {
    const client = await connectWithToken(gateway.url, tokens['printer-agent']!);
    try {
      const listed = (await client.listTools()).tools.map((tool) => tool.name).sort();
      expect(listed).toEqual(
        recordedToolNames('bambu-mcp')
          .map((name) => `bambu__${name}`)
          .sort(),
      );

      const first = await client.callTool({ name: 'bambu__mqtt_disconnect', arguments: {} });
      expect(first.isError).toBeFalsy();
      expect(textOf(first)).toContain('Disconnected from MQTT');
      for (let call = 2; call <= 60; call++) {
        expect((await client.callTool({ name: 'bambu__mqtt_disconnect', arguments: {} })).isError).toBeFalsy();
      }
      const sixtyFirst = await client.callTool({ name: 'bambu__mqtt_disconnect', arguments: {} });
      expect(sixtyFirst.isError).toBe(true);
      expect(textOf(sixtyFirst)).toMatch(/^\[RATE LIMITED\] .*at most 60 calls per minute per grant/);
      expect(decisionOf(sixtyFirst)).toMatchObject({
        effect: 'deny',
        rule: '/tools/mqtt_disconnect/limits/0',
        retryAfterMs: expect.any(Number),
      });

      const stop = await client.callTool({ name: 'bambu__printer_stop', arguments: {} });
      expect(stop.isError).toBe(true);
      expect(textOf(stop)).toMatch(/^\[POLICY DENIED\] /);
      expect(decisionOf(stop)).toMatchObject({ effect: 'deny', rule: '(default deny)' });
    } finally {
      await client.close();
    }
  });

  it('agent proxy: disconnectServer capped at 30 a minute, its failure-as-result forwarded as is', async () => {
    const client = await connectWithToken(gateway.url, tokens['proxy-agent']!);
    try {
      const result = await client.callTool({ name: 'agentproxy__disconnectServer', arguments: { serverName: 'nope' } });
      expect(result.isError).toBe(false);
      expect(textOf(result)).toContain('TOOL_EXECUTION_FAILED');
      for (let call = 2; call <= 30; call++) {
        await client.callTool({ name: 'agentproxy__disconnectServer', arguments: { serverName: 'nope' } });
      }
      const refused = await client.callTool({
        name: 'agentproxy__disconnectServer',
        arguments: { serverName: 'nope' },
      });
      expect(decisionOf(refused)).toMatchObject({ effect: 'deny', rule: '/tools/disconnectServer/limits/0' });
      const connect = await client.callTool({ name: 'agentproxy__connectServer', arguments: {} });
      expect(decisionOf(connect)).toMatchObject({ rule: '(default deny)' });
    } finally {
      await client.close();
    }
  });

  it('pmcp: gateway.disconnect_server vanishes, and calling it is indistinguishable from a tool that does not exist', async () => {
    const client = await connectWithToken(gateway.url, tokens['pmcp-agent']!);
    try {
      const listed = (await client.listTools()).tools.map((tool) => tool.name);
      expect(listed).not.toContain('pmcp__gateway.disconnect_server');
      expect(listed).toHaveLength(recordedToolNames('pmcp').length - 1);
      const hidden = await client
        .callTool({ name: 'pmcp__gateway.disconnect_server', arguments: { server_name: 'playwright' } })
        .catch((error: Error & { code?: number }) => ({ code: error.code, message: error.message }));
      const absent = await client
        .callTool({ name: 'pmcp__gateway.no_such_tool', arguments: {} })
        .catch((error: Error & { code?: number }) => ({ code: error.code, message: error.message }));
      expect(hidden).toEqual({
        code: (absent as { code: number }).code,
        message: (absent as { message: string }).message.replace('gateway.no_such_tool', 'gateway.disconnect_server'),
      });
      const other = await client.callTool({ name: 'pmcp__gateway.catalog_search', arguments: { query: 'x' } });
      expect(decisionOf(other)).toMatchObject({ rule: '(default deny)' });
    } finally {
      await client.close();
    }
  });

  it('counters survive a restart of the gateway', async () => {
    await gateway.stop();
    gateway = await startGatewayProcess(config);
    const client = await connectWithToken(gateway.url, tokens['printer-agent']!);
    try {
      const again = await client.callTool({ name: 'bambu__mqtt_disconnect', arguments: {} });
      expect(decisionOf(again)).toMatchObject({ effect: 'deny', rule: '/tools/mqtt_disconnect/limits/0' });
    } finally {
      await client.close();
    }
  });
});

describe('policy edits while clients stay connected', () => {
  let gateway: GatewayProcess;
  let policyFile: string;

  beforeAll(async () => {
    const config = writeConfig(
      { mcpServers: { alpha: fixtureCommand('fixture-server.ts', ['--name', 'alpha']) } },
      { version: '1', default: 'allow' },
    );
    policyFile = policyFileOf(config);
    gateway = await startGatewayProcess(config);
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('applies a valid edit to the next call, tells clients whose tool list changed, and never applies a broken one', async () => {
    const client = new Client({ name: 'local', version: '1' });
    let listChanged = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => void listChanged++);
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url)));
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('alpha__add');
      expect(textOf(await client.callTool({ name: 'alpha__add', arguments: { a: 1, b: 1 } }))).toBe('2');

      writeFileSync(
        policyFile,
        JSON.stringify({
          version: '1',
          default: 'allow',
          hide: ['whoami'],
          tools: {
            add: { deny_if: [{ conditions: [{ path: 'args.a', op: 'gt', value: 10 }], on_deny: 'a is too big' }] },
          },
        }),
      );
      await eventually(() => expect(listChanged).toBeGreaterThan(0));
      expect((await client.listTools()).tools.map((tool) => tool.name)).not.toContain('alpha__whoami');
      const denied = await client.callTool({ name: 'alpha__add', arguments: { a: 11, b: 1 } });
      expect(textOf(denied)).toBe('[POLICY DENIED] a is too big');
      expect(decisionOf(denied)).toMatchObject({ rule: '/tools/add/deny_if/0' });

      writeFileSync(policyFile, '{ "version": "1", "default": "deny", ');
      // The reload has happened once the gateway says it refused the file; the previous policy still applies.
      await eventually(() => expect(gateway.log.some((line) => line.includes('policy file not applied'))).toBe(true));
      const stillOld = await client.callTool({ name: 'alpha__add', arguments: { a: 11, b: 1 } });
      expect(textOf(stillOld)).toBe('[POLICY DENIED] a is too big');
      expect(textOf(await client.callTool({ name: 'alpha__add', arguments: { a: 2, b: 2 } }))).toBe('4');
    } finally {
      await client.close();
    }
  });
});
