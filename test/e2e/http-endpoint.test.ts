/**
 * The gateway's HTTP endpoint as a hostile or careless caller meets it: foreign Host and Origin headers,
 * oversized and malformed bodies, batches, unknown sessions; and the legacy HTTP+SSE transport for old clients.
 */
import { spawn } from 'node:child_process';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { Client, SSEClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EVERYTHING_MAIN,
  eventually,
  GATEWAY_MAIN,
  ROOT,
  startGatewayProcess,
  writeConfig,
  type GatewayProcess,
} from './harness.js';

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP request, so that Host and every other header can be set as a hostile caller would. */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'POST', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

describe('the HTTP endpoint', () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGatewayProcess(
      writeConfig({
        listen: { maxBodyBytes: 4096, allowedOrigins: ['https://console.example.com'] },
        mcpServers: { everything: { command: process.execPath, args: [EVERYTHING_MAIN, 'stdio'] } },
      }),
    );
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('answers a well-formed initialize', async () => {
    const response = await send(gateway.url, { headers: JSON_HEADERS, body: initialize });
    expect(response.status).toBe(200);
    expect(response.body).toContain('"protocolVersion"');
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const response = await send(gateway.url, {
      headers: { ...JSON_HEADERS, host: 'evil.example.com' },
      body: initialize,
    });
    expect(response.status).toBe(403);
  });

  it('refuses a browser Origin it was not told about, and accepts a configured one', async () => {
    const refused = await send(gateway.url, {
      headers: { ...JSON_HEADERS, origin: 'https://evil.example.com' },
      body: initialize,
    });
    expect(refused.status).toBe(403);
    const allowed = await send(gateway.url, {
      headers: { ...JSON_HEADERS, origin: 'https://console.example.com' },
      body: initialize,
    });
    expect(allowed.status).toBe(200);
  });

  it('answers a body over listen.maxBodyBytes with 413', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(8192) } });
    const response = await send(gateway.url, { headers: JSON_HEADERS, body: big });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body).error.code).toBe(-32600);
  });

  it('refuses a batch with a JSON-RPC error', async () => {
    const response = await send(gateway.url, { headers: JSON_HEADERS, body: `[${initialize}]` });
    expect(response.status).toBe(400);
    const error = JSON.parse(response.body).error;
    expect(error.code).toBe(-32600);
    expect(error.message).toMatch(/Batch/i);
  });

  it('answers a body that is not JSON with a parse error', async () => {
    const response = await send(gateway.url, { headers: JSON_HEADERS, body: '{"jsonrpc": "2.0", ' });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).error.code).toBe(-32700);
  });

  it('answers an unknown session with 404, so the client starts a new one', async () => {
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' });
    const response = await send(gateway.url, {
      headers: { ...JSON_HEADERS, 'mcp-session-id': 'no-such-session', 'mcp-protocol-version': '2025-06-18' },
      body: ping,
    });
    expect(response.status).toBe(404);
  });

  it('logs each refusal with its code and counts it in /metrics, by code', async () => {
    const metrics = await send(gateway.url.replace(/\/mcp$/, '/metrics'), { method: 'GET' });
    const count = (code: string) =>
      Number(new RegExp(`^toolgate_http_refusals_total\\{code="${code}"\\} (\\d+)$`, 'm').exec(metrics.body)?.[1]);
    // The tests above sent two foreign Host/Origin headers, one oversized body, a batch, a body that is not JSON
    // and a request for an unknown session.
    expect(count('GW_FORBIDDEN_ORIGIN')).toBe(2);
    expect(count('GW_PAYLOAD_TOO_LARGE')).toBe(1);
    expect(count('GW_BAD_REQUEST')).toBe(1);
    expect(count('GW_PARSE_ERROR')).toBe(1);
    expect(count('GW_UNKNOWN_SESSION')).toBe(1);
    await eventually(() =>
      expect(
        gateway.log.filter((line) => line.includes('"code":"GW_UNKNOWN_SESSION"') && line.includes('"path":"/mcp"')),
      ).toHaveLength(1),
    );
  });

  it('reports each server on /healthz', async () => {
    const response = await send(gateway.url.replace(/\/mcp$/, '/healthz'), { method: 'GET' });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      status: 'ok',
      servers: [
        {
          id: 'everything',
          state: 'up',
          since: expect.any(String),
          era: 'legacy',
          tools: expect.any(Number),
          sessions: expect.any(Number),
        },
      ],
    });
  });

  it('keeps an idle connection open past Node’s 5 s default, so a client’s next request on it is answered', async () => {
    const { port, hostname } = new URL(gateway.url);
    const socket = connect(Number(port), hostname);
    const received: string[] = [];
    socket.setEncoding('utf8').on('data', (chunk: string) => received.push(chunk));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const get = `GET /healthz HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: keep-alive\r\n\r\n`;
    try {
      socket.write(get);
      await eventually(() => expect(received.join('')).toContain('"status":"ok"'));
      // Node 20 closes an idle connection 1 s after its keepAliveTimeout; 7 s is past the default either way.
      await new Promise((resolve) => setTimeout(resolve, 7_000));
      socket.write(get);
      await eventually(() => expect(received.join('').match(/HTTP\/1\.1 200/g)).toHaveLength(2));
    } finally {
      socket.destroy();
      await closed;
    }
  }, 20_000);

  it('serves old clients over the legacy HTTP+SSE transport', async () => {
    const client = new Client({ name: 'sse-client', version: '1' });
    await client.connect(new SSEClientTransport(new URL(gateway.url.replace(/\/mcp$/, '/sse'))));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toContain('everything__echo');
      const result = await client.callTool({ name: 'everything__echo', arguments: { message: 'old' } });
      expect(result.content).toEqual([{ type: 'text', text: 'Echo: old' }]);
    } finally {
      await client.close();
    }
  });
});

