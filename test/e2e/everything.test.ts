/**
 * The gateway in front of the published reference server, `@modelcontextprotocol/server-everything`, over every
 * transport on both sides: the server over stdio, Streamable HTTP and legacy SSE; clients over Streamable HTTP
 * (both protocol eras) and stdio.
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectHttp,
  connectStdio,
  EVERYTHING_MAIN,
  startEverythingHttp,
  startGatewayProcess,
  writeConfig,
  type GatewayProcess,
  type HttpServerProcess,
  textOf,
  eventually,
} from './harness.js';

type Upstream = 'stdio' | 'streamableHttp' | 'sse';

async function serverEntry(kind: Upstream, started: HttpServerProcess[]): Promise<Record<string, unknown>> {
  if (kind === 'stdio') return { command: process.execPath, args: [EVERYTHING_MAIN, 'stdio'] };
  const server = await startEverythingHttp(kind);
  started.push(server);
  return kind === 'sse'
    ? { type: 'sse', url: `http://127.0.0.1:${server.port}/sse` }
    : { type: 'http', url: `http://127.0.0.1:${server.port}/mcp` };
}

describe.each<Upstream>(['stdio', 'streamableHttp', 'sse'])('server-everything over %s behind the gateway', (kind) => {
  const started: HttpServerProcess[] = [];
  let gateway: GatewayProcess;
  let config: string;

  beforeAll(async () => {
    config = writeConfig({ mcpServers: { everything: await serverEntry(kind, started) } });
    gateway = await startGatewayProcess(config);
  });

  afterAll(async () => {
    await gateway?.stop();
    await Promise.all(started.map((server) => server.stop()));
  });

  const clients: { name: string; connect: () => Promise<Client> }[] = [
    { name: 'legacy HTTP client', connect: () => connectHttp(gateway.url) },
    { name: '2026-07-28 HTTP client', connect: () => connectHttp(gateway.url, { era: 'modern' }) },
    { name: 'legacy stdio client', connect: async () => (await connectStdio(config)).client },
    { name: '2026-07-28 stdio client', connect: async () => (await connectStdio(config, { era: 'modern' })).client },
  ];

  for (const { name, connect } of clients) {
    it(`lists the server's tools under its id and calls them (${name})`, async () => {
      const client = await connect();
      try {
        const { tools } = await client.listTools();
        const names = tools.map((tool) => tool.name);
        expect(names).toContain('everything__echo');
        expect(names.every((n) => n.startsWith('everything__'))).toBe(true);
        const echo = await client.callTool({ name: 'everything__echo', arguments: { message: 'through the gate' } });
        expect(textOf(echo)).toBe('Echo: through the gate');
        const sum = await client.callTool({ name: 'everything__get-sum', arguments: { a: 2, b: 40 } });
        expect(textOf(sum)).toContain('42');
      } finally {
        await client.close();
      }
    });
  }

  it('passes structuredContent through untouched', async () => {
    const client = await connectHttp(gateway.url);
    try {
      const result = await client.callTool({
        name: 'everything__get-structured-content',
        arguments: { location: 'New York' },
      });
      expect(result.structuredContent).toMatchObject({
        temperature: expect.any(Number),
        conditions: expect.any(String),
      });
    } finally {
      await client.close();
    }
  });

  it("re-sends the server's progress under the client's own token", async () => {
    const client = await connectHttp(gateway.url);
    try {
      const progress: number[] = [];
      const result = await client.callTool(
        { name: 'everything__trigger-long-running-operation', arguments: { duration: 1, steps: 4 } },
        { onprogress: (p) => progress.push(p.progress) },
      );
      expect(textOf(result)).toContain('Long running operation completed');
      expect(progress.length).toBeGreaterThanOrEqual(3);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
    } finally {
      await client.close();
    }
  });

  it('reads resources and gets prompts, with the gateway’s own pagination', async () => {
    const client = await connectHttp(gateway.url);
    try {
      const { resources } = await client.listResources();
      expect(resources.length).toBeGreaterThan(0);
      const first = resources[0]!;
      const read = await client.readResource({ uri: first.uri });
      expect(read.contents[0]?.uri).toBe(first.uri);
      const { prompts } = await client.listPrompts();
      expect(prompts.map((p) => p.name)).toContain('everything__simple-prompt');
      const prompt = await client.getPrompt({ name: 'everything__simple-prompt' });
      expect(prompt.messages.length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });
});

describe('requests from the server reach the client that caused them', () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGatewayProcess(
      writeConfig({ mcpServers: { everything: { command: process.execPath, args: [EVERYTHING_MAIN, 'stdio'] } } }),
    );
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('sampling, elicitation and roots go to the calling client, and only declared capabilities reach the server', async () => {
    const plain = await connectHttp(gateway.url);
    const capable = await connectHttp(gateway.url, {
      capabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } },
    });
    try {
      // server-everything registers its sampling, elicitation and roots tools only for clients that declare them.
      const plainNames = (await plain.listTools()).tools.map((t) => t.name);
      expect(plainNames).not.toContain('everything__trigger-sampling-request');
      const capableNames = (await capable.listTools()).tools.map((t) => t.name);
      expect(capableNames).toContain('everything__trigger-sampling-request');

      capable.setRequestHandler('sampling/createMessage', async (request) => ({
        role: 'assistant',
        content: { type: 'text', text: `sampled: ${JSON.stringify(request.params.messages[0]?.content)}` },
        model: 'test-model',
      }));
      capable.setRequestHandler('roots/list', async () => ({
        roots: [{ uri: 'file:///work/project', name: 'project' }],
      }));
      capable.setRequestHandler('elicitation/create', async () => ({
        action: 'accept',
        content: { color: 'blue', number: 7, pets: 'cats' },
      }));

      const sampled = await capable.callTool({
        name: 'everything__trigger-sampling-request',
        arguments: { prompt: 'hello', maxTokens: 10 },
      });
      expect(textOf(sampled)).toContain('test-model');
      const roots = await capable.callTool({ name: 'everything__get-roots-list', arguments: {} });
      expect(textOf(roots)).toContain('file:///work/project');
      const elicited = await capable.callTool({ name: 'everything__trigger-elicitation-request', arguments: {} });
      expect(textOf(elicited)).toMatch(/accept/i);
    } finally {
      await plain.close();
      await capable.close();
    }
  });
  it('server logs sent outside any call reach the client on its session stream', async () => {
    const client = await connectHttp(gateway.url);
    const logs: { logger?: string }[] = [];
    client.setNotificationHandler('notifications/message', (n) => void logs.push(n.params));
    try {
      await client.setLoggingLevel('debug');
      await client.callTool({ name: 'everything__toggle-simulated-logging', arguments: {} });
      // server-everything logs on a timer, after the call has returned.
      await eventually(() => expect(logs.length).toBeGreaterThan(0), 15_000);
      expect(logs[0]!.logger).toMatch(/^everything/);
      await client.callTool({ name: 'everything__toggle-simulated-logging', arguments: {} });
    } finally {
      await client.close();
    }
  }, 20_000);

  it('a 2026-07-28 client answers a 2025-era server’s requests through input_required results', async () => {
    const client = await connectHttp(gateway.url, {
      era: 'modern',
      capabilities: { sampling: {}, elicitation: { form: {} }, roots: {} },
    });
    try {
      let asked = 0;
      client.setRequestHandler('sampling/createMessage', async () => {
        asked++;
        return { role: 'assistant', content: { type: 'text', text: 'bridged answer' }, model: 'bridge-model' };
      });
      client.setRequestHandler('roots/list', async () => ({ roots: [{ uri: 'file:///modern/root', name: 'modern' }] }));
      // The SDK client fulfils input_required results itself and retries with its answers.
      const sampled = await client.callTool({
        name: 'everything__trigger-sampling-request',
        arguments: { prompt: 'hello', maxTokens: 10 },
      });
      expect(asked).toBe(1);
      expect(textOf(sampled)).toContain('bridge-model');
      const roots = await client.callTool({ name: 'everything__get-roots-list', arguments: {} });
      expect(textOf(roots)).toContain('file:///modern/root');
    } finally {
      await client.close();
    }
  });
});

describe('a server gets exactly the environment the config gives it', () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    process.env.TOOLGATE_TEST_SECRET = 'must-not-leak';
    gateway = await startGatewayProcess(
      writeConfig({
        mcpServers: {
          everything: { command: process.execPath, args: [EVERYTHING_MAIN, 'stdio'], env: { GIVEN: 'to-the-server' } },
        },
      }),
    );
  });

  afterAll(async () => {
    delete process.env.TOOLGATE_TEST_SECRET;
    await gateway?.stop();
  });

  it('passes configured variables and none of the gateway’s own', async () => {
    const client = await connectHttp(gateway.url);
    try {
      const env = textOf(await client.callTool({ name: 'everything__get-env', arguments: {} }));
      expect(env).toContain('to-the-server');
      expect(env).not.toContain('must-not-leak');
      expect(env).not.toContain('TOOLGATE_TEST_SECRET');
    } finally {
      await client.close();
    }
  });
});
