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
  type InitializeRequest,
  type JSONRPCMessage,
} from '@modelcontextprotocol/server';
import { SSEServerTransport } from '@modelcontextprotocol/server-legacy/sse';
import { Hono, type Context, type Next } from 'hono';
import { adminTokenAuthentication, bearerMatches, createAdminApi } from '../admin/admin-api.js';
import type { Clock } from '../clock.js';
import type { GatewayConfig } from '../config/load.js';
import { ErrorCode, toHttpResponse, type RefusalReply } from '../errors.js';
import type { Authentication, Authenticator } from '../grants/authenticate.js';
import type { Principal } from '../grants/principal.js';
import { hostnameOf, isLoopbackHost, listenHostnames } from '../config/listen-address.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { AdminContext } from '../admin/admin-context.js';
import { createMcpEndpoint, type DownstreamDeps } from './mcp-endpoint.js';
import { ListenBus } from './listen-bus.js';
import { parseMessageText } from './message-text.js';
import { HttpSessionTransport } from '../sdk-forks/http-session-transport.js';
import { SessionTable } from './session-table.js';
import type { ReplicaRelay } from '../sessions/replica-relay.js';
import { SealTooLarge, SessionSeal } from '../sessions/session-seal.js';

/** A running HTTP endpoint. */
export interface HttpEndpoint {
  /** The MCP endpoint's URL, e.g. `http://127.0.0.1:8787/mcp`. */
  readonly url: string;
  close(): Promise<void>;
}

/** How long responses still in flight at shutdown may take to finish before their connections are cut. */
const CLOSE_GRACE_MS = 2_000;
/** How long an idle HTTP connection stays open for the client's next request (see startHttpEndpoint). */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** What a refusal's log line names of the request it refuses. */
type RefusedRequest = Pick<Context<EndpointEnv>, 'req' | 'env'>;

type EndpointEnv = { Bindings: HttpBindings; Variables: { principal: Principal } };

/** What the HTTP endpoint serves besides MCP, and what it needs to serve it. */
export interface HttpEndpointDeps {
  readonly config: GatewayConfig;
  readonly downstream: DownstreamDeps;
  readonly authenticator: Authenticator;
  readonly metrics: GatewayMetrics;
  /** What the admin API serves (at /admin, with `admin.token`). */
  readonly admin: AdminContext;
  readonly clock: Clock;
  /** How this replica reaches the others (the era bridge's relay). */
  readonly relay: ReplicaRelay;
}

/**
 * Serves the gateway over HTTP: Streamable HTTP on `/mcp` for both protocol eras (2025-era clients get a
 * session each, because sampling, elicitation, roots and notifications need one; 2026-07-28 requests are served
 * statelessly), plus `/healthz`. Every request passes the Host and Origin checks first (DNS rebinding), then
 * the body limit; batched JSON-RPC is refused. With `admin.token` set, `/admin` serves the admin API to scripts.
 */
