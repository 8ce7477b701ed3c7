/**
 * The gateway's HTTP front door as a hostile or careless caller meets it: foreign Host and Origin headers,
 * oversized and malformed bodies, batches, unknown sessions; and the legacy HTTP+SSE transport for old clients.
 */
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { Client, SSEClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EVERYTHING_MAIN,
  GATEWAY_MAIN,
  ROOT,
  startGatewayProcess,
  writeConfig,
  type GatewayProcess,
} from './harness.js';

interface RawResponse {
  status: number;
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
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
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

describe('the HTTP front door', () => {
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

  it('reports each server on /healthz', async () => {
    const response = await send(gateway.url.replace(/\/mcp$/, '/healthz'), { method: 'GET' });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: 'ok', servers: [{ id: 'everything', state: 'ready' }] });
  });

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

describe('listening', () => {
  it('refuses to listen beyond loopback while grants do not exist', async () => {
    const config = writeConfig({ mcpServers: {} });
    const child = spawn(
      process.execPath,
      [GATEWAY_MAIN, 'start', '--config', config, '--host', '0.0.0.0', '--port', '0'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/Refusing to listen on 0\.0\.0\.0/);
  });
});
