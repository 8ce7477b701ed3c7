import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { StreamMessageBound, type Discarded, type MessageBoundOptions } from './stream-message-bound.js';

/**
 * A `fetch` on `node:http` and `node:https`, for the SDK's Streamable HTTP client transport to reach servers with.
 *
 * Why not the global `fetch`: undici's costs a busy gateway about a fifth of its CPU per call towards an HTTP server
 * (its `Request` and `Response` objects, body streams, a separate write for the body), and it ties an abort listener
 * to the signal it is given until the request is garbage-collected. The SDK gives every request of a connection the
 * same long-lived signal, so those listeners pile up, Node warns (`MaxListenersExceededWarning`) and undici counts
 * them on every request. Here a request is one `http.request` on a keep-alive socket, headers and body in one write,
 * and it stops listening to its signal as soon as its response has been read.
 *
 * It does what the SDK relies on fetch for, and no more: a URL (not a `Request`), a method, headers, a string or
 * byte body; a web `Response` with the status, the headers and a body that streams as it arrives (SSE), read once;
 * `signal` aborting the request or the body being read with the signal's reason; a `TypeError` when the server
 * cannot be reached or the connection breaks mid-body, as fetch throws. Redirects are returned as they are: the SDK
 * asks for `redirect: 'manual'` and follows same-origin redirects itself; a request that wants them followed fails
 * on one rather than getting a 3xx it did not expect. Responses are decompressed when a server compresses anyway
 * (fetch asks for gzip; this asks for nothing, so a server should not).
 *
 * `staticHeaders` (a server's configured headers) go on every request; the caller's headers win over them, so a
 * configured header cannot break the protocol's.
 */
export function createNodeFetch(
  staticHeaders: Readonly<Record<string, string>> = {},
  options: NodeFetchOptions = {},
): typeof fetch {
  const defaults: Record<string, string> = { accept: '*/*', 'user-agent': 'node' };
  for (const [name, value] of Object.entries(staticHeaders)) defaults[name.toLowerCase()] = value;
  const agents = options.freeSocketTimeoutMs === undefined ? sharedAgents : createAgents(options.freeSocketTimeoutMs);
  const bound: MessageBoundOptions = {
    maxBytes: options.maxMessageBytes ?? MAX_MESSAGE_BYTES,
    ...(options.onDiscarded ? { onDiscarded: options.onDiscarded } : {}),
  };
  return (input, init) => {
    try {
      return send(requestUrl(input), init ?? {}, defaults, agents, bound);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new TypeError(String(error)));
    }
  };
}

export interface NodeFetchOptions {
  /**
   * How long a free keep-alive socket is kept: 5 s, or less when the server announces a shorter keep-alive
   * timeout, so a request does not go out on a socket the server is closing. Sockets in use are not affected.
   * Given, the fetch gets agents of its own (tests shorten it); otherwise it shares one agent per scheme.
   */
  readonly freeSocketTimeoutMs?: number;
  /**
   * The largest message a response may carry (a JSON body, or one SSE event); see StreamMessageBound for what
   * becomes of a larger one. Default 10 MiB.
   */
  readonly maxMessageBytes?: number;
  /** Told of each message dropped for its size. */
  readonly onDiscarded?: (discarded: Discarded) => void;
}

/** The bound when none is given (the config's default `maxResultBytes`). */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

interface Agents {
  readonly http: http.Agent;
  readonly https: https.Agent;
}

/** Sockets are kept per host and port, and reused most-recent first. */
function createAgents(freeSocketTimeoutMs: number): Agents {
  const options: http.AgentOptions = {
    keepAlive: true,
    scheduling: 'lifo',
    noDelay: true,
    timeout: freeSocketTimeoutMs,
  };
  return { http: new http.Agent(options), https: new https.Agent(options) };
}

/** One agent per scheme for every server. */
const sharedAgents = createAgents(5_000);

