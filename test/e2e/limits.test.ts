/**
 * Rate limits through the gateway under concurrency, and quota kept when the server fails a call.
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureCommand } from '../fixtures/spawn-fixture.js';
import { connectHttp, eventually, startGatewayProcess, textOf, writeConfig, type GatewayProcess } from './harness.js';

describe('limits through the gateway', () => {
  let gateway: GatewayProcess;
  let clients: Client[];

  beforeAll(async () => {
    const config = writeConfig(
      { mcpServers: { alpha: fixtureCommand('fixture-server.ts', ['--name', 'alpha']) } },
      {
        version: '1',
        default: 'allow',
        tools: {
          add: { limits: [{ counter: 'adds', window: 'minute', max: 10, scope: 'global' }] },
          fail: { limits: [{ counter: 'fails', window: 'minute', max: 2, scope: 'global' }] },
          whoami: { limits: [{ counter: 'whoami', window: 'hour', max: 3, scope: 'session' }] },
        },
      },
    );
    gateway = await startGatewayProcess(config);
    clients = await Promise.all(Array.from({ length: 4 }, () => connectHttp(gateway.url)));
  });

  afterAll(async () => {
    await Promise.all((clients ?? []).map((client) => client.close()));
    await gateway?.stop();
  });

  it('lets exactly max calls through when many arrive at once from several clients', async () => {
    const calls = Array.from({ length: 40 }, (_, i) =>
      clients[i % clients.length]!.callTool({ name: 'alpha__add', arguments: { a: i, b: 0 } }),
    );
    const results = await Promise.all(calls);
    const passed = results.filter((result) => !result.isError);
    const refused = results.filter((result) => result.isError);
    expect(passed).toHaveLength(10);
    expect(refused).toHaveLength(30);
    for (const result of refused) expect(textOf(result)).toMatch(/^\[RATE LIMITED\] .*Retry in/);
    // The log is written asynchronously; wait for the last lines to arrive.
    const denials = () =>
      gateway.log.filter(
        (line) =>
          line.includes('"msg":"call"') &&
          line.includes('"tool":"add"') &&
          line.includes('"decision":"rate_limited"') &&
          line.includes('"rule":"/tools/add/limits/0"'),
      );
    await eventually(() => expect(denials()).toHaveLength(30));
    const logged = gateway.log.filter((line) => line.includes('"msg":"call"') && line.includes('"tool":"add"'));
    expect(logged[0]).toMatch(/"policyRevision":"[0-9a-f]{12}"/);
  });

  it('keeps quota when the server fails the call: it received the call, and may have acted', async () => {
    for (let i = 0; i < 2; i++) {
      await expect(clients[0]!.callTool({ name: 'alpha__fail', arguments: {} })).rejects.toMatchObject({
        code: -32603,
      });
    }
    const third = await clients[0]!.callTool({ name: 'alpha__fail', arguments: {} });
    expect(textOf(third)).toMatch(/^\[RATE LIMITED\] /);
  });

  it('counts a session-scoped limit per client session', async () => {
    const [first, second] = clients as [Client, Client];
    for (let i = 0; i < 3; i++)
      expect((await first.callTool({ name: 'alpha__whoami', arguments: {} })).isError).toBeFalsy();
    expect((await first.callTool({ name: 'alpha__whoami', arguments: {} })).isError).toBe(true);
    expect((await second.callTool({ name: 'alpha__whoami', arguments: {} })).isError).toBeFalsy();
  });

  it('counts a session-scoped limit per grant for 2026-07-28 requests, which have no session', async () => {
    const modern = await connectHttp(gateway.url, { era: 'modern' });
    try {
      for (let i = 0; i < 3; i++)
        expect((await modern.callTool({ name: 'alpha__whoami', arguments: {} })).isError).toBeFalsy();
      expect(textOf(await modern.callTool({ name: 'alpha__whoami', arguments: {} }))).toMatch(/^\[RATE LIMITED\] /);
    } finally {
      await modern.close();
    }
  });
});

describe('shadow mode', () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    const config = writeConfig(
      { mcpServers: { alpha: fixtureCommand('fixture-server.ts', ['--name', 'alpha']) } },
      { version: '1', default: 'deny', mode: 'shadow', hide: ['whoami'] },
    );
    gateway = await startGatewayProcess(config);
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('lets calls through and logs what enforcement would have done', async () => {
    const client = await connectHttp(gateway.url);
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('alpha__whoami');
      expect(textOf(await client.callTool({ name: 'alpha__add', arguments: { a: 2, b: 3 } }))).toBe('5');
      // The log reaches the test through the gateway's stderr, after the result: wait for the line.
      const logged = () =>
        gateway.log.find((entry) => entry.includes('"msg":"call"') && entry.includes('"tool":"add"'));
      await eventually(() => expect(logged()).toBeDefined());
      const line = logged();
      expect(line).toMatch(/"decision":"allow"/);
      expect(line).toMatch(/"shadowed":\{"decision":"deny","rule":"\(default deny\)"\}/);
    } finally {
      await client.close();
    }
  });
});
