import type { IncomingMessage, ServerResponse } from 'node:http';
import { JSONRPCMessageSchema } from '@modelcontextprotocol/core';
import {
  isInitializeRequest,
  SUPPORTED_PROTOCOL_VERSIONS,
  type AuthInfo,
  type InitializeRequestParams,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type RequestId,
  type Transport,
  type TransportSendOptions,
} from '@modelcontextprotocol/server';

/** JSON-RPC error codes of the Streamable HTTP transport. */
const INVALID_REQUEST = -32600;
const TRANSPORT_ERROR = -32000;
const SESSION_NOT_FOUND = -32001;

/**
 * How long an open stream may stay silent before it gets an SSE comment, and how long a request may wait for
 * its response before its answer turns into a stream: intermediaries drop idle HTTP responses. The SDK's
 * transport uses the same interval.
 */
const KEEP_ALIVE_MS = 15_000;

const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
} as const;

export interface HttpSessionTransportOptions {
  /** Makes the session's id when its `initialize` request arrives. */
  sessionIdGenerator: () => string;
  onsessioninitialized?: (sessionId: string) => void;
  onsessionclosed?: (sessionId: string) => void;
  keepAliveMs?: number;
  /**
   * Where the session is served from when several replicas serve it: the server's requests to the client go out
   * with ids naming this replica, and a client's answer that names another one is handed to `relay`.
   */
  replica?: { readonly id: string; relay(replicaId: string, sessionId: string, response: JSONRPCMessage): void };
}

/** The prefix of the ids of the server's requests to the client when replicas share the session. */
const ASKED_PREFIX = 'tg.';
/** Most server requests one session remembers the ids of; past it the oldest is forgotten. */
const MAX_ASKED = 1_024;
/** The id of the `initialize` a resumed session replays; never sent to the client. */
const REPLAY_ID = 'toolgate-resume';

/** A request of the client whose answer is still open: its HTTP response, plain until something must stream. */
interface Exchange {
  readonly res: ServerResponse;
  streaming: boolean;
  readonly keepAlive: NodeJS.Timeout;
}

/**
 * The server side of one 2025-era Streamable HTTP session, on Node's own request and response objects: the SDK
 * `Server` of the session does all the protocol work over it, as over any SDK transport.
 *
 * It differs from the SDK's `WebStandardStreamableHTTPServerTransport` in one way the protocol leaves to the
 * server: a POSTed request is answered with plain JSON, in one write, when its response is the only message
 * that goes back; the answer becomes an SSE stream as soon as anything else related to the request (progress,
 * a log message, a server request) must go out first, or when the response takes longer than the keep-alive
 * interval. The SDK's transport opens a stream for every request: a web `Request` and `ReadableStream`, a
 * keep-alive timer and several writes per call were a quarter of the gateway's CPU per call.
 *
 * The endpoint authenticates, checks Host and Origin, reads and parses the body and refuses batches before a
 * request reaches a session; the checks here are the transport's own (Accept, Content-Type, message shape,
 * session, protocol version), with the SDK transport's status codes and messages (but
 * for JSON that is no JSON-RPC message: -32600 Invalid Request, as JSON-RPC 2.0 and the 2026-07-28 leg say).
 */