export async function startHttpEndpoint(endpoint: HttpEndpointDeps): Promise<HttpEndpoint> {
  const { config, downstream, authenticator, metrics } = endpoint;
  const { listen } = config;
  const { log, upstreams } = downstream;
  const loopbackOnly = isLoopbackHost(listen.host);
  /** A request refused before any MCP was read: logged with its reason, counted, answered per the catalogue. */
  const refuse = (c: RefusedRequest, code: ErrorCode, message: string, reply?: RefusalReply) => {
    metrics.httpRefusals.inc({ code });
    log.info({ code, path: c.req.path, method: c.req.method, remote: c.env.incoming.socket.remoteAddress }, message);
    return toHttpResponse(code, message, reply);
  };
  // A session belongs to the grant that opened it: another grant's requests cannot reach it.
  // Bounded: idle sessions end, and one grant holds at most its share (see SessionTable).
  const limits = { idleMs: listen.sessionIdleMs, perGrant: listen.maxSessionsPerGrant };
  const sessions = new SessionTable<HttpSessionTransport>(limits, endpoint.clock);
  const sseSessions = new SessionTable<SSEServerTransport>(limits, endpoint.clock);
  // A 2025-era session id is the session, sealed: any replica with the same keys can take it up (resumeSession).
  const seal = new SessionSeal(listen.sessionKeys);
  const { relay, clock } = endpoint;
  const replica = {
    id: relay.replicaId,
    relay: (replicaId: string, sessionId: string, response: JSONRPCMessage) =>
      relay.deliverAnswer(replicaId, sessionId, response),
  };
  relay.onAnswer((sessionId, message) => sessions.peek(sessionId)?.deliver(message as JSONRPCMessage));
  relay.onSessionEnded((sessionId) => sessions.end(sessionId));
  /** Sessions being taken up here, so that two requests at once take one up once. */
  const resuming = new Map<string, Promise<HttpSessionTransport | undefined>>();
  const sweep = setInterval(
    () => {
      const ended = sessions.sweep() + sseSessions.sweep();
      if (ended > 0) log.info({ ended }, 'idle HTTP sessions ended');
    },
    Math.min(60_000, listen.sessionIdleMs / 2),
  );
  sweep.unref();
  // 2026-07-28 listen streams hear a server's list changes only if their principal may see that server.
  const listenBus = new ListenBus();
  const modern = createMcpHandler(({ era }) => createMcpEndpoint(downstream, era), {
    legacy: 'reject',
    maxRequestBodySize: listen.maxBodyBytes,
    bus: listenBus,
    onerror: (error) => log.debug({ err: error.message }, 'modern request failed'),
  });
  const stopListening = downstream.sessions.onListChanged((serverId, kinds) =>
    listenBus.serverChanged(serverId, kinds),
  );
  const allowedHosts = [
    ...localhostAllowedHostnames(),
    ...listen.allowedHosts.map(hostnameOf),
    ...listenHostnames(listen.host),
  ];
  const allowedOrigins = [...localhostAllowedHostnames(), ...listen.allowedOrigins.map(originHostname)];

  // Headers are read from Node's request, not from `c.req`: building a web Request per call costs more than the
  // rest of the endpoint together, and the 2025-era session path never needs one.
  const app = new Hono<EndpointEnv>();
  app.use('*', async (c, next) => {
    const { headers } = c.env.incoming;
    const host = validateHostHeader(headers.host, allowedHosts);
    const origin = host.ok ? validateOriginHeader(headers.origin, allowedOrigins) : host;
    if (!origin.ok) return refuse(c, ErrorCode.ForbiddenOrigin, origin.message);
    await next();
  });
  // Liveness: the process answers. Readiness: every server has had its first connection attempt.
  app.get('/healthz', (c) => c.json({ status: 'ok', servers: upstreams.servers() }));
  app.get('/readyz', (c) =>
    upstreams.ready()
      ? c.json({ status: 'ready', servers: upstreams.servers() })
      : c.json({ status: 'starting', servers: upstreams.servers() }, 503),
  );
  const adminToken = config.admin.token;
  // Metrics name servers and tools: on loopback anyone local may scrape; beyond it, only with the admin token.
  app.get('/metrics', async (c) => {
    if (!loopbackOnly && !(adminToken !== null && bearerMatches(c.req.header('authorization'), adminToken))) {
      return c.json({ error: 'metrics need the admin token when Toolgate listens beyond loopback' }, 401);
    }
    return c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType });
  });
  // For scripts beside the agents; the console and its sign-in are served on the admin listener only.
  if (adminToken !== null) app.route('/admin', createAdminApi(endpoint.admin, adminTokenAuthentication(adminToken)));

  // Every MCP route needs a grant's bearer token, unless the operator chose to serve tokenless local callers
  // (listen.allowTokenless, loopback only): never inferred from the grant table (fail closed).
  app.use('/mcp', authenticate);
  app.use('/sse', authenticate);
  app.use('/messages', authenticate);
  async function authenticate(c: Context<EndpointEnv>, next: Next) {
    let authentication: Authentication;
    try {
      authentication = await authenticator.authenticate(c.env.incoming.headers.authorization);
    } catch (error) {
      // The grants cannot be read (PostgreSQL unreachable): no token is taken on trust, and the client may retry.
      log.error({ err: error instanceof Error ? error.message : String(error) }, 'grants unavailable');
      return refuse(
        c,
        ErrorCode.GrantsUnavailable,
        'Toolgate cannot reach the store of its grants to check the token: the request was not served. Retry shortly.',
        { headers: { 'Retry-After': '1' } },
      );
    }
    if (!authentication.ok) return unauthorized(c, authentication.failure === 'invalid_token');
    c.set('principal', authentication.principal);
    return next();
  }
  /** 401 with the challenge that tells an HTTP client to send a bearer token. */
  function unauthorized(c: Context<EndpointEnv>, tokenGiven: boolean): Response {
    const challenge = tokenGiven ? 'Bearer realm="toolgate", error="invalid_token"' : 'Bearer realm="toolgate"';
    const message = tokenGiven
      ? 'Unauthorized: the bearer token is not valid'
      : "Unauthorized: send Authorization: Bearer <token>, with a grant's token (toolgate grants create)";
    return refuse(c, ErrorCode.Unauthenticated, message, { headers: { 'WWW-Authenticate': challenge } });
  }
  const unknownSession = (c: Context<EndpointEnv>) => refuse(c, ErrorCode.UnknownSession, 'Session not found');
  const badRequest = (c: Context<EndpointEnv>, message: string) => refuse(c, ErrorCode.BadRequest, message);
  /** Reads a POST body as one JSON-RPC message, or the refusal (413, 400) that answers it. */
  async function readBody(c: Context<EndpointEnv>): Promise<unknown> {
    const body = await readOneMessage(c.env.incoming, listen.maxBodyBytes);
    if (body instanceof BodyRefusal) return refuse(c, body.code, body.message, { id: body.id });
    return body;
  }

  app.post('/mcp', async (c) => {
    const { incoming, outgoing } = c.env;
    const body = await readBody(c);
    if (body instanceof Response) return body;
    const principal = c.get('principal');
    const sessionId = sessionIdOf(incoming);
    // Another grant's session is answered as one that does not exist.
    const session = sessionId === undefined ? undefined : sessions.use(sessionId, principal.id);
    if (session) return postTo(session, c, body);
    const request = c.req.raw;
    if (!(await isLegacyRequest(request, body, { maxRequestBodySize: listen.maxBodyBytes }))) {
      return listenBus.asPrincipal(principal, () =>
        modern.fetch(request, { parsedBody: body, authInfo: authInfoOf(principal) }),
      );
    }
    if (sessionId !== undefined) {
      const resumed = await resumeSession(sessionId, principal);
      return resumed ? postTo(resumed, c, body) : unknownSession(c);
    }
    // The SDK's check reads method and params only: an initialize without an id is a notification, which would
    // open a session no client ever initialized.
    if (!isInitializeRequest(body) || !('id' in body)) {
      return badRequest(c, 'Bad Request: no Mcp-Session-Id header, and the request is not initialize');
    }
    const issuedAt = clock.now();
    const expiresAt = issuedAt + listen.sessionMaxAgeMs;
    let newId: string;
    try {
      newId = seal.seal({ grantId: principal.id, ...clientHalf(body), issuedAt, expiresAt });
    } catch (error) {
      if (error instanceof SealTooLarge) return badRequest(c, `Bad Request: ${error.message}`);
      throw error;
    }
    const transport = newSessionTransport(() => newId, principal, expiresAt);
    await createMcpEndpoint(downstream, 'legacy', principal).connect(transport);
    transport.handlePost(incoming, outgoing, body, authInfoOf(principal));
    return RESPONSE_ALREADY_SENT;
  });
  function postTo(session: HttpSessionTransport, c: Context<EndpointEnv>, body: unknown) {
    // The principal as it is now, not as it was when the session opened: `grants update` applies to the next call.
    session.handlePost(c.env.incoming, c.env.outgoing, body, authInfoOf(c.get('principal')));
    return RESPONSE_ALREADY_SENT;
  }
  function newSessionTransport(id: () => string, principal: Principal, expiresAt: number): HttpSessionTransport {
    const transport = new HttpSessionTransport({
      sessionIdGenerator: id,
      onsessioninitialized: (opened) => sessions.add(opened, transport, principal.id, expiresAt),
      onsessionclosed: (closed) => void sessions.delete(closed),
      replica,
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    return transport;
  }
  /**
   * Takes up here a session that is not here: opened on another replica, or ended here for being idle. Its id
   * must open with one of the keys, be unexpired, be the caller's grant's, and not have been deleted; then the
   * session's endpoint is made and given the client's `initialize` again, locally (the client is not asked).
   * What a server keeps per session is not carried over: this replica opens its own sessions with servers.
   */
  async function resumeSession(sessionId: string, principal: Principal): Promise<HttpSessionTransport | undefined> {
    const sealed = seal.open(sessionId, clock.now());
    if (!sealed || sealed.grantId !== principal.id) return undefined;
    const pending = resuming.get(sessionId);
    if (pending) return pending;
    const resumed = (async () => {
      // Fail closed: while it cannot be told whether the session was deleted, its client starts a new one.
      const ended = await relay.sessionEnded(sessionId).catch((error: unknown) => {
        log.warn({ err: (error as Error).message }, 'cannot tell whether a session was ended; refusing it');
        return true;
      });
      if (ended) return undefined;
      const transport = newSessionTransport(() => sessionId, principal, sealed.expiresAt);
      await createMcpEndpoint(downstream, 'legacy', principal).connect(transport);
      const { protocolVersion, capabilities, clientInfo } = sealed;
      await transport.resume(sessionId, { protocolVersion, capabilities, clientInfo });
      sessions.add(sessionId, transport, principal.id, sealed.expiresAt);
      log.debug({ replicaId: relay.replicaId }, 'session taken up');
      return sessions.use(sessionId, principal.id);
    })();
    resuming.set(sessionId, resumed);
    try {
      return await resumed;
    } finally {
      resuming.delete(sessionId);
    }
  }
  // GET opens a 2025-era session's notification stream; DELETE ends the session.
  app.on(['GET', 'DELETE'], '/mcp', async (c) => {
    const { incoming, outgoing } = c.env;
    const sessionId = sessionIdOf(incoming);
    if (!sessionId) return badRequest(c, 'Bad Request: Mcp-Session-Id header is required');
    const principal = c.get('principal');
    const session = sessions.use(sessionId, principal.id) ?? (await resumeSession(sessionId, principal));
    if (!session) return unknownSession(c);
    if (incoming.method === 'GET') {
      // An open listen stream is a session in use, however long no request comes.
      outgoing.once('close', sessions.streaming(sessionId));
      session.handleGet(incoming, outgoing);
      return RESPONSE_ALREADY_SENT;
    }
    // Ended everywhere first, so that no replica takes it up again once the client has been told it is gone.
    const sealed = seal.open(sessionId, clock.now());
    if (sealed) {
      try {
        await relay.endSession(sessionId, sealed.expiresAt);
      } catch (error) {
        log.warn({ err: (error as Error).message }, 'cannot end a session on the other replicas');
        return refuse(
          c,
          ErrorCode.Internal,
          'The session could not be ended on every replica (state.redis); try again',
        );
      }
    }
    session.handleDelete(incoming, outgoing);
    return RESPONSE_ALREADY_SENT;
  });

  // The 2024-11-05 HTTP+SSE transport, for old clients: GET /sse opens the stream, POST /messages carries requests.
  app.get('/sse', async (c) => {
    const principal = c.get('principal');
    const transport = new SSEServerTransport('/messages', c.env.outgoing);
    sseSessions.add(transport.sessionId, transport, principal.id);
    // The session lives as long as its stream: it is never idle while the client listens.
    c.env.outgoing.once('close', sseSessions.streaming(transport.sessionId));
    transport.onclose = () => sseSessions.delete(transport.sessionId);
    await createMcpEndpoint(downstream, 'legacy', principal).connect(transport);
    return RESPONSE_ALREADY_SENT;
  });
  app.post('/messages', async (c) => {
    const session = sseSessions.use(c.req.query('sessionId') ?? '', c.get('principal').id);
    if (!session) return unknownSession(c);
    const body = await readBody(c);
    if (body instanceof Response) return body;
    // Where the SSE transport looks for the request's authentication: the principal as it is now (see above).
    (c.env.incoming as IncomingMessage & { auth?: AuthInfo }).auth = authInfoOf(c.get('principal'));
    await session.handlePostMessage(c.env.incoming, c.env.outgoing, body);
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
      clearInterval(sweep);
      const open = [...sessions.transports(), ...sseSessions.transports()];
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

/** Why a POST body was refused before it was read as MCP. */
class BodyRefusal {
  constructor(
    readonly code: ErrorCode,
    readonly message: string,
    readonly id: string | number | null = null,
  ) {}
}

/**
 * Reads a POST body as one JSON-RPC message, or why it is refused: too large (before reading more than the
 * limit), nested too deep, not JSON, or a batch. Whether it is JSON-RPC is the session transport's to say.
 */
async function readOneMessage(incoming: IncomingMessage, maxBytes: number): Promise<unknown> {
  const tooLarge = new BodyRefusal(ErrorCode.PayloadTooLarge, `Request body larger than ${maxBytes} bytes`);
  if (Number(incoming.headers['content-length'] ?? 0) > maxBytes) return tooLarge;
  const text = await readText(incoming, maxBytes);
  if (text === undefined) return tooLarge;
  const parsed = parseMessageText(text, false);
  return 'body' in parsed ? parsed.body : new BodyRefusal(parsed.code, parsed.message, parsed.id);
}

/** The client's half of the handshake: what a replica that takes the session up replays. */
function clientHalf({ params }: InitializeRequest) {
  return { protocolVersion: params.protocolVersion, capabilities: params.capabilities, clientInfo: params.clientInfo };
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

/**
 * The SDK's pass-through authentication record for a request. It carries the principal, never the token:
 * nothing after this point needs the secret.
 */
function authInfoOf(principal: Principal): AuthInfo {
  return { token: '', clientId: principal.id ?? 'local', scopes: [], extra: { principal } };
}

/** The hostname of a `host[:port]` entry, as the SDK's Host check compares hostnames without ports. */
function originHostname(origin: string): string {
  return new URL(origin).hostname;
}
