import { getEventListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeFetch } from '../../src/sdk-forks/node-fetch.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

interface TestServer {
  url: string;
  /** Requests the server received, with their bodies. */
  requests: { method: string; headers: IncomingMessage['headers']; body: string }[];
  /** TCP connections the server accepted. */
  connections: Socket[];
}

let server: Server | undefined;

afterEach(async () => {
  const closing = server;
  server = undefined;
  if (!closing) return;
  closing.closeAllConnections();
  await new Promise((resolve) => closing.close(resolve));
});

async function serve(handler: Handler): Promise<TestServer> {
  const state: TestServer = { url: '', requests: [], connections: [] };
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      state.requests.push({ method: req.method ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  server.on('connection', (socket: Socket) => state.connections.push(socket));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  return state;
}

const nodeFetch = createNodeFetch();
const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createNodeFetch', () => {
  it('sends the method, headers and body, and answers with status, headers and body', async () => {
    const s = await serve((_req, res, body) => {
      res.writeHead(200, 'Fine', [
        ['Content-Type', 'application/json'],
        ['Set-Cookie', 'a=1'],
        ['Set-Cookie', 'b=2'],
        ['Mcp-Session-Id', 'abc'],
      ]);
      res.end(JSON.stringify({ echoed: JSON.parse(body) }));
    });
    const headers = new Headers({ 'content-type': 'application/json', 'mcp-protocol-version': '2025-11-25' });
    const response = await nodeFetch(new URL(s.url), { method: 'POST', headers, body: JSON.stringify({ a: 'é' }) });

    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(response.ok).toBe(true);
    expect(response.statusText).toBe('Fine');
    expect(response.headers.get('mcp-session-id')).toBe('abc');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.json()).toEqual({ echoed: { a: 'é' } });
    const [received] = s.requests;
    expect(received).toMatchObject({ method: 'POST', body: '{"a":"é"}' });
    expect(received!.headers).toMatchObject({
      'content-type': 'application/json',
      'mcp-protocol-version': '2025-11-25',
      'content-length': String(Buffer.byteLength('{"a":"é"}')),
      accept: '*/*',
    });
  });

  it('adds static headers under the caller’s, from any form of headers', async () => {
    const s = await serve((_req, res) => res.end());
    const withStatic = createNodeFetch({ 'X-Api-Key': 'k', Accept: 'text/plain' });
    await (await withStatic(s.url, { headers: { accept: 'application/json', 'x-one': '1' } })).text();
    await (
      await withStatic(s.url, {
        headers: [
          ['X-Two', 'a'],
          ['x-two', 'b'],
        ],
      })
    ).text();
    expect(s.requests[0]!.headers).toMatchObject({ 'x-api-key': 'k', accept: 'application/json', 'x-one': '1' });
    expect(s.requests[1]!.headers).toMatchObject({ 'x-api-key': 'k', accept: 'text/plain', 'x-two': 'a, b' });
  });

  it('streams the body as it arrives', async () => {
    let finish!: () => void;
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: message\ndata: {"n":1}\n\n');
      finish = () => res.end('data: {"n":2}\n\n');
    });
    const response = await nodeFetch(s.url, { method: 'POST', body: '{}' });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    expect((await reader.read()).value).toBe('event: message\ndata: {"n":1}\n\n');
    finish();
    expect((await reader.read()).value).toBe('data: {"n":2}\n\n');
    expect((await reader.read()).done).toBe(true);
  });

  it('keeps a body open while it is idle for longer than an unused socket is kept', async () => {
    // A listen stream can be quiet for minutes; the agent's timeout (5 s, here 50 ms) must close only sockets
    // nobody uses.
    let finish!: () => void;
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' }).write(': open\n\n');
      finish = () => res.end('data: late\n\n');
    });
    const quickFetch = createNodeFetch({}, { freeSocketTimeoutMs: 50 });
    const reader = (await quickFetch(s.url)).body!.pipeThrough(new TextDecoderStream()).getReader();
    await reader.read();
    // A socket's timeout fires from libuv, which fake timers do not reach: four timeouts of real quiet.
    await tick(200);
    finish();
    expect((await reader.read()).value).toBe('data: late\n\n');
  });

  it('reuses one keep-alive connection for requests one after another', async () => {
    const s = await serve((_req, res) => res.end('ok'));
    for (let i = 0; i < 5; i++)
      expect(await (await nodeFetch(s.url, { method: 'POST', body: '{}' })).text()).toBe('ok');
    expect(s.connections).toHaveLength(1);
  });

  it('rejects with the signal’s reason when aborted before the response, and drops the request', async () => {
    const s = await serve(() => undefined);
    const controller = new AbortController();
    const pending = nodeFetch(s.url, { method: 'POST', body: '{}', signal: controller.signal });
    await tick();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await tick();
    expect(s.connections[0]!.destroyed).toBe(true);
    await expect(nodeFetch(s.url, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('errors the body with the signal’s reason when aborted while it is read', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': open\n\n');
    });
    const controller = new AbortController();
    const response = await nodeFetch(s.url, { signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    const next = reader.read();
    controller.abort(new Error('closing'));
    await expect(next).rejects.toThrow('closing');
  });

  it('keeps at most one abort listener on a signal many requests share, and none once they are done', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const s = await serve((_req, res) => void released.then(() => res.end('ok')));
    const { signal } = new AbortController();
    const calls = Array.from({ length: 40 }, () => nodeFetch(s.url, { method: 'POST', body: '{}', signal }));
    await tick();
    expect(getEventListeners(signal, 'abort')).toHaveLength(1);
    release();
    const bodies = await Promise.all(calls.map(async (call) => (await call).text()));
    expect(bodies.every((body) => body === 'ok')).toBe(true);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    expect(s.requests).toHaveLength(40);
  });

  it('stops listening to the signal when the reader cancels the body', async () => {
    const s = await serve((_req, res) => res.writeHead(200).write('partial'));
    const { signal } = new AbortController();
    const response = await nodeFetch(s.url, { signal });
    await response.body!.cancel();
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('rejects with a TypeError when nothing listens on the port', async () => {
    const s = await serve(() => undefined);
    await new Promise((resolve) => server!.close(resolve));
    await expect(nodeFetch(s.url, { method: 'POST', body: '{}' })).rejects.toMatchObject({
      name: 'TypeError',
      cause: { code: 'ECONNREFUSED' },
    });
  });

  it('errors the body with a TypeError when the connection breaks mid-body', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('some');
      setTimeout(() => res.socket?.destroy(), 10);
    });
    const response = await nodeFetch(s.url);
    await expect(response.text()).rejects.toMatchObject({ name: 'TypeError', message: 'terminated' });
  });

  it('fails a response whose one message is larger than the bound, and passes many small SSE events', async () => {
    const bounded = createNodeFetch({}, { maxMessageBytes: 1024 });
    const big = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ text: 'x'.repeat(2048) }));
    });
    const response = await bounded(big.url);
    await expect(response.text()).rejects.toMatchObject({
      name: 'TypeError',
      message: 'terminated: the server sent a message larger than 1024 bytes',
    });
    const events = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < 20; i++)
        res.write(`event: message\ndata: ${JSON.stringify({ i, pad: 'y'.repeat(200) })}\n\n`);
      res.end();
    });
    const stream = await (await bounded(events.url)).text();
    expect(stream.match(/event: message/g)).toHaveLength(20);
  });

  it('puts the answer for its request in place of an SSE event over the bound, and reads the events after it', async () => {
    const bounded = createNodeFetch({}, { maxMessageBytes: 1024 });
    const big = JSON.stringify({ result: { text: 'x'.repeat(4096) }, jsonrpc: '2.0', id: 7 });
    const events = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: message\ndata: ${big}\n\n`);
      res.end(`event: message\ndata: {"jsonrpc":"2.0","method":"after"}\n\n`);
    });
    const data = [...(await (await bounded(events.url)).text()).matchAll(/^data: (.*)$/gm)].map(
      (match) => JSON.parse(match[1]!) as Record<string, unknown>,
    );
    expect(data).toMatchObject([{ id: 7, error: { code: -32603 } }, { method: 'after' }]);
  });

  it('gives no body for 204 and an empty one for an empty 202', async () => {
    const s = await serve((req, res) => res.writeHead(req.method === 'DELETE' ? 204 : 202).end());
    const deleted = await nodeFetch(s.url, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeNull();
    const accepted = await nodeFetch(s.url, { method: 'POST', body: '{}' });
    expect(accepted.status).toBe(202);
    expect(await accepted.text()).toBe('');
  });

  it('returns a redirect as it is when asked to, and refuses to follow one', async () => {
    const s = await serve((_req, res) => res.writeHead(307, { location: '/elsewhere' }).end());
    const manual = await nodeFetch(s.url, { method: 'POST', body: '{}', redirect: 'manual' });
    expect(manual.status).toBe(307);
    expect(manual.headers.get('location')).toBe('/elsewhere');
    await expect(nodeFetch(s.url, { method: 'POST', body: '{}' })).rejects.toThrow(TypeError);
  });

  it('decompresses a body a server compressed anyway', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync('{"ok":true}'));
    });
    expect(await (await nodeFetch(s.url)).json()).toEqual({ ok: true });
  });

  it('refuses what it does not implement rather than sending something else', async () => {
    await expect(nodeFetch(new Request('http://127.0.0.1:1/'))).rejects.toThrow(TypeError);
    await expect(nodeFetch('ftp://127.0.0.1/')).rejects.toThrow(TypeError);
    await expect(nodeFetch('http://127.0.0.1:1/', { method: 'GET', body: 'x' })).rejects.toThrow(TypeError);
  });
});