describe('a 2025-era session over HTTP', () => {
  let gateway: GatewayProcess;
  let sessionId: string;
  let sessionHeaders: Record<string, string>;

  beforeAll(async () => {
    gateway = await startGatewayProcess(
      writeConfig({ mcpServers: { everything: { command: process.execPath, args: [EVERYTHING_MAIN, 'stdio'] } } }),
    );
    const opened = await send(gateway.url, { headers: JSON_HEADERS, body: initialize });
    sessionId = opened.headers['mcp-session-id'] as string;
    sessionHeaders = { ...JSON_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' };
    const initialized = await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    expect(initialized.status).toBe(202);
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  function post(message: object, headers = sessionHeaders): Promise<RawResponse> {
    return send(gateway.url, { headers, body: JSON.stringify(message) });
  }

  const longCall = (id: number, steps: number) => ({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: {
      name: 'everything__trigger-long-running-operation',
      arguments: { duration: 0.2 * steps, steps },
      _meta: { progressToken: `p${id}` },
    },
  });

  /** The `data:` payloads of an SSE body, in order. */
  const events = (body: string) =>
    body
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice('data: '.length)) as { id?: number; method?: string });

  it('answers a call with plain JSON when its response is all that goes back', async () => {
    const response = await post({
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'everything__echo', arguments: { message: 'plain' } },
    });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['mcp-session-id']).toBe(sessionId);
    expect(Number(response.headers['content-length'])).toBe(Buffer.byteLength(response.body));
    expect(JSON.parse(response.body)).toMatchObject({ id: 2, result: { content: [{ text: 'Echo: plain' }] } });
  });

  it('refuses arguments nested deeper than listen.maxArgumentDepth and a name over listen.maxNameLength, forwarding neither', async () => {
    const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
    const tooDeep = await send(gateway.url, {
      headers: sessionHeaders,
      body: `{"jsonrpc":"2.0","id":20,"method":"tools/call","params":{"name":"everything__echo","arguments":${nested(1_000)}}}`,
    });
    expect(JSON.parse(tooDeep.body)).toMatchObject({
      id: 20,
      error: {
        code: -32602,
        message: expect.stringContaining(
          'nested more than 64 levels deep, the most Toolgate accepts (listen.maxArgumentDepth)',
        ),
        data: { code: 'GW_INVALID_PARAMS' },
      },
    });
    // Deeper than any config allows: refused before it is parsed, with the id read from the text.
    const beyondAny = await send(gateway.url, {
      headers: sessionHeaders,
      body: `{"jsonrpc":"2.0","id":22,"method":"tools/call","params":{"name":"everything__echo","arguments":${nested(100_000)}}}`,
    });
    expect(beyondAny.status).toBe(400);
    expect(JSON.parse(beyondAny.body)).toMatchObject({
      id: 22,
      error: { code: -32600, message: expect.stringContaining('levels deep'), data: { code: 'GW_BAD_REQUEST' } },
    });
    const tooLong = await post({
      jsonrpc: '2.0',
      id: 21,
      method: 'tools/call',
      params: { name: `everything__${'e'.repeat(100_000)}`, arguments: {} },
    });
    expect(JSON.parse(tooLong.body)).toMatchObject({
      id: 21,
      error: {
        code: -32602,
        message: expect.stringContaining('(listen.maxNameLength)'),
        data: { code: 'GW_INVALID_PARAMS' },
      },
    });
  });

  it('turns the answer into an SSE stream when progress goes back before the response', async () => {
    const response = await post(longCall(3, 3));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/event-stream');
    const messages = events(response.body);
    // The last step's progress may lose the race with the response; the first one always goes before it.
    expect(messages[0]).toMatchObject({ method: 'notifications/progress', params: { progress: 1 } });
    expect(messages.at(-1)).toMatchObject({ id: 3, result: { content: [{ type: 'text' }] } });
  });

  it('refuses a request whose id is already in flight, and still answers the first', async () => {
    const first = post(longCall(4, 2));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await post(longCall(4, 1));
    expect(second.status).toBe(400);
    expect(JSON.parse(second.body)).toMatchObject({ id: 4, error: { code: -32600 } });
    expect(events((await first).body).at(-1)).toMatchObject({ id: 4, result: {} });
  });

  it('refuses what the Streamable HTTP transport refuses, with its status codes', async () => {
    const ping = { jsonrpc: '2.0', id: 5, method: 'ping' };
    const noSse = await post(ping, { ...sessionHeaders, accept: 'application/json' });
    expect(noSse.status).toBe(406);
    const notJson = await post(ping, { ...sessionHeaders, 'content-type': 'text/plain' });
    expect(notJson.status).toBe(415);
    const notJsonRpc = await post({ hello: 'world' });
    expect(notJsonRpc.status).toBe(400);
    // JSON that is no JSON-RPC message is an Invalid Request; -32700 is for text that is not JSON.
    expect(JSON.parse(notJsonRpc.body).error.code).toBe(-32600);
    const oldVersion = await post(ping, { ...sessionHeaders, 'mcp-protocol-version': '1999-01-01' });
    expect(oldVersion.status).toBe(400);
    expect(JSON.parse(oldVersion.body).error.message).toMatch(/Unsupported protocol version: 1999-01-01/);
    const again = await post(JSON.parse(initialize) as object);
    expect(again.status).toBe(400);
    expect(JSON.parse(again.body).error.message).toMatch(/already initialized/);
  });

  it('keeps one GET stream per session and ends the session on DELETE', async () => {
    const listen = await new Promise<{ status: number; contentType: string | undefined; close(): void }>(
      (resolve, reject) => {
        const req = httpRequest(gateway.url, { method: 'GET', headers: sessionHeaders }, (res) =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'],
            close: () => req.destroy(),
          }),
        );
        req.on('error', reject);
        req.end();
      },
    );
    expect(listen.status).toBe(200);
    expect(listen.contentType).toBe('text/event-stream');
    const second = await send(gateway.url, { method: 'GET', headers: sessionHeaders });
    expect(second.status).toBe(409);
    listen.close();

    const deleted = await send(gateway.url, { method: 'DELETE', headers: sessionHeaders });
    expect(deleted.status).toBe(200);
    const after = await post({ jsonrpc: '2.0', id: 6, method: 'ping' });
    expect(after.status).toBe(404);
  });
});

