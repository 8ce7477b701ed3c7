/**
 * The benchmark's MCP clients. Two kinds, chosen with `--client`:
 *
 * - `raw` (the default): minimal 2025-era JSON-RPC clients. Over HTTP: a `node:http` keep-alive agent, POST per
 *   message, the `Mcp-Session-Id` and `Mcp-Protocol-Version` headers, the body read to its end and parsed
 *   (plain JSON or SSE `data:` lines). Over stdio: newline-delimited JSON on the child's pipes, calls matched to
 *   answers by id. They do what any client must do (serialize, send, read, parse every answer) and nothing more.
 * - `sdk`: the official SDK v2 `Client` with its Streamable HTTP or stdio transport.
 *
 * On this 2-core machine the client shares the CPU with the gateway and the server, so a heavier client
 * hides the cost being measured; bench/README.md has the numbers behind choosing `raw` by default.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { setMaxListeners } from 'node:events';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

export type ClientKind = 'raw' | 'sdk';

/** The latest 2025-era protocol revision; every target answers it (or names the one it speaks instead). */
const PROTOCOL_VERSION = '2025-11-25';

const CLIENT_INFO = { name: 'toolgate-bench', version: '1.0.0' };

/** One MCP client session: a tools/call, tools/list (every page), close. */
export interface Session {
  call(tool: string, args: Record<string, unknown>): Promise<void>;
  listTools(): Promise<string[]>;
  close(): Promise<void>;
}

class RpcError extends Error {
  constructor(readonly error: unknown) {
    super(`JSON-RPC error: ${JSON.stringify(error)}`);
  }
}

/** How to open an HTTP session: keep the GET stream open (`listen`), authenticate with a grant's `token`. */
export interface HttpSessionOptions {
  listen?: boolean;
  token?: string;
}

type JsonRpcMessage = { id?: number | string | null; result?: unknown; error?: unknown; method?: string };

/**
 * The keep-alive agent every raw HTTP session shares: one socket per session doing calls back to back. While
 * other targets take their turn a session's socket idles for several seconds, and Node servers close idle
 * keep-alive sockets after 5 s: the agent drops its own after 4 s of idling, so a call never races that close.
 */
export const httpAgent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 4096, timeout: 4_000 });

// ---------------------------------------------------------------------------------------------- raw HTTP

interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * POSTs a body and reads the whole answer. A request sent on a reused keep-alive socket that the server closed
 * at that moment fails with a reset before the server read it; it is sent once more on a fresh socket, as
 * Node's documentation advises (`request.reusedSocket`).
 */
async function post(url: URL, headers: Record<string, string>, body: string): Promise<HttpAnswer> {
  try {
    return await postOnce(url, headers, body);
  } catch (error) {
    if (!(error as { reusedSocket?: boolean }).reusedSocket) throw error;
    return postOnce(url, headers, body);
  }
}

function postOnce(url: URL, headers: Record<string, string>, body: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent: httpAgent,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      const raced = req.reusedSocket && (error.code === 'ECONNRESET' || error.message === 'socket hang up');
      reject(raced ? Object.assign(error, { reusedSocket: true }) : error);
    });
    req.end(body);
  });
}

/** The JSON-RPC messages in a POST's answer, which is either JSON or an SSE stream. */
function messagesOf(answer: HttpAnswer): JsonRpcMessage[] {
  const type = answer.headers['content-type'] ?? '';
  if (type.startsWith('application/json')) return [JSON.parse(answer.body) as JsonRpcMessage];
  if (!type.startsWith('text/event-stream')) {
    throw new Error(`unexpected answer ${answer.status} ${type}: ${answer.body.slice(0, 200)}`);
  }
  const messages: JsonRpcMessage[] = [];
  let data = '';
  for (const line of answer.body.split('\n')) {
    if (line.startsWith('data:')) {
      data += line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
    } else if (line === '' || line === '\r') {
      if (data !== '') messages.push(JSON.parse(data) as JsonRpcMessage);
      data = '';
    }
  }
  if (data !== '') messages.push(JSON.parse(data) as JsonRpcMessage);
  return messages;
}

/** A 2025-era Streamable HTTP session, spoken directly. */
class RawHttpSession implements Session {
  #nextId = 1;
  #listen: IncomingMessage | undefined;
  #closed = false;

  private constructor(
    readonly url: URL,
    readonly sessionId: string | undefined,
    readonly protocolVersion: string,
    readonly auth: Record<string, string>,
  ) {}

