import { randomUUID } from 'node:crypto';
import { LOG_LEVEL_META_KEY, ProtocolError, ProtocolErrorCode, Server } from '@modelcontextprotocol/server';
import type {
  ClientCapabilities,
  LoggingLevel,
  Notification,
  RequestOptions,
  ServerContext,
} from '@modelcontextprotocol/server';
import { ErrorCode, GatewayError, toJsonRpcError } from '../errors.js';
import type { Principal } from '../grants/principal.js';
import { handleList } from '../pipeline/handle-list.js';
import { handleRequest } from '../pipeline/handle-request.js';
import { handleToolCall } from '../pipeline/handle-tool-call.js';

import type { CallMethod } from '../audit/audit-record.js';
import type { PipelineDeps } from '../pipeline/pipeline-deps.js';
import { rawResult, type RawResult } from '../raw-result.js';
import type { ClientSession } from '../sessions/session-registry.js';
import type { Caller, ForwardOptions } from '../upstream/caller.js';
import { GATEWAY_VERSION } from '../upstream/server-connection.js';
import type { EraBridge } from './era-bridge.js';

/** The protocol era a downstream server instance serves. */
export type Era = 'legacy' | 'modern';

/** What a downstream server instance hands requests to. */
export interface DownstreamDeps extends PipelineDeps {
  /** Holds 2025-era servers' calls open for 2026-07-28 clients that answer their requests by retrying. */
  readonly eraBridge: EraBridge;
}

/**
 * Builds the MCP server that clients talk to: one low-level SDK `Server` whose handlers hand each request to the
 * pipeline. A legacy-era instance lives as long as its client session (stdio connection, HTTP session) and
 * serves `principal`; a modern-era instance serves one request, whose principal comes with it (HTTP) or is
 * given (stdio).
 */
export function createMcpEndpoint(deps: DownstreamDeps, era: Era, principal?: Principal): Server {
  const instructions = principal === undefined ? undefined : deps.upstreams.instructions(principal);
  const server = new Server(
    { name: 'toolgate', version: GATEWAY_VERSION },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        completions: {},
        logging: {},
      },
      ...(instructions === undefined ? {} : { instructions }),
    },
  );
  const session = new EndpointSession(server, era, principal);
  if (era === 'legacy') server.oninitialized = () => deps.sessions.open(session);
  server.onclose = () => {
    deps.sessions.close(session.sessionId);
    for (const upstream of deps.upstreams.all()) upstream.detach(session.sessionId);
  };
  // A client's roots changed: the servers on the connections its session uses are told.
  server.setNotificationHandler('notifications/roots/list_changed', () => {
    for (const upstream of deps.upstreams.all()) upstream.rootsChanged(session.sessionId);
  });

  const callerOf = (ctx: ServerContext): Caller => session.callerFor(ctx);
  const params = (request: { params?: unknown }): Record<string, unknown> =>
    (request.params ?? {}) as Record<string, unknown>;
  const cursorOf = (request: { params?: { cursor?: string } }): string | undefined => request.params?.cursor;
  /** A request that names one server's tool, prompt, resource or completion: through the pipeline. */
  const piped =
    (method: CallMethod, name: (p: Record<string, unknown>) => unknown) =>
    (caller: Caller, p: Record<string, unknown>, options: ForwardOptions): Promise<RawResult> => {
      const named = name(p);
      const request = { method, name: typeof named === 'string' ? named : '', params: p, caller, options };
      return method === 'tools/call' ? handleToolCall(request, deps) : handleRequest(request, deps);
    };
  const callTool = piped('tools/call', (p) => p.name);
  const getPrompt = piped('prompts/get', (p) => p.name);
  const readResource = piped('resources/read', (p) => p.uri);
  const complete = piped('completion/complete', (p) => {
    const ref = (p.ref ?? {}) as Record<string, unknown>;
    return ref.type === 'ref/prompt' ? ref.name : ref.uri;
  });

  /**
   * Runs a request during which a server may ask the client something (sampling, elicitation, roots). A
   * 2025-era client is asked directly, related to this request; a 2026-07-28 client cannot be asked, so the era
   * bridge answers it with `input_required` results and resumes the call when the client retries.
   */
  const interactive = (
    ctx: ServerContext,
    request: { method: string; params?: unknown },
    operation: (caller: Caller, p: Record<string, unknown>, options: ForwardOptions) => Promise<RawResult>,
  ): Promise<never> => {
    const options = forwardOptions(ctx, params(request));
    const caller = callerOf(ctx);
    if (era === 'legacy') return answer(operation(caller, params(request), options));
    const bridge = deps.eraBridge;
    const requestState = ctx.mcpReq.requestState();
    // A held call resumes only for the principal that started it, and for the same request: a request state is
    // not a bearer capability.
    const owner = JSON.stringify([caller.principal.via, caller.principal.id, request.method, params(request).name]);
    if (bridge.owns(requestState)) {
      return answer(bridge.resume(requestState, owner, ctx.mcpReq.inputResponses, ctx.mcpReq.signal));
    }
    return answer(
      bridge.start(
        (ask, signal) =>
          operation({ ...caller, request: (serverRequest) => ask(serverRequest) }, params(request), {
            ...options,
            signal,
          }),
        owner,
        ctx.mcpReq.signal,
      ),
    );
  };

  server.setRequestHandler('tools/list', (request, ctx) =>
    answer(handleList(callerOf(ctx), 'tools', cursorOf(request), deps)),
  );
  server.setRequestHandler('tools/call', (request, ctx) => interactive(ctx, request, callTool));
  server.setRequestHandler('prompts/list', (request, ctx) =>
    answer(handleList(callerOf(ctx), 'prompts', cursorOf(request), deps)),
  );
  server.setRequestHandler('prompts/get', (request, ctx) => interactive(ctx, request, getPrompt));
  server.setRequestHandler('resources/list', (request, ctx) =>
    answer(handleList(callerOf(ctx), 'resources', cursorOf(request), deps)),
  );
  server.setRequestHandler('resources/templates/list', (request, ctx) =>
    answer(handleList(callerOf(ctx), 'resourceTemplates', cursorOf(request), deps)),
  );
  server.setRequestHandler('resources/read', (request, ctx) => interactive(ctx, request, readResource));
  server.setRequestHandler('completion/complete', (request, ctx) =>
    answer(complete(callerOf(ctx), params(request), forwardOptions(ctx, params(request)))),
  );
  if (era === 'legacy') {
    server.setRequestHandler('resources/subscribe', (request, ctx) =>
      answer(
        (async () => {
          const { uri } = request.params;
          const { serverId } = await deps.catalog.routeResource(callerOf(ctx), uri);
          await deps.upstreams.get(serverId).subscribe(session, uri);
          session.subscriptions.set(uri, serverId);
          return {};
        })(),
      ),
    );
    server.setRequestHandler('resources/unsubscribe', (request) =>
      answer(
        (async () => {
          const { uri } = request.params;
          // The server the subscription went to, whichever serves the URI now.
          const serverId = session.subscriptions.get(uri);
          if (serverId === undefined) return {};
          session.subscriptions.delete(uri);
          await deps.upstreams.get(serverId).unsubscribe(session, uri);
          return {};
        })(),
      ),
    );
    // Servers always log to the gateway, which filters per client.
    server.setRequestHandler('logging/setLevel', async (request) => {
      session.logLevel = request.params.level;
      return {};
    });
  }
  return server;
}