function requestUrl(input: string | URL | Request): URL {
  if (typeof input === 'string') return new URL(input);
  if (input instanceof URL) return input;
  throw new TypeError('this fetch takes a URL, not a Request');
}

/** Statuses whose responses have no body (fetch's null body statuses, and 304). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** What the Response constructor accepts as a status text (the reason-phrase production). */
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Bytes of a response body read ahead of its reader. */
const BODY_HIGH_WATER_MARK = 64 * 1024;

function send(
  url: URL,
  init: RequestInit,
  defaults: Readonly<Record<string, string>>,
  agents: Agents,
  bound: MessageBoundOptions,
): Promise<Response> {
  const transport = url.protocol === 'http:' ? http : url.protocol === 'https:' ? https : undefined;
  if (!transport) throw new TypeError(`fetch failed: ${url.protocol} URLs are not supported`);
  const method = (init.method ?? 'GET').toUpperCase();
  const body = requestBody(init.body);
  if (body !== undefined && (method === 'GET' || method === 'HEAD')) {
    throw new TypeError('Request with GET/HEAD method cannot have body.');
  }
  const headers = { ...defaults, ...headerRecord(init.headers) };
  if (init.body instanceof URLSearchParams) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
  }
  const signal = init.signal ?? undefined;
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- fetch rejects with the signal's reason, whatever it is
  if (signal?.aborted) return Promise.reject(signal.reason);
  const followsRedirects = init.redirect !== 'manual';

  return new Promise<Response>((resolve, reject) => {
    /** waiting for the response head, then reading its body, then over (read, failed or aborted). */
    let phase: 'head' | 'body' | 'over' = 'head';
    let stream: ReadableStreamDefaultController<Uint8Array> | undefined;
    let response: http.IncomingMessage | undefined;
    let unwatch: (() => void) | undefined;
    const end = (error?: unknown): void => {
      if (phase === 'over') return;
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the signal's reason, as fetch does
      if (phase === 'head') reject(error);
      else if (error === undefined) stream?.close();
      else stream?.error(error);
      phase = 'over';
      unwatch?.();
    };

    let request: http.ClientRequest;
    try {
      request = transport.request(url, { method, headers, agent: transport === http ? agents.http : agents.https });
    } catch (error) {
      // An invalid header name or value: fetch refuses it before sending too.
      throw new TypeError(`fetch failed: ${(error as Error).message}`, { cause: error });
    }
    if (signal) {
      unwatch = whenAborted(signal, (reason) => {
        end(reason);
        request.destroy();
        response?.destroy();
      });
    }
    request.on('error', (error) =>
      end(new TypeError(phase === 'head' ? 'fetch failed' : 'terminated', { cause: error })),
    );
    request.on('response', (res) => {
      response = res;
      if (phase === 'over') {
        res.destroy();
        return;
      }
      const status = res.statusCode ?? 0;
      if (followsRedirects && REDIRECT_STATUSES.has(status) && res.headers.location !== undefined) {
        res.destroy();
        end(new TypeError(`fetch failed: redirect to ${res.headers.location} (only redirect: 'manual' is supported)`));
        return;
      }
      res.on('error', (error) => end(new TypeError('terminated', { cause: error })));
      res.on('close', () => {
        if (!res.complete) end(new TypeError('terminated'));
      });
      const hasBody = method !== 'HEAD' && !NULL_BODY_STATUSES.has(status);
      let web: Response;
      try {
        web = new Response(hasBody ? bodyStream(res) : null, {
          status,
          statusText: REASON_PHRASE.test(res.statusMessage ?? '') ? res.statusMessage : '',
          headers: headerPairs(res.rawHeaders),
        });
      } catch (error) {
        // A status outside 200-599, which fetch cannot represent either.
        res.destroy();
        end(new TypeError('fetch failed', { cause: error }));
        return;
      }
      phase = 'body';
      resolve(web);
      if (!hasBody) res.on('end', () => end()).resume();
    });
    if (body === undefined) request.end();
    else request.end(body);

    /** The response body as a web stream that reads from the socket only as fast as it is consumed. */
    function bodyStream(res: http.IncomingMessage): ReadableStream<Uint8Array> {
      const source = decoded(res);
      // A message over the bound is dropped as it arrives rather than held in memory (see StreamMessageBound).
      const messages = new StreamMessageBound(res.headers['content-type'], bound);
      return new ReadableStream<Uint8Array>(
        {
          start(controller) {
            stream = controller;
            source.on('data', (chunk: Buffer) => {
              if (phase !== 'body') return;
              for (const bytes of messages.push(chunk)) controller.enqueue(bytes);
              if ((controller.desiredSize ?? 0) <= 0) source.pause();
            });
            source.on('end', () => {
              if (phase !== 'body') return;
              try {
                for (const bytes of messages.end()) controller.enqueue(bytes);
              } catch (error) {
                end(error);
                return;
              }
              end();
            });
            source.on('error', (error) => end(new TypeError('terminated', { cause: error })));
          },
          pull() {
            source.resume();
          },
          cancel() {
            // The reader gave up: the stream is closed already; drop the connection, which has unread bytes.
            phase = 'over';
            unwatch?.();
            res.destroy();
          },
        },
        { highWaterMark: BODY_HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
      );
    }
  });
}