describe('listening', () => {
  it('refuses to serve tokenless callers beyond loopback, when --host overrides a loopback config', async () => {
    const config = writeConfig({ listen: { allowTokenless: true }, mcpServers: {} });
    const child = spawn(
      process.execPath,
      [GATEWAY_MAIN, 'start', '--config', config, '--host', '0.0.0.0', '--port', '0'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('Refusing to listen on 0.0.0.0 with listen.allowTokenless');
  });
});

describe('bounded sessions', () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGatewayProcess(
      writeConfig({
        listen: { sessionIdleMs: 1000, maxSessionsPerGrant: 2 },
        mcpServers: { everything: { command: process.execPath, args: [EVERYTHING_MAIN, 'stdio'] } },
      }),
    );
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  const open = async (): Promise<string> => {
    const response = await send(gateway.url, { headers: JSON_HEADERS, body: initialize });
    expect(response.status).toBe(200);
    return response.headers['mcp-session-id'] as string;
  };
  const ping = async (session: string): Promise<number> => {
    const response = await send(gateway.url, {
      headers: { ...JSON_HEADERS, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'ping' }),
    });
    return response.status;
  };

  /** Opens the session's GET stream; resolves once it is open, with a promise of its end. */
  const listen = (session: string) =>
    new Promise<{ ended: Promise<void> }>((resolve, reject) => {
      const headers = { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
      const req = httpRequest(gateway.url, { method: 'GET', headers }, (res) => {
        expect(res.statusCode).toBe(200);
        resolve({ ended: new Promise((ended) => res.on('end', ended).resume()) });
      });
      req.on('error', reject);
      req.end();
    });

  it('ends here the least recently used session of a grant that opens one more than its share', async () => {
    const first = await open();
    const second = await open();
    const stream = await listen(second);
    expect(await ping(first)).toBe(200);
    await open();
    // The second was used least recently: it is the one ended here, and its stream with it.
    await stream.ended;
    // Its id is sealed: like any replica, this one takes it up again on its next request.
    expect(await ping(second)).toBe(200);
  });

  it('ends a session nobody uses for longer than sessionIdleMs', async () => {
    const session = await open();
    expect(await ping(session)).toBe(200);
    // Asking would be using it: wait instead for the sweeps to have ended both sessions left open here (this one,
    // and one of the test above, the grant's share being two), then ask once.
    const ended = () =>
      gateway.log
        .filter((line) => line.includes('idle HTTP sessions ended'))
        .reduce((sum, line) => sum + (JSON.parse(line) as { ended: number }).ended, 0);
    await eventually(() => expect(ended()).toBe(2));
    // Ended here, not for its client: its sealed id takes it up again, until it expires or is deleted.
    expect(await ping(session)).toBe(200);
    expect(await send(gateway.url, { method: 'DELETE', headers: { 'mcp-session-id': session } })).toMatchObject({
      status: 200,
    });
    expect(await ping(session)).toBe(404);
  });
});
