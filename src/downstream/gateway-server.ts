import { randomUUID } from 'node:crypto';
import { ProtocolError, Server } from '@modelcontextprotocol/server';
import type {
  ClientCapabilities,
  LoggingLevel,
  Notification,
  RequestOptions,
  ServerContext,
} from '@modelcontextprotocol/server';
import type { ClientSession, ForwardOptions, Gateway } from '../gateway.js';
import { GatewayError, GatewayErrorCode } from '../errors.js';
import { rawResult, type RawResult } from '../raw-result.js';
import type { Grant } from '../grants/grant.js';
import type { Caller } from '../upstream/caller.js';
import { GATEWAY_VERSION } from '../upstream/server-connection.js';

/** The protocol era a front-door server instance serves. */
export type Era = 'legacy' | 'modern';

/**
 * Builds the MCP server that clients talk to: one low-level SDK `Server` whose every handler hands the request
 * to the gateway. A legacy-era instance lives as long as its client session (stdio connection, HTTP session);
 * a modern-era instance serves one request. `onClose` runs when the instance's session ends.
 */
export function createGatewayServer(gateway: Gateway, era: Era, sessionGrant?: Grant): Server {
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
      ...instructionsOf(gateway, sessionGrant),
    },
  );
  const session = new FrontSession(server, era, sessionGrant);
  if (era === 'legacy') server.oninitialized = () => gateway.openSession(session);
  server.onclose = () => gateway.closeSession(session.sessionId);
  server.setNotificationHandler('notifications/roots/list_changed', () => gateway.rootsChanged(session.sessionId));

  const callerOf = (ctx: ServerContext): Caller => session.callerFor(ctx);
  const forwardOptions = (
    ctx: ServerContext,
    params: { _meta?: { progressToken?: string | number } },
  ): ForwardOptions => {
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
  };
  const params = (request: { params?: unknown }): Record<string, unknown> =>
    (request.params ?? {}) as Record<string, unknown>;
  const cursorOf = (request: { params?: { cursor?: string } }): string | undefined => request.params?.cursor;

  server.setRequestHandler('tools/list', (request, ctx) => answer(gateway.listTools(callerOf(ctx), cursorOf(request))));
  /**
   * Runs a request during which a server may ask the client something (sampling, elicitation, roots). A
   * 2025-era client is asked directly, related to this request; a 2026-07-28 client cannot be asked, so the era
   * bridge answers it with `input_required` results and resumes the call when the client retries.
   */
  const interactive = (
    ctx: ServerContext,
    request: { params?: unknown },
    operation: (caller: Caller, options: ForwardOptions) => Promise<RawResult>,
  ): Promise<never> => {
    const options = forwardOptions(ctx, params(request));
    if (era === 'legacy') return answer(operation(callerOf(ctx), options));
    const bridge = gateway.eraBridge;
    const requestState = ctx.mcpReq.requestState();
    if (bridge.owns(requestState)) {
      return answer(bridge.resume(requestState, ctx.mcpReq.inputResponses, ctx.mcpReq.signal));
    }
    return answer(
      bridge.start(
        (ask, signal) =>
          operation({ ...callerOf(ctx), request: (serverRequest) => ask(serverRequest) }, { ...options, signal }),
        ctx.mcpReq.signal,
      ),
    );
  };

  server.setRequestHandler('tools/call', (request, ctx) =>
    interactive(ctx, request, (caller, options) => gateway.callTool(caller, params(request), options)),
  );
  server.setRequestHandler('prompts/list', (request, ctx) =>
    answer(gateway.listPrompts(callerOf(ctx), cursorOf(request))),
  );
  server.setRequestHandler('prompts/get', (request, ctx) =>
    interactive(ctx, request, (caller, options) => gateway.getPrompt(caller, params(request), options)),
  );
  server.setRequestHandler('resources/list', (request, ctx) =>
    answer(gateway.listResources(callerOf(ctx), cursorOf(request))),
  );
  server.setRequestHandler('resources/templates/list', (request, ctx) =>
    answer(gateway.listResourceTemplates(callerOf(ctx), cursorOf(request))),
  );
  server.setRequestHandler('resources/read', (request, ctx) =>
    interactive(ctx, request, (caller, options) => gateway.readResource(caller, params(request), options)),
  );
  server.setRequestHandler('completion/complete', (request, ctx) =>
    answer(gateway.complete(callerOf(ctx), params(request), forwardOptions(ctx, params(request)))),
  );
  if (era === 'legacy') {
    server.setRequestHandler('resources/subscribe', (request) => answer(gateway.subscribe(session, params(request))));
    server.setRequestHandler('resources/unsubscribe', (request) =>
      answer(gateway.unsubscribe(session, params(request))),
    );
    server.setRequestHandler('logging/setLevel', async (request) => {
      gateway.setLogLevel(session, request.params.level);
      return {};
    });
  }
  return server;
}

