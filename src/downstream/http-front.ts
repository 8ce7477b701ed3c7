import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type HttpBindings, type ServerType } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import {
  createMcpHandler,
  hostHeaderValidationResponse,
  isInitializeRequest,
  isLegacyRequest,
  localhostAllowedHostnames,
  originValidationResponse,
  WebStandardStreamableHTTPServerTransport,
  type AuthInfo,
} from '@modelcontextprotocol/server';
import { SSEServerTransport } from '@modelcontextprotocol/server-legacy/sse';
import { Hono, type Context, type Next } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Gateway } from '../gateway.js';
import type { GrantStore } from '../grants/grant-store.js';
import type { Grant } from '../grants/grant.js';
import { isLoopbackHost } from '../listen-address.js';
import { bearerMatches, createAdminApi } from './admin-api.js';
import { createGatewayServer } from './gateway-server.js';

/** A running HTTP front door. */
export interface HttpFront {
  /** The MCP endpoint's URL, e.g. `http://127.0.0.1:8787/mcp`. */
  readonly url: string;
  close(): Promise<void>;
}

/** JSON-RPC error codes the front door answers with itself. */
const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const SESSION_NOT_FOUND = -32001;
const UNAUTHORIZED = -32001;

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
  const sessions = new Map<string, { transport: WebStandardStreamableHTTPServerTransport; grantId: string | null }>();
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

  const app = new Hono<{ Bindings: HttpBindings; Variables: { grant: Grant | undefined } }>();
  app.use('*', async (c, next) => {
    const refused =
      hostHeaderValidationResponse(c.req.raw, allowedHosts) ?? originValidationResponse(c.req.raw, allowedOrigins);
    if (refused) return refused;
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
  async function authenticate(c: Context<{ Variables: { grant: Grant | undefined } }>, next: Next) {
    if (loopbackOnly && !(await grants.hasActiveGrants())) {
      c.set('grant', undefined);
      return next();
    }
    const token = /^Bearer[ ]+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const grant = token === undefined ? undefined : await grants.authenticate(token);
    if (!grant) return unauthorized(token !== undefined);
    c.set('grant', grant);
    return next();
  }

  const limitBody = bodyLimit({
    maxSize: listen.maxBodyBytes,
    onError: () => jsonRpcError(413, INVALID_REQUEST, `Request body larger than ${listen.maxBodyBytes} bytes`),
  });
  app.post('/mcp', limitBody, async (c) => {
    const body = await readOneMessage(c.req.raw);
    if (body instanceof Response) return body;
    const request = c.req.raw;
    const grant = c.get('grant');
    if (!(await isLegacyRequest(request, body, { maxRequestBodySize: listen.maxBodyBytes }))) {
      return modern.fetch(request, { parsedBody: body, ...(grant ? { authInfo: authInfoOf(grant) } : {}) });
    }
    const sessionId = request.headers.get('mcp-session-id');
    if (sessionId) {
      const session = sessions.get(sessionId);
      return session && session.grantId === (grant?.id ?? null)
        ? session.transport.handleRequest(request, { parsedBody: body })
        : jsonRpcError(404, SESSION_NOT_FOUND, 'Session not found');
    }
    if (!isInitializeRequest(body)) {
      return jsonRpcError(
        400,
        INVALID_REQUEST,
        'Bad Request: no Mcp-Session-Id header, and the request is not initialize',
      );
    }
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => void sessions.set(id, { transport, grantId: grant?.id ?? null }),
      onsessionclosed: (id) => void sessions.delete(id),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await createGatewayServer(gateway, 'legacy', grant).connect(transport);
    return transport.handleRequest(request, { parsedBody: body });
  });
  // GET opens a 2025-era session's notification stream; DELETE ends the session.
  app.on(['GET', 'DELETE'], '/mcp', (c) => {
    const sessionId = c.req.header('mcp-session-id');
    if (!sessionId) return jsonRpcError(400, INVALID_REQUEST, 'Bad Request: Mcp-Session-Id header is required');
    const session = sessions.get(sessionId);
    return session && session.grantId === (c.get('grant')?.id ?? null)
      ? session.transport.handleRequest(c.req.raw)
      : jsonRpcError(404, SESSION_NOT_FOUND, 'Session not found');
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
  app.post('/messages', limitBody, async (c) => {
    const session = sseSessions.get(c.req.query('sessionId') ?? '');
    if (!session || session.grantId !== (c.get('grant')?.id ?? null)) {
      return jsonRpcError(404, SESSION_NOT_FOUND, 'Session not found');
    }
    const body = await readOneMessage(c.req.raw);
    if (body instanceof Response) return body;
    await session.transport.handlePostMessage(c.env.incoming, c.env.outgoing, body);
    return RESPONSE_ALREADY_SENT;
  });

  const server = await new Promise<ServerType>((resolve, reject) => {
    const started: ServerType = serve({ fetch: app.fetch, hostname: listen.host, port: listen.port }, () =>
      resolve(started),
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
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Reads a POST body as one JSON-RPC message, or the error response that refuses it. */
async function readOneMessage(request: Request): Promise<unknown> {
  let body: unknown;
  try {
    body = await request.json();
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
