import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type HttpBindings, type ServerType } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import {
  createMcpHandler,
  isInitializeRequest,
  isLegacyRequest,
  localhostAllowedHostnames,
  validateHostHeader,
  validateOriginHeader,
  type AuthInfo,
} from '@modelcontextprotocol/server';
import { SSEServerTransport } from '@modelcontextprotocol/server-legacy/sse';
import { Hono, type Context, type Next } from 'hono';
import type { Gateway } from '../gateway.js';
import type { GrantStore } from '../grants/grant-store.js';
import type { Grant } from '../grants/grant.js';
import { isLoopbackHost } from '../listen-address.js';
import { bearerMatches, createAdminApi } from './admin-api.js';
import { createGatewayServer } from './gateway-server.js';
import { HttpSessionTransport } from '../sdk-forks/http-session-transport.js';

/** A running HTTP front door. */
export interface HttpFront {
  /** The MCP endpoint's URL, e.g. `http://127.0.0.1:8787/mcp`. */
  readonly url: string;
  close(): Promise<void>;
}

/** How long an idle HTTP connection stays open for the client's next request (see startHttpFront). */
export /** How long responses still in flight at shutdown may take to finish before their connections are cut. */
const CLOSE_GRACE_MS = 2_000;
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** JSON-RPC error codes the front door answers with itself. */
const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const SESSION_NOT_FOUND = -32001;
const UNAUTHORIZED = -32001;
const FORBIDDEN = -32000;

type FrontEnv = { Bindings: HttpBindings; Variables: { grant: Grant | undefined } };

/**
 * Serves the gateway over HTTP: Streamable HTTP on `/mcp` for both protocol eras (2025-era clients get a
 * session each, because sampling, elicitation, roots and notifications need one; 2026-07-28 requests are served
 * statelessly), plus `/healthz`. Every request passes the Host and Origin checks first (DNS rebinding), then
 * the body limit; batched JSON-RPC is refused.
 */