/** The client session behind a legacy-era server instance (or one modern request). */
class FrontSession implements ClientSession {
  readonly sessionId = randomUUID();
  logLevel: LoggingLevel | undefined;
  readonly subscriptions = new Set<string>();
  readonly grant: Grant | undefined;
  readonly #server: Server;
  readonly #era: Era;

  constructor(server: Server, era: Era, grant: Grant | undefined) {
    this.#server = server;
    this.#era = era;
    this.grant = grant;
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
    // An HTTP request carries its grant as the store has it now (a session only ever serves the grant that opened
    // it, but `grants update` may have changed its policy or servers since); stdio has no request to carry one.
    const grant = (ctx.http?.authInfo?.extra?.grant as Grant | undefined) ?? this.grant;
    return {
      sessionId: this.sessionId,
      capabilities: this.capabilities,
      grant,
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

/** Where a 2026-07-28 client puts its log level: in each request's `_meta`. */
const LOG_LEVEL_META_KEY = 'io.modelcontextprotocol/logLevel';

function noServerRequests(method: string): ProtocolError {
  return new ProtocolError(
    -32601,
    `The client is on the stateless protocol era and cannot answer ${method} through Toolgate yet`,
  );
}

function instructionsOf(gateway: Gateway, grant: Grant | undefined): { instructions?: string } {
  const instructions = gateway.instructions(grant?.servers);
  return instructions === undefined ? {} : { instructions };
}

/**
 * Awaits a gateway operation and maps gateway failures to what the client should see. This is the one place
 * where gateway errors become MCP errors; errors a server returned pass through unchanged.
 */
async function answer(operation: Promise<RawResult>): Promise<never> {
  try {
    return (await operation) as never;
  } catch (error) {
    throw toMcpError(error);
  }
}

/** Maps an error to the JSON-RPC error a client receives. */
export function toMcpError(error: unknown): unknown {
  if (error instanceof ProtocolError) return error;
  if (error instanceof GatewayError) {
    switch (error.code) {
      case GatewayErrorCode.ServerUnavailable:
      case GatewayErrorCode.ServerFailed:
      case GatewayErrorCode.ServerTimeout:
      case GatewayErrorCode.UnroutableServerRequest:
        return new ProtocolError(-32603, error.message, { code: error.code });
      case GatewayErrorCode.UnknownTarget:
      case GatewayErrorCode.BadRequest:
        return new ProtocolError(-32602, error.message, { code: error.code });
      case GatewayErrorCode.Internal:
        return new ProtocolError(-32603, 'Internal error in Toolgate', { code: error.code });
    }
  }
  if (error instanceof Error && (error.name === 'AbortError' || /abort/i.test(error.name))) return error;
  // A JSON-RPC error from a server keeps its code, message and data.
  if (typeof error === 'object' && error !== null && Number.isSafeInteger((error as { code?: unknown }).code))
    return error;
  return new ProtocolError(-32603, 'Internal error in Toolgate', { code: GatewayErrorCode.Internal });
}