/** The body as the response says it is encoded: decompressed for a single coding fetch knows, else as it came. */
function decoded(res: http.IncomingMessage): Readable {
  const coding = res.headers['content-encoding']?.trim().toLowerCase();
  const decoder =
    coding === 'gzip' || coding === 'x-gzip'
      ? zlib.createGunzip()
      : coding === 'deflate'
        ? zlib.createInflate()
        : coding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined;
  return decoder ? res.pipe(decoder) : res;
}

function requestBody(body: RequestInit['body']): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError('this fetch sends string and byte bodies only');
}

/** A request's headers as one record with lower-case names; repeated names are joined as fetch joins them. */
function headerRecord(init: RequestInit['headers']): Record<string, string> {
  const record: Record<string, string> = {};
  if (init === undefined) return record;
  if (init instanceof Headers) {
    init.forEach((value, name) => (record[name] = value));
    return record;
  }
  if (Array.isArray(init)) {
    for (const [name, value] of init as [string, string][]) {
      const key = name.toLowerCase();
      record[key] = record[key] === undefined ? value : `${record[key]}, ${value}`;
    }
    return record;
  }
  for (const [name, value] of Object.entries(init as Record<string, string>)) record[name.toLowerCase()] = value;
  return record;
}

/** Node's raw header list (name, value, name, value, …) as the pairs a `Response` takes, repeats kept. */
function headerPairs(raw: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return pairs;
}

/**
 * Runs `onAbort` with the signal's reason when `signal` aborts; returns the function that stops watching. Every
 * request on a signal shares one listener, so many requests in flight on the SDK's one transport signal add one
 * listener, not one each, and the last to finish removes it.
 */
function whenAborted(signal: AbortSignal, onAbort: (reason: unknown) => void): () => void {
  let watch = watches.get(signal);
  if (!watch) {
    const waiting = new Set<(reason: unknown) => void>();
    const listener = (): void => {
      watches.delete(signal);
      for (const abort of [...waiting]) abort(signal.reason);
    };
    watch = { waiting, listener };
    watches.set(signal, watch);
    signal.addEventListener('abort', listener, { once: true });
  }
  const { waiting, listener } = watch;
  waiting.add(onAbort);
  return () => {
    if (!waiting.delete(onAbort) || waiting.size > 0) return;
    watches.delete(signal);
    signal.removeEventListener('abort', listener);
  };
}

const watches = new WeakMap<AbortSignal, { waiting: Set<(reason: unknown) => void>; listener: () => void }>();
