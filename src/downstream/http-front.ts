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
} from '@modelcontextprotocol/server';
import { SSEServerTransport } from '@modelcontextprotocol/server-legacy/sse';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Gateway } from '../gateway.js';
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

/**
 * Serves the gateway over HTTP: Streamable HTTP on `/mcp` for both protocol eras (2025-era clients get a
 * session each, because sampling, elicitation, roots and notifications need one; 2026-07-28 requests are served
 * statelessly), plus `/healthz`. Every request passes the Host and Origin checks first (DNS rebinding), then
 * the body limit; batched JSON-RPC is refused.
 */
export async function startHttpFront(gateway: Gateway): Promise<HttpFront> {
  const { listen } = gateway.config;
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  const sseSessions = new Map<string, SSEServerTransport>();
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

  const app = new Hono<{ Bindings: HttpBindings }>();
  app.use('*', async (c, next) => {
    const refused =
      hostHeaderValidationResponse(c.req.raw, allowedHosts) ?? originValidationResponse(c.req.raw, allowedOrigins);
    if (refused) return refused;
    await next();
  });
  app.get('/healthz', (c) => c.json({ status: 'ok', servers: gateway.servers() }));
  const limitBody = bodyLimit({
    maxSize: listen.maxBodyBytes,
    onError: () => jsonRpcError(413, INVALID_REQUEST, `Request body larger than ${listen.maxBodyBytes} bytes`),
  });
  app.post('/mcp', limitBody, async (c) => {
    const body = await readOneMessage(c.req.raw);
    if (body instanceof Response) return body;
    const request = c.req.raw;
    if (!(await isLegacyRequest(request, body, { maxRequestBodySize: listen.maxBodyBytes }))) {
      return modern.fetch(request, { parsedBody: body });
    }
    const sessionId = request.headers.get('mcp-session-id');
    if (sessionId) {
      const transport = sessions.get(sessionId);
      return transport
        ? transport.handleRequest(request, { parsedBody: body })
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
      onsessioninitialized: (id) => void sessions.set(id, transport),
      onsessionclosed: (id) => void sessions.delete(id),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await createGatewayServer(gateway, 'legacy').connect(transport);
    return transport.handleRequest(request, { parsedBody: body });
  });
  // GET opens a 2025-era session's notification stream; DELETE ends the session.
  app.on(['GET', 'DELETE'], '/mcp', (c) => {
    const sessionId = c.req.header('mcp-session-id');
    const transport = sessionId ? sessions.get(sessionId) : undefined;
    if (!sessionId) return jsonRpcError(400, INVALID_REQUEST, 'Bad Request: Mcp-Session-Id header is required');
    return transport ? transport.handleRequest(c.req.raw) : jsonRpcError(404, SESSION_NOT_FOUND, 'Session not found');
  });

  // The 2024-11-05 HTTP+SSE transport, for old clients: GET /sse opens the stream, POST /messages carries requests.
  app.get('/sse', async (c) => {
    const transport = new SSEServerTransport('/messages', c.env.outgoing);
    sseSessions.set(transport.sessionId, transport);
    transport.onclose = () => void sseSessions.delete(transport.sessionId);
    await createGatewayServer(gateway, 'legacy').connect(transport);
    return RESPONSE_ALREADY_SENT;
  });
  app.post('/messages', limitBody, async (c) => {
    const transport = sseSessions.get(c.req.query('sessionId') ?? '');
    if (!transport) return jsonRpcError(404, SESSION_NOT_FOUND, 'Session not found');
    const body = await readOneMessage(c.req.raw);
    if (body instanceof Response) return body;
    await transport.handlePostMessage(c.env.incoming, c.env.outgoing, body);
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
      const open = [...sessions.values(), ...sseSessions.values()];
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