  /**
   * initialize, notifications/initialized; with `listen`, also the GET stream an SDK client keeps open. With
   * `token`, every request carries `Authorization: Bearer <token>` (a Toolgate grant's).
   */
  static async open(url: string, options: HttpSessionOptions = {}): Promise<RawHttpSession> {
    const target = new URL(url);
    const auth: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
    const answer = await post(
      target,
      { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...auth },
      JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: CLIENT_INFO },
      }),
    );
    if (answer.status !== 200) throw new Error(`initialize: HTTP ${answer.status}: ${answer.body.slice(0, 300)}`);
    const reply = messagesOf(answer).find((message) => message.id === 0);
    if (!reply || reply.error !== undefined) throw new RpcError(reply?.error);
    const header = answer.headers['mcp-session-id'];
    const sessionId = typeof header === 'string' ? header : undefined;
    const version = (reply.result as { protocolVersion?: string }).protocolVersion ?? PROTOCOL_VERSION;
    const session = new RawHttpSession(target, sessionId, version, auth);
    await session.notify('notifications/initialized');
    if (options.listen) await session.#openListenStream();
    return session;
  }

  #headers(): Record<string, string> {
    return {
      ...this.auth,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': this.protocolVersion,
      ...(this.sessionId === undefined ? {} : { 'mcp-session-id': this.sessionId }),
    };
  }

  async request(method: string, params?: Record<string, unknown>): Promise<unknown> {
    const id = this.#nextId++;
    const answer = await post(this.url, this.#headers(), JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    if (answer.status !== 200) throw new Error(`${method}: HTTP ${answer.status}: ${answer.body.slice(0, 300)}`);
    for (const message of messagesOf(answer)) {
      if (message.id !== id) continue;
      if (message.error !== undefined) throw new RpcError(message.error);
      return message.result;
    }
    throw new Error(`${method}: the answer carried no response to request ${id}`);
  }

  async notify(method: string, params?: Record<string, unknown>): Promise<void> {
    const answer = await post(this.url, this.#headers(), JSON.stringify({ jsonrpc: '2.0', method, params }));
    if (answer.status !== 202 && answer.status !== 200) {
      throw new Error(`${method}: HTTP ${answer.status}: ${answer.body.slice(0, 300)}`);
    }
  }

  async call(tool: string, args: Record<string, unknown>): Promise<void> {
    const result = (await this.request('tools/call', { name: tool, arguments: args })) as { isError?: boolean };
    if (result.isError) throw new Error(`tools/call ${tool} answered isError: ${JSON.stringify(result)}`);
  }

  async listTools(): Promise<string[]> {
    return listAllTools((cursor) => this.request('tools/list', cursor === undefined ? {} : { cursor }));
  }

  /** The server-to-client stream a 2025-era SDK client opens after initializing, left open and idle. */
  #openListenStream(): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        this.url,
        {
          method: 'GET',
          agent: false,
          headers: {
            ...this.auth,
            accept: 'text/event-stream',
            'mcp-protocol-version': this.protocolVersion,
            ...(this.sessionId === undefined ? {} : { 'mcp-session-id': this.sessionId }),
          },
        },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(new Error(`GET stream: HTTP ${res.statusCode}`));
            return;
          }
          this.#listen = res;
          res.on('data', () => undefined);
          res.on('error', () => undefined);
          resolve();
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** Ends the session with DELETE, as a well-behaved client does. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listen?.destroy();
    if (this.sessionId === undefined) return;
    await new Promise<void>((resolve) => {
      const req = httpRequest(
        this.url,
        {
          method: 'DELETE',
          agent: httpAgent,
          headers: {
            ...this.auth,
            'mcp-session-id': this.sessionId!,
            'mcp-protocol-version': this.protocolVersion,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve());
          res.on('error', () => resolve());
        },
      );
      req.on('error', () => resolve());
      req.end();
    });
  }
}

async function listAllTools(page: (cursor: string | undefined) => Promise<unknown>): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const result = (await page(cursor)) as { tools: { name: string }[]; nextCursor?: string };
    for (const tool of result.tools) names.push(tool.name);
    cursor = result.nextCursor;
    if (cursor === undefined) return names;
  }
  throw new Error('tools/list: more than 10000 pages');
}

// ---------------------------------------------------------------------------------------------- raw stdio

/** A 2025-era stdio connection to a server process the client starts itself; calls may overlap. */
class RawStdioSession implements Session {
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #partial: Buffer[] = [];
  #closed = false;

  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (chunk: Buffer) => this.#read(chunk));
    child.stderr.on('data', () => undefined);
    child.once('exit', (code, signal) => {
      const error = new Error(`the server exited (${code ?? signal})`);
      for (const { reject } of this.#pending.values()) reject(error);
      this.#pending.clear();
    });
  }

