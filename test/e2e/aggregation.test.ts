/**
 * Several servers shown as one: namespacing, routing, the gateway's own pagination, and everything that must
 * pass through untouched or reach the right client (structured results, resources, prompts, completions,
 * subscriptions, list changes, logs).
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureCommand, startHttpFixture, type HttpFixture } from '../fixtures/spawn-fixture.js';
import { connectHttp, startGatewayProcess, writeConfig, type GatewayProcess, textOf, eventually } from './harness.js';

/** A pass-through result schema, so the test sees exactly what arrived. */
const raw = { '~standard': { version: 1, vendor: 'test', validate: (value: unknown) => ({ value }) } } as const;

describe('two servers behind one gateway', () => {
  let beta: HttpFixture;
  let gateway: GatewayProcess;
  let client: Client;

  beforeAll(async () => {
    beta = await startHttpFixture('fixture-server.ts', ['--name', 'beta']);
    gateway = await startGatewayProcess(
      writeConfig({
        mcpServers: {
          alpha: fixtureCommand('fixture-server.ts', ['--name', 'alpha', '--page-size', '3']),
          beta: { url: beta.url },
        },
      }),
    );
    client = await connectHttp(gateway.url);
  });

  afterAll(async () => {
    await client?.close();
    await gateway?.stop();
    await beta?.close();
  });

  it('shows each server’s tools under its id, following the server’s own cursors', async () => {
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toContain('alpha__echo');
    expect(names).toContain('beta__echo');
    // alpha pages its list three at a time; every tool must still be there.
    expect(names.filter((name) => name.startsWith('alpha__')).length).toBe(
      names.filter((name) => name.startsWith('beta__')).length,
    );
  });

  it('routes each call to the server that owns the tool', async () => {
    expect(textOf(await client.callTool({ name: 'alpha__whoami', arguments: {} }))).toBe('alpha');
    expect(textOf(await client.callTool({ name: 'beta__whoami', arguments: {} }))).toBe('beta');
  });

  it('answers an unknown tool with an invalid-params error', async () => {
    await expect(client.callTool({ name: 'gamma__whoami', arguments: {} })).rejects.toThrow(
      /Unknown tool: gamma__whoami/,
    );
  });

  it('passes structuredContent, _meta, unknown fields and soft failures through untouched', async () => {
    const result = (await client.request(
      { method: 'tools/call', params: { name: 'beta__raw_result', arguments: {} } },
      raw,
    )) as Record<string, unknown>;
    expect(result.extraField).toBe('kept');
    expect(result._meta).toMatchObject({ 'fixture/marker': 42 });
    expect(result.structuredContent).toBeDefined();
    const soft = (await client.request(
      { method: 'tools/call', params: { name: 'alpha__soft_fail', arguments: {} } },
      raw,
    )) as Record<string, unknown>;
    expect(soft.isError).toBe(false);
    expect(textOf(soft)).toBe('{"error":"something went wrong"}');
  });

  it('forwards a server’s JSON-RPC error with its code', async () => {
    await expect(client.callTool({ name: 'alpha__fail', arguments: {} })).rejects.toMatchObject({ code: -32603 });
  });

  it('routes resources, templates, prompts and completions', async () => {
    const uris = (await client.listResources()).resources.map((resource) => resource.uri);
    expect(uris).toEqual(expect.arrayContaining(['fixture://alpha/static', 'fixture://beta/static']));
    const read = await client.readResource({ uri: 'fixture://beta/items/7' });
    expect(read.contents[0]).toMatchObject({ uri: 'fixture://beta/items/7', text: 'item 7' });
    const prompt = await client.getPrompt({ name: 'alpha__greet', arguments: { name: 'ada' } });
    expect(JSON.stringify(prompt.messages)).toContain('Hello, ada from alpha');
    const completion = await client.complete({
      ref: { type: 'ref/prompt', name: 'beta__greet' },
      argument: { name: 'name', value: 'al' },
    });
    expect(completion.completion.values).toEqual(['alice', 'albert']);
    const templates = (await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
    expect(templates).toContain('fixture://alpha/items/{id}');
  });

  it('pages long lists with its own cursors and rejects cursors it did not issue', async () => {
    await client.callTool({ name: 'alpha__add_tool', arguments: { name: 'extra', count: 510 } });
    // The gateway re-lists the server when told its list changed: the last tool added arrives a moment later.
    await eventually(async () =>
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('alpha__extra_509'),
    );
    const first = (await client.request({ method: 'tools/list', params: {} }, raw)) as {
      tools: unknown[];
      nextCursor?: string;
    };
    expect(first.tools).toHaveLength(500);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (await client.request({ method: 'tools/list', params: { cursor: first.nextCursor } }, raw)) as {
      tools: { name: string }[];
      nextCursor?: string;
    };
    expect(second.tools.length).toBeGreaterThan(0);
    expect(second.nextCursor).toBeUndefined();
    const paged = [...first.tools, ...second.tools].map((tool) => (tool as { name: string }).name);
    expect(paged).toContain('alpha__extra_509');
    await expect(client.request({ method: 'tools/list', params: { cursor: 'not-ours' } }, raw)).rejects.toMatchObject({
      code: -32602,
    });
  });
});

describe('notifications reach the clients they concern', () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGatewayProcess(
      writeConfig({ mcpServers: { alpha: fixtureCommand('fixture-server.ts', ['--name', 'alpha']) } }),
    );
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('tells clients that listed tools when a server’s tools change', async () => {
    const watcher = await connectHttp(gateway.url);
    let changed = 0;
    watcher.setNotificationHandler('notifications/tools/list_changed', () => void changed++);
    try {
      await watcher.listTools();
      await watcher.callTool({ name: 'alpha__add_tool', arguments: { name: 'late_arrival' } });
      await eventually(() => expect(changed).toBeGreaterThan(0));
      const names = (await watcher.listTools()).tools.map((tool) => tool.name);
      expect(names).toContain('alpha__late_arrival');
      expect(textOf(await watcher.callTool({ name: 'alpha__late_arrival', arguments: {} }))).toBe(
        'late_arrival from alpha',
      );
    } finally {
      await watcher.close();
    }
  });

  it('delivers resource updates only to subscribed clients', async () => {
    const subscriber = await connectHttp(gateway.url);
    const bystander = await connectHttp(gateway.url);
    const seen: string[] = [];
    const unseen: string[] = [];
    subscriber.setNotificationHandler('notifications/resources/updated', (n) => void seen.push(n.params.uri));
    bystander.setNotificationHandler('notifications/resources/updated', (n) => void unseen.push(n.params.uri));
    try {
      await subscriber.subscribeResource({ uri: 'fixture://alpha/counter' });
      await bystander.callTool({ name: 'alpha__bump', arguments: {} });
      await eventually(() => expect(seen).toContain('fixture://alpha/counter'));
      expect(unseen).toEqual([]);
      await subscriber.unsubscribeResource({ uri: 'fixture://alpha/counter' });
      const before = seen.length;
      await bystander.callTool({ name: 'alpha__bump', arguments: {} });
      // The server notifies before it answers the bump, so an update wrongly forwarded would be on the
      // subscriber's stream before anything that follows: subscribe again, bump again, and exactly one arrives.
      await subscriber.subscribeResource({ uri: 'fixture://alpha/counter' });
      await bystander.callTool({ name: 'alpha__bump', arguments: {} });
      await eventually(() => expect(seen.length).toBeGreaterThan(before));
      expect(seen.length).toBe(before + 1);
    } finally {
      await subscriber.close();
      await bystander.close();
    }
  });

  it('filters server logs by each client’s level and names the server', async () => {
    const client = await connectHttp(gateway.url);
    const logs: { level: string; logger?: string; data: unknown }[] = [];
    client.setNotificationHandler('notifications/message', (n) => void logs.push(n.params));
    try {
      await client.setLoggingLevel('warning');
      await client.callTool({ name: 'alpha__log', arguments: { level: 'info', message: 'too quiet' } });
      await client.callTool({ name: 'alpha__log', arguments: { level: 'error', message: 'loud enough' } });
      await eventually(() => expect(logs.map((log) => JSON.stringify(log.data))).toContain('"loud enough"'));
      expect(JSON.stringify(logs)).not.toContain('too quiet');
      expect(logs.find((log) => JSON.stringify(log.data) === '"loud enough"')?.logger).toMatch(/^alpha/);
    } finally {
      await client.close();
    }
  });
});