function forwardOptions(ctx: ServerContext, params: { _meta?: { progressToken?: string | number } }): ForwardOptions {
  const { inputResponses } = ctx.mcpReq;
  const requestState = ctx.mcpReq.requestState();
  return {
    signal: ctx.mcpReq.signal,
    requestId: ctx.mcpReq.id,
    ...(params._meta?.progressToken === undefined ? {} : { progressToken: params._meta.progressToken }),
    ...(inputResponses === undefined && requestState === undefined
      ? {}
      : {
          retry: {
            ...(inputResponses === undefined ? {} : { inputResponses }),
            ...(requestState === undefined ? {} : { requestState }),
          },
        }),
  };
}

/** The client session behind a legacy-era server instance (or one modern request). */
class EndpointSession implements ClientSession {
  readonly sessionId = randomUUID();
  logLevel: LoggingLevel | undefined;
  /** The resource URIs this client subscribed to, and the server each subscription went to. */
  readonly subscriptions = new Map<string, string>();
  #principal: Principal | undefined;
  readonly #server: Server;
  readonly #era: Era;

  constructor(server: Server, era: Era, principal: Principal | undefined) {
    this.#server = server;
    this.#era = era;
    this.#principal = principal;
  }

  /** The principal of the session's latest request (see callerFor). */
  get principal(): Principal {
    if (this.#principal === undefined) throw new GatewayError(ErrorCode.Unauthenticated, 'No principal');
    return this.#principal;
  }

  get capabilities(): ClientCapabilities {
    return this.#server.getClientCapabilities() ?? {};
  }

  request(request: { method: string; params?: Record<string, unknown> }, options: RequestOptions): Promise<RawResult> {
    if (this.#era === 'modern') return Promise.reject(noServerRequests(request.method));
    return this.#server.request(request as never, rawResult, options);
  }

  notify(notification: Notification): Promise<void> {
    return this.#server.notification(notification);
  }

  /** The caller for one request: server requests and notifications go out related to that request. */
  callerFor(ctx: ServerContext): Caller {
    const era = this.#era;
    const requested = (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[LOG_LEVEL_META_KEY];
    // An HTTP request carries its principal as authentication found it now (a session only ever serves the grant
    // that opened it, but `grants update` may have changed its policy or servers since); stdio has no request to
    // carry one. The session keeps it, so that what servers send between calls follows the grant as it is now.
    const principal = (ctx.http?.authInfo?.extra?.principal as Principal | undefined) ?? this.principal;
    this.#principal = principal;
    return {
      sessionId: this.sessionId,
      capabilities: this.capabilities,
      principal,
      stateless: era === 'modern',
      logLevel: era === 'modern' ? (requested as LoggingLevel | undefined) : this.logLevel,
      request: (request, options) =>
        era === 'modern'
          ? Promise.reject(noServerRequests(request.method))
          : ctx.mcpReq.send(request as never, rawResult, options),
      notify: (notification) => ctx.mcpReq.notify(notification),
      session: this,
    };
  }
}

function noServerRequests(method: string): ProtocolError {
  return new ProtocolError(
    ProtocolErrorCode.MethodNotFound,
    `The client is on the stateless protocol era and cannot answer ${method} through Toolgate yet`,
  );
}

/** Awaits a pipeline operation, mapping a failure outside the pipeline (a list, a subscription) to its error. */
async function answer(operation: Promise<RawResult>): Promise<never> {
  try {
    return (await operation) as never;
  } catch (error) {
    throw toJsonRpcError(error);
  }
}