  static async open(command: string, args: string[], cwd: string): Promise<RawStdioSession> {
    const child = spawn(command, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const session = new RawStdioSession(child);
    try {
      await session.request('initialize', {
        protocolVersion: PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: CLIENT_INFO,
      });
      session.#send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    } catch (error) {
      await session.close();
      throw error;
    }
    return session;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  #send(message: object): void {
    this.child.stdin.write(JSON.stringify(message) + '\n');
  }

  #read(chunk: Buffer): void {
    let start = 0;
    let newline = chunk.indexOf(10, start);
    while (newline !== -1) {
      const piece = chunk.subarray(start, newline);
      const line = this.#partial.length === 0 ? piece : Buffer.concat([...this.#partial, piece]);
      this.#partial = [];
      if (line.length > 0) this.#handle(JSON.parse(line.toString('utf8')) as JsonRpcMessage);
      start = newline + 1;
      newline = chunk.indexOf(10, start);
    }
    if (start < chunk.length) this.#partial.push(chunk.subarray(start));
  }

  #handle(message: JsonRpcMessage): void {
    if (typeof message.id !== 'number') return;
    if (message.method !== undefined) {
      // A request from the server (ping): answer it so the server is not left waiting.
      this.#send({ jsonrpc: '2.0', id: message.id, result: {} });
      return;
    }
    const waiter = this.#pending.get(message.id);
    if (!waiter) return;
    this.#pending.delete(message.id);
    if (message.error !== undefined) waiter.reject(new RpcError(message.error));
    else waiter.resolve(message.result);
  }

  request(method: string, params?: Record<string, unknown>): Promise<unknown> {
    if (this.#closed) return Promise.reject(new Error('connection closed'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#send({ jsonrpc: '2.0', id, method, params });
    });
  }

  async call(tool: string, args: Record<string, unknown>): Promise<void> {
    const result = (await this.request('tools/call', { name: tool, arguments: args })) as { isError?: boolean };
    if (result.isError) throw new Error(`tools/call ${tool} answered isError: ${JSON.stringify(result)}`);
  }

  listTools(): Promise<string[]> {
    return listAllTools((cursor) => this.request('tools/list', cursor === undefined ? {} : { cursor }));
  }

  /** Closes stdin and waits for the server to exit (SIGKILL after 2 s), as the SDK's stdio client does. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
    await exited;
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------- SDK

/**
 * The SDK transport hands its own long-lived AbortSignal to every fetch, and undici keeps an abort listener on
 * it per request until the request is collected; past 1,500 Node prints a MaxListenersExceededWarning for every
 * further request, which would cost more than the call. Lifting the limit on that signal keeps the warning out.
 */
const quietFetch: typeof fetch = (input, init) => {
  if (init?.signal) setMaxListeners(0, init.signal);
  return fetch(input, init);
};

class SdkSession implements Session {
  constructor(
    readonly client: Client,
    readonly transport: StreamableHTTPClientTransport | StdioClientTransport,
  ) {}

  async call(tool: string, args: Record<string, unknown>): Promise<void> {
    const result = await this.client.callTool({ name: tool, arguments: args });
    if (result.isError) throw new Error(`tools/call ${tool} answered isError`);
  }

  async listTools(): Promise<string[]> {
    // Without a cursor the SDK walks every page itself.
    return (await this.client.listTools()).tools.map((tool) => tool.name);
  }

  async close(): Promise<void> {
    if (this.transport instanceof StreamableHTTPClientTransport) {
      await this.transport.terminateSession().catch(() => undefined);
    }
    await this.client.close();
  }
}

function sdkClient(): Client {
  // listMaxPages 0: no cap on the pages listTools() walks (10,000 tools are 100 pages behind Toolgate).
  return new Client(CLIENT_INFO, { capabilities: {}, listMaxPages: 0 });
}

// ---------------------------------------------------------------------------------------------- factories

export async function openHttpSession(kind: ClientKind, url: string, options: HttpSessionOptions = {}) {
  if (kind === 'raw') return RawHttpSession.open(url, options);
  const client = sdkClient();
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    fetch: quietFetch,
    ...(options.token ? { requestInit: { headers: { authorization: `Bearer ${options.token}` } } } : {}),
  });
  await client.connect(transport);
  return new SdkSession(client, transport);
}

export async function openStdioSession(kind: ClientKind, command: string, args: string[], cwd: string) {
  if (kind === 'raw') return RawStdioSession.open(command, args, cwd);
  const client = sdkClient();
  const transport = new StdioClientTransport({ command, args, cwd, stderr: 'ignore' });
  await client.connect(transport);
  return new SdkSession(client, transport);
}