export class HttpSessionTransport implements Transport {
  sessionId: string | undefined;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];

  readonly #options: HttpSessionTransportOptions;
  readonly #keepAliveMs: number;
  readonly #exchanges = new Map<RequestId, Exchange>();
  #standalone: { res: ServerResponse; keepAlive: NodeJS.Timeout } | undefined;
  #supportedVersions: readonly string[] = SUPPORTED_PROTOCOL_VERSIONS;
  #started = false;
  #closed = false;
  /** The server's requests to the client in flight, by the tagged id the client sees. */
  readonly #asked = new Map<string, RequestId>();
  /** The answer to a replayed `initialize` (see resume). */
  #replayed: ((response: JSONRPCMessage) => void) | undefined;

  constructor(options: HttpSessionTransportOptions) {
    this.#options = options;
    this.#keepAliveMs = options.keepAliveMs ?? KEEP_ALIVE_MS;
  }

  async start(): Promise<void> {
    if (this.#started) throw new Error('Transport already started');
    this.#started = true;
  }

  setSupportedProtocolVersions(versions: string[]): void {
    this.#supportedVersions = versions;
  }

  /**
   * Takes up a session that another replica (or this one, earlier) opened, without the client: the session's
   * `Server`, connected to this transport, is given the client's `initialize` and `initialized` as the client
   * sent them, so that it negotiates the same version and knows the same capabilities; its answer goes nowhere.
   */
  async resume(sessionId: string, initialize: InitializeRequestParams): Promise<void> {
    if (this.sessionId !== undefined) throw new Error('Cannot resume a session on a transport that has one');
    this.sessionId = sessionId;
    const answered = new Promise<JSONRPCMessage>((resolve) => (this.#replayed = resolve));
    this.onmessage?.({ jsonrpc: '2.0', id: REPLAY_ID, method: 'initialize', params: initialize });
    const answer = await answered;
    if ('error' in answer) throw new Error(`Cannot resume session: initialize failed: ${answer.error.message}`);
    this.onmessage?.({ jsonrpc: '2.0', method: 'notifications/initialized' });
  }

  /** A client's answer to one of this session's server requests, relayed from the replica it reached. */
  deliver(response: JSONRPCMessage): void {
    this.#receiveAnswer(response, undefined);
  }

  /** A POST of one JSON-RPC message, already parsed. */
  handlePost(req: IncomingMessage, res: ServerResponse, body: unknown, authInfo?: AuthInfo): void {
    const accept = req.headers.accept ?? '';
    if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
      return this.#refuse(
        res,
        406,
        TRANSPORT_ERROR,
        'Not Acceptable: Client must accept both application/json and text/event-stream',
      );
    }
    if (!isJsonMediaType(req.headers['content-type'])) {
      return this.#refuse(res, 415, TRANSPORT_ERROR, 'Unsupported Media Type: Content-Type must be application/json');
    }
    const parsed = JSONRPCMessageSchema.safeParse(body);
    if (!parsed.success) {
      // JSON that is no JSON-RPC message is an Invalid Request (JSON-RPC 2.0), as the 2026-07-28 leg answers it;
      // the SDK's own transport calls it a parse error, which is for text that is not JSON.
      return this.#refuse(res, 400, INVALID_REQUEST, 'Invalid Request: not a JSON-RPC message', readableId(body));
    }
    const message = parsed.data;
    if (this.#closed) return this.#refuse(res, 404, SESSION_NOT_FOUND, 'Session not found');

    // The message is valid JSON-RPC now: its kind shows in its keys. (The SDK's type guards each run a schema,
    // and a failing schema costs more than a passing one; this path runs once per call.)
    if ('method' in message && message.method === 'initialize' && isInitializeRequest(message)) {
      if (this.sessionId !== undefined) {
        return this.#refuse(res, 400, INVALID_REQUEST, 'Invalid Request: Server already initialized');
      }
      this.sessionId = this.#options.sessionIdGenerator();
      this.#options.onsessioninitialized?.(this.sessionId);
    } else {
      const refusal = this.#checkSessionHeaders(req);
      if (refusal) return this.#refuse(res, ...refusal);
    }
    const extra = authInfo === undefined ? undefined : { authInfo };
    if (!isRequest(message)) {
      // Notifications and responses to the server's own requests are accepted; their effects travel elsewhere.
      res.writeHead(202, this.#sessionHeader()).end();
      if ('method' in message) this.onmessage?.(message, extra);
      else this.#receiveAnswer(message, extra);
      return;
    }
    if (this.#exchanges.has(message.id)) {
      return this.#refuse(
        res,
        400,
        INVALID_REQUEST,
        `Invalid Request: request id ${String(message.id)} is already in flight`,
        message.id,
      );
    }
    const exchange: Exchange = {
      res,
      streaming: false,
      keepAlive: setInterval(() => this.#keepAlive(exchange), this.#keepAliveMs).unref(),
    };
    this.#exchanges.set(message.id, exchange);
    // A client that goes away does not cancel its request (the protocol says so); its answer is dropped.
    res.once('close', () => {
      if (this.#exchanges.get(message.id) === exchange) this.#finish(message.id, exchange);
    });
    this.onmessage?.(message, extra);
  }

  /** A GET: the session's stream for messages unrelated to any request. */
  handleGet(req: IncomingMessage, res: ServerResponse): void {
    if (!(req.headers.accept ?? '').includes('text/event-stream')) {
      return this.#refuse(res, 406, TRANSPORT_ERROR, 'Not Acceptable: Client must accept text/event-stream');
    }
    const refusal = this.#checkSessionHeaders(req);
    if (refusal) return this.#refuse(res, ...refusal);
    if (this.#standalone) {
      return this.#refuse(res, 409, TRANSPORT_ERROR, 'Conflict: Only one SSE stream is allowed per session');
    }
    res.writeHead(200, { ...SSE_HEADERS, ...this.#sessionHeader() });
    res.flushHeaders();
    const standalone = {
      res,
      keepAlive: setInterval(() => res.write(': keepalive\n\n'), this.#keepAliveMs).unref(),
    };
    this.#standalone = standalone;
    res.once('close', () => {
      clearInterval(standalone.keepAlive);
      if (this.#standalone === standalone) this.#standalone = undefined;
    });
  }

  /** A DELETE: the client ends the session. */
  handleDelete(req: IncomingMessage, res: ServerResponse): void {
    const refusal = this.#checkSessionHeaders(req);
    if (refusal) return this.#refuse(res, ...refusal);
    if (this.sessionId !== undefined) this.#options.onsessionclosed?.(this.sessionId);
    res.writeHead(200).end();
    void this.close();
  }

  async send(sent: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    // What the session's SDK `Server` sends is well-formed: a response is what has no method.
    const isResponse = !('method' in sent);
    const requestId = isResponse ? (sent as { id?: RequestId }).id : options?.relatedRequestId;
    if (isResponse && requestId === REPLAY_ID && this.#replayed) {
      this.#replayed(sent);
      this.#replayed = undefined;
      return;
    }
    const message = isResponse ? sent : this.#tagged(sent);
    if (requestId === undefined) {
      if (isResponse) throw new Error('Cannot send a response on the standalone stream');
      // With no stream open, a message unrelated to any request has nowhere to go: the client did not listen.
      this.#standalone?.res.write(sseEvent(message));
      return;
    }
    const exchange = this.#exchanges.get(requestId);
    if (!exchange) {
      if (isResponse)
        this.onerror?.(new Error(`Response to request ${String(requestId)} is undeliverable: its client went away`));
      return;
    }
    if (!isResponse) {
      this.#stream(exchange);
      exchange.res.write(sseEvent(message));
      return;
    }
    this.#finish(requestId, exchange);
    if (exchange.streaming) {
      exchange.res.end(sseEvent(message));
      return;
    }
    const json = JSON.stringify(message);
    exchange.res
      .writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(json),
        ...this.#sessionHeader(),
      })
      .end(json);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const [id, exchange] of this.#exchanges) {
      this.#finish(id, exchange);
      if (exchange.streaming) exchange.res.end();
      else this.#refuse(exchange.res, 404, SESSION_NOT_FOUND, 'Session closed before the request was answered', id);
    }
    if (this.#standalone) {
      clearInterval(this.#standalone.keepAlive);
      this.#standalone.res.end();
      this.#standalone = undefined;
    }
    this.onclose?.();
  }

  /**
   * A server request goes out with an id that names this replica, so that whichever replica the client's answer
   * reaches knows where it belongs; a cancellation of one names it by that id too.
   */
  #tagged(message: JSONRPCMessage): JSONRPCMessage {
    const replica = this.#options.replica;
    if (!replica) return message;
    if ('id' in message && 'method' in message) {
      const tagged = `${ASKED_PREFIX}${replica.id}.${String(message.id)}`;
      if (this.#asked.size >= MAX_ASKED) this.#asked.delete(this.#asked.keys().next().value!);
      this.#asked.set(tagged, message.id);
      return { ...message, id: tagged };
    }
    if ('method' in message && message.method === 'notifications/cancelled') {
      const requestId = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      const tagged = `${ASKED_PREFIX}${replica.id}.${String(requestId)}`;
      if (requestId !== undefined && this.#asked.delete(tagged)) {
        return { ...message, params: { ...message.params, requestId: tagged } };
      }
    }
    return message;
  }

  /** A client's answer to a server request: to the session's `Server` here, or to the replica that asked. */
  #receiveAnswer(message: JSONRPCMessage, extra: { authInfo: AuthInfo } | undefined): void {
    const id = (message as { id?: unknown }).id;
    const replica = this.#options.replica;
    const dot = typeof id === 'string' && id.startsWith(ASKED_PREFIX) ? id.indexOf('.', ASKED_PREFIX.length) : -1;
    if (replica && typeof id === 'string' && dot > ASKED_PREFIX.length) {
      const owner = id.slice(ASKED_PREFIX.length, dot);
      if (owner !== replica.id) return replica.relay(owner, this.sessionId ?? '', message);
      const asked = this.#asked.get(id);
      if (asked === undefined) return;
      this.#asked.delete(id);
      this.onmessage?.({ ...message, id: asked }, extra);
      return;
    }
    this.onmessage?.(message, extra);
  }

  #checkSessionHeaders(req: IncomingMessage): [status: number, code: number, message: string] | undefined {
    if (this.sessionId === undefined) return [400, TRANSPORT_ERROR, 'Bad Request: Server not initialized'];
    const sessionId = req.headers['mcp-session-id'];
    if (sessionId === undefined) return [400, TRANSPORT_ERROR, 'Bad Request: Mcp-Session-Id header is required'];
    if (sessionId !== this.sessionId) return [404, SESSION_NOT_FOUND, 'Session not found'];
    const version = req.headers['mcp-protocol-version'];
    if (typeof version === 'string' && !this.#supportedVersions.includes(version)) {
      return [
        400,
        TRANSPORT_ERROR,
        `Bad Request: Unsupported protocol version: ${version} (supported versions: ${this.#supportedVersions.join(', ')})`,
      ];
    }
    return undefined;
  }

  /** Turns a plain answer into an SSE stream, before its first message that is not the response. */
  #stream(exchange: Exchange): void {
    if (exchange.streaming) return;
    exchange.streaming = true;
    exchange.res.writeHead(200, { ...SSE_HEADERS, ...this.#sessionHeader() });
  }

  #keepAlive(exchange: Exchange): void {
    this.#stream(exchange);
    exchange.res.write(': keepalive\n\n');
  }

  #finish(id: RequestId, exchange: Exchange): void {
    clearInterval(exchange.keepAlive);
    this.#exchanges.delete(id);
  }

  #sessionHeader(): Record<string, string> {
    return this.sessionId === undefined ? {} : { 'mcp-session-id': this.sessionId };
  }

  #refuse(res: ServerResponse, status: number, code: number, message: string, id: RequestId | null = null): void {
    if (status !== 404) this.onerror?.(new Error(message));
    writeJsonRpcError(res, status, code, message, id);
  }
}

/** Answers an HTTP request with a JSON-RPC error, in one write. */
function writeJsonRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  id: RequestId | null = null,
  headers: Record<string, string> = {},
): void {
  const json = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id });
  res
    .writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), ...headers })
    .end(json);
}

function sseEvent(message: JSONRPCMessage): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}

/** The id of a message that is not valid JSON-RPC, when it has one a response could carry; else null. */
export function readableId(body: unknown): RequestId | null {
  const id = typeof body === 'object' && body !== null ? (body as { id?: unknown }).id : undefined;
  return typeof id === 'string' || Number.isInteger(id) ? (id as RequestId) : null;
}

/** A valid JSON-RPC message is a request when it has both a method and an id. */
function isRequest(message: JSONRPCMessage): message is JSONRPCRequest {
  return 'method' in message && 'id' in message;
}

/** `application/json`, with or without parameters (`; charset=utf-8`). */
function isJsonMediaType(contentType: string | undefined): boolean {
  return contentType?.split(';', 1)[0]!.trim().toLowerCase() === 'application/json';
}