describe('a client’s roots change', () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    // 2025-era servers are told with notifications/roots/list_changed; a 2026-07-28 server is given the roots
    // with each request that needs them, so there is nothing to tell it.
    gateway = await startGatewayProcess(
      writeConfig({ mcpServers: { old: fixtureCommand('fixture-server.ts', ['--name', 'old', '--era', 'legacy']) } }),
    );
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('is told to the servers that client uses, and not on other clients’ connections', async () => {
    const rooted = await connectHttp(gateway.url, { capabilities: { roots: { listChanged: true } } });
    const plain = await connectHttp(gateway.url);
    rooted.setRequestHandler('roots/list', () => ({ roots: [{ uri: 'file:///work/project', name: 'project' }] }));
    const changesSeenBy = async (client: Client) =>
      textOf(await client.callTool({ name: 'old__roots_changes', arguments: {} }));
    try {
      // Each client reaches the server on a connection of its own: one declares roots, the other nothing.
      expect(await changesSeenBy(rooted)).toBe('0');
      expect(await changesSeenBy(plain)).toBe('0');
      await rooted.sendRootsListChanged();
      await eventually(async () => expect(await changesSeenBy(rooted)).toBe('1'));
      expect(await changesSeenBy(plain)).toBe('0');
    } finally {
      await rooted.close();
      await plain.close();
    }
  });
});

describe('namespacing in conflicts mode', () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGatewayProcess(
      writeConfig({
        namespacing: { mode: 'conflicts' },
        mcpServers: {
          alpha: fixtureCommand('fixture-server.ts', ['--name', 'alpha', '--tools', 'whoami,add']),
          beta: fixtureCommand('fixture-server.ts', ['--name', 'beta', '--tools', 'whoami,big']),
        },
      }),
    );
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('keeps unique names as the server gives them and prefixes the shared ones', async () => {
    const client = await connectHttp(gateway.url);
    try {
      const names = (await client.listTools()).tools.map((tool) => tool.name).sort();
      expect(names).toEqual(['add', 'alpha__whoami', 'beta__whoami', 'big']);
      expect(textOf(await client.callTool({ name: 'beta__whoami', arguments: {} }))).toBe('beta');
      expect(textOf(await client.callTool({ name: 'add', arguments: { a: 1, b: 2 } }))).toBe('3');
    } finally {
      await client.close();
    }
  });
});