export async function startHttpFront(gateway: Gateway, grants: GrantStore): Promise<HttpFront> {
  const { listen } = gateway.config;
  const loopbackOnly = isLoopbackHost(listen.host);
  // A session belongs to the grant that opened it: another grant's requests cannot reach it.
  const sessions = new Map<string, { transport: HttpSessionTransport; grantId: string | null }>();
  const sseSessions = new Map<string, { transport: SSEServerTransport; grantId: string | null }>();
  const modern = createMcpHandler(({ era }) => createGatewayServer(gateway, era), {
    legacy: 'reject',
    maxRequestBodySize: listen.maxBodyBytes,
    onerror: (error) => gateway.log.debug({ err: error.message }, 'modern request failed'),
  });
  const stopListening = gateway.onListChanged((kinds) => {
    if (kinds.has('tools')) modern.notify.toolsChanged();
    if (kinds.has('prompts')) modern.notify.promptsChanged();
    if (kinds.has('resources')) modern.notify.resourcesChanged();
  });
  const allowedHosts = [
    ...localhostAllowedHostnames(),
    ...listen.allowedHosts.map(hostnameOf),
    ...listenHostnames(listen.host),
  ];
  const allowedOrigins = [...localhostAllowedHostnames(), ...listen.allowedOrigins.map(originHostname)];

  // Headers are read from Node's request, not from `c.req`: building a web Request per call costs more than the
  // rest of the front door together, and the 2025-era session path never needs one.
  const app = new Hono<FrontEnv>();
  app.use('*', async (c, next) => {
    const { headers } = c.env.incoming;
    const host = validateHostHeader(headers.host, allowedHosts);
    const origin = host.ok ? validateOriginHeader(headers.origin, allowedOrigins) : host;
    if (!origin.ok) return jsonRpcError(403, FORBIDDEN, origin.message);
    await next();
  });
  // Liveness: the process answers. Readiness: every server has had its first connection attempt.
  app.get('/healthz', (c) => c.json({ status: 'ok', servers: gateway.servers() }));
  app.get('/readyz', (c) =>
    gateway.ready()
      ? c.json({ status: 'ready', servers: gateway.servers() })
      : c.json({ status: 'starting', servers: gateway.servers() }, 503),
  );
  const { admin } = gateway.config;
  // Metrics name servers and tools: on loopback anyone local may scrape; beyond it, only with the admin token.
  app.get('/metrics', async (c) => {
    if (!loopbackOnly && !(admin && bearerMatches(c.req.header('authorization'), admin.token))) {
      return c.json({ error: 'metrics need the admin token when Toolgate listens beyond loopback' }, 401);
    }
    return c.body(await gateway.metrics.registry.metrics(), 200, {
      'content-type': gateway.metrics.registry.contentType,
    });
  });
  if (admin) app.route('/admin', createAdminApi(gateway.approvals, admin.token));

  // Every MCP route needs a grant's bearer token once any grant exists. Without grants, a gateway that listens on
  // loopback serves its local callers; one that listens beyond loopback never serves anyone without a token,
  // even if the last grant is revoked while it runs (fail closed).
  app.use('/mcp', authenticate);
  app.use('/sse', authenticate);
  app.use('/messages', authenticate);
  async function authenticate(c: Context<FrontEnv>, next: Next) {
    const token = /^Bearer[ ]+(\S+)\s*$/i.exec(c.env.incoming.headers.authorization ?? '')?.[1];
    // A valid token first: the common request then asks the grant store one question, not two.
    const grant = token === undefined ? undefined : await grants.authenticate(token);
    if (!grant && !(loopbackOnly && !(await grants.hasActiveGrants()))) return unauthorized(token !== undefined);
    c.set('grant', grant);
    return next();
  }

  app.post('/mcp', async (c) => {
    const { incoming, outgoing } = c.env;
    const body = await readOneMessage(incoming, listen.maxBodyBytes);
    if (body instanceof Response) return body;
    const grant = c.get('grant');
    const sessionId = sessionIdOf(incoming);
    const session = sessionId === undefined ? undefined : sessions.get(sessionId);
    if (session) {
      if (session.grantId !== (grant?.id ?? null)) return jsonRpcError(404, SESSION_NOT_FOUND, 'Session not found');
      // The grant as it is now, not as it was when the session opened: `grants update` applies to the next call.
      session.transport.handlePost(incoming, outgoing, body, grant ? authInfoOf(grant) : undefined);
      return RESPONSE_ALREADY_SENT;
    }
    const request = c.req.raw;
    if (!(await isLegacyRequest(request, body, { maxRequestBodySize: listen.maxBodyBytes }))) {
      return modern.fetch(request, { parsedBody: body, ...(grant ? { authInfo: authInfoOf(grant) } : {}) });
    }
    if (sessionId !== undefined) return jsonRpcError(404, SESSION_NOT_FOUND, 'Session not found');
    if (!isInitializeRequest(body)) {
      return jsonRpcError(
        400,
        INVALID_REQUEST,
        'Bad Request: no Mcp-Session-Id header, and the request is not initialize',
      );
    }
    const transport = new HttpSessionTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => void sessions.set(id, { transport, grantId: grant?.id ?? null }),
      onsessionclosed: (id) => void sessions.delete(id),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await createGatewayServer(gateway, 'legacy', grant).connect(transport);
    transport.handlePost(incoming, outgoing, body, grant ? authInfoOf(grant) : undefined);
    return RESPONSE_ALREADY_SENT;
  });
  // GET opens a 2025-era session's notification stream; DELETE ends the session.
  app.on(['GET', 'DELETE'], '/mcp', (c) => {
    const { incoming, outgoing } = c.env;
    const sessionId = sessionIdOf(incoming);
    if (!sessionId) return jsonRpcError(400, INVALID_REQUEST, 'Bad Request: Mcp-Session-Id header is required');
    const session = sessions.get(sessionId);
    if (!session || session.grantId !== (c.get('grant')?.id ?? null)) {
      return jsonRpcError(404, SESSION_NOT_FOUND, 'Session not found');
    }
    if (incoming.method === 'GET') session.transport.handleGet(incoming, outgoing);
    else session.transport.handleDelete(incoming, outgoing);
    return RESPONSE_ALREADY_SENT;
  });

  // The 2024-11-05 HTTP+SSE transport, for old clients: GET /sse opens the stream, POST /messages carries requests.
  app.get('/sse', async (c) => {
    const grant = c.get('grant');
    const transport = new SSEServerTransport('/messages', c.env.outgoing);
    sseSessions.set(transport.sessionId, { transport, grantId: grant?.id ?? null });
    transport.onclose = () => void sseSessions.delete(transport.sessionId);
    await createGatewayServer(gateway, 'legacy', grant).connect(transport);
    return RESPONSE_ALREADY_SENT;
  });
  app.post('/messages', async (c) => {
    const session = sseSessions.get(c.req.query('sessionId') ?? '');
    if (!session || session.grantId !== (c.get('grant')?.id ?? null)) {
      return jsonRpcError(404, SESSION_NOT_FOUND, 'Session not found');
    }
    const body = await readOneMessage(c.env.incoming, listen.maxBodyBytes);
    if (body instanceof Response) return body;
    const grant = c.get('grant');
    // Where the SSE transport looks for the request's authentication: the grant as it is now (see above).
    if (grant) (c.env.incoming as IncomingMessage & { auth?: AuthInfo }).auth = authInfoOf(grant);
    await session.transport.handlePostMessage(c.env.incoming, c.env.outgoing, body);
    return RESPONSE_ALREADY_SENT;
  });

  // Node closes an idle keep-alive connection after 5 s. A client that keeps its own idle connections as long
  // or longer (or whose event loop was busy when the close arrived) then sends its next request on a socket
  // the gateway has just closed, and the request fails ("other side closed"). Agents sit idle between calls
  // for seconds at a time, so the gateway keeps idle connections longer than clients usually do.
  const serverOptions = { keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS };
  const server = await new Promise<ServerType>((resolve, reject) => {
    const started: ServerType = serve(
      { fetch: app.fetch, hostname: listen.host, port: listen.port, serverOptions },
      () => resolve(started),
    );
    started.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/mcp`,
    async close() {
      stopListening();
      const open = [...sessions.values(), ...sseSessions.values()].map((session) => session.transport);
      await Promise.all(open.map((transport) => transport.close().catch(() => undefined)));
      await modern.close();
      // Idle keep-alive connections would hold close() for up to KEEP_ALIVE_TIMEOUT_MS, and a response still
      // streaming (a listen stream, a client that never reads) for ever: the last ones get a moment, then end.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const http1 = server as HttpServer;
      http1.closeIdleConnections();
      const grace = setTimeout(() => http1.closeAllConnections(), CLOSE_GRACE_MS);
      await closed;
      clearTimeout(grace);
    },
  };
}

/**
 * Reads a POST body as one JSON-RPC message, or the error response that refuses it: too large (413, before
 * reading more than the limit), not JSON, or a batch.
 */
async function readOneMessage(incoming: IncomingMessage, maxBytes: number): Promise<unknown> {
  const tooLarge = () => jsonRpcError(413, INVALID_REQUEST, `Request body larger than ${maxBytes} bytes`);
  if (Number(incoming.headers['content-length'] ?? 0) > maxBytes) return tooLarge();
  const text = await readText(incoming, maxBytes);
  if (text === undefined) return tooLarge();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return jsonRpcError(400, PARSE_ERROR, 'Parse error: the body is not JSON');
  }
  if (Array.isArray(body)) {
    return jsonRpcError(
      400,
      INVALID_REQUEST,
      'Batched JSON-RPC requests are not supported: send one message per request',
    );
  }
  return body;
}

/** The `Mcp-Session-Id` header; a repeated one names no session. */
function sessionIdOf(incoming: IncomingMessage): string | undefined {
  const value = incoming.headers['mcp-session-id'];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The body as text, or undefined once it exceeds `maxBytes`; the rest of an oversized body is drained, not
 * buffered, so that the refusal can still be written on the same connection.
 */
function readText(incoming: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      incoming.off('data', onData).resume();
      resolve(undefined);
    };
    incoming.on('data', onData);
    incoming.once('end', () => resolve(size > maxBytes ? undefined : Buffer.concat(chunks, size).toString('utf8')));
    incoming.once('error', reject);
  });
}

/** 401 with the challenge that tells an HTTP client to send a bearer token. */
function unauthorized(tokenGiven: boolean): Response {
  const challenge = tokenGiven ? 'Bearer realm="toolgate", error="invalid_token"' : 'Bearer realm="toolgate"';
  const message = tokenGiven
    ? 'Unauthorized: the bearer token is not valid'
    : 'Unauthorized: send Authorization: Bearer <token>';
  return Response.json(
    { jsonrpc: '2.0', error: { code: UNAUTHORIZED, message }, id: null },
    { status: 401, headers: { 'WWW-Authenticate': challenge } },
  );
}

/**
 * The SDK's pass-through authentication record for a 2026-07-28 request. It carries the grant, never the
 * token: nothing after this point needs the secret.
 */
function authInfoOf(grant: Grant): AuthInfo {
  return { token: '', clientId: grant.id, scopes: [], extra: { grant } };
}

function jsonRpcError(status: number, code: number, message: string): Response {
  return Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status });
}

/** The hostname of a `host[:port]` entry, as the SDK's Host check compares hostnames without ports. */
function hostnameOf(hostAndPort: string): string {
  return new URL(`http://${hostAndPort}`).hostname;
}

function originHostname(origin: string): string {
  return new URL(origin).hostname;
}

/** A gateway listening on a specific address also answers requests addressed to it by that address. */
function listenHostnames(host: string): string[] {
  if (host === '0.0.0.0' || host === '::') return [];
  return [host.includes(':') ? `[${host}]` : host];
}
