import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';

/**
 * The catalogue of what can go wrong, and the one place that says what each failure becomes: what the agent
 * sees (a tool result it can read, a JSON-RPC error, or an HTTP refusal before any MCP), the HTTP status, the
 * word the audit trail records and whether a call's reserved quota is kept or given back. The endpoints, the
 * call pipeline, the audit record and the limits all read it through `outcomeOf`; none of them switches on codes.
 * Every code is documented in docs/errors.md (a test checks it, and that each one is raised somewhere).
 */
export const ErrorCode = {
  // ---- the endpoint: refused before any MCP request is read ----
  /** No bearer token, or one that proves no active grant. */
  Unauthenticated: 'GW_UNAUTHENTICATED',
  /** The token cannot be checked: the store of grants (PostgreSQL) cannot be reached. The client may retry. */
  GrantsUnavailable: 'GW_GRANTS_UNAVAILABLE',
  /** The Host or Origin header names a site the gateway does not serve (DNS rebinding). */
  ForbiddenOrigin: 'GW_FORBIDDEN_ORIGIN',
  /** The request body (a line, on stdio) is larger than `listen.maxBodyBytes`. */
  PayloadTooLarge: 'GW_PAYLOAD_TOO_LARGE',
  /** The body is not JSON. */
  ParseError: 'GW_PARSE_ERROR',
  /** The request is not one JSON-RPC request the gateway serves here (a batch; no session and not initialize). */
  BadRequest: 'GW_BAD_REQUEST',
  /**
   * The request's params are wrong: a cursor the gateway did not give, a URI that is not a string, a name, URI or
   * arguments beyond listen's bounds, …
   */
  InvalidParams: 'GW_INVALID_PARAMS',
  /** The Mcp-Session-Id names no session of this grant (ended, never existed, or another grant's). */
  UnknownSession: 'GW_UNKNOWN_SESSION',

  // ---- resolve: the call names nothing the caller may use ----
  /** No server the caller may use offers the tool (or the policy hides it: the two are answered alike). */
  UnknownTool: 'GW_UNKNOWN_TOOL',
  /** No server the caller may use offers the prompt. */
  UnknownPrompt: 'GW_UNKNOWN_PROMPT',
  /** No server the caller may use offers the resource. */
  UnknownResource: 'GW_UNKNOWN_RESOURCE',

  // ---- pinned definitions: refused until an operator accepts a change (a tool result) ----
  /**
   * The tool's definition changed since an operator accepted it, or the tool is new (under `pinning.added:
   * hold`), or its server's instructions changed (under `pinning.changed: block`): its calls are refused until an
   * operator accepts the change (`toolgate tools accept`).
   */
  ToolChanged: 'GW_TOOL_CHANGED',

  // ---- decide, approve, limit: refusals the agent reads as a tool result ----
  /** The policy refused the call. */
  PolicyDenied: 'GW_POLICY_DENIED',
  /** A limit refused the call; `retryAfterMs` says when the same call would fit. */
  RateLimited: 'GW_RATE_LIMITED',
  /** The call waits for a person's approval; retrying the same call later runs it once approved. */
  ApprovalPending: 'GW_APPROVAL_PENDING',
  /** A person refused the call. */
  ApprovalDenied: 'GW_APPROVAL_DENIED',
  /** Nobody approved the call in time. */
  ApprovalExpired: 'GW_APPROVAL_EXPIRED',
  /** The policy asks the person at the client to approve, and the client cannot be asked (no elicitation). */
  ApprovalUnavailable: 'GW_APPROVAL_UNAVAILABLE',
  /** The call needs an approval, and its grant already has `approvals.maxPendingPerGrant` pending: not held. */
  TooManyPendingApprovals: 'GW_TOO_MANY_PENDING_APPROVALS',

  // ---- forward: the server's side ----
  /** The server is not connected (down, starting, unreachable): the call never left the gateway. */
  ServerUnavailable: 'GW_SERVER_UNAVAILABLE',
  /**
   * The connection broke while the call was in flight, or the server answered with more than its `maxResultBytes`
   * (the answer is dropped, the connection kept): the server may have acted.
   */
  ServerFailed: 'GW_SERVER_FAILED',
  /** The server did not answer within its timeout: it may have acted. */
  ServerTimeout: 'GW_SERVER_TIMEOUT',
  /** The server has its `maxSessions` sessions open, and the request needs one more: it never left the gateway. */
  ServerSessionLimit: 'GW_SERVER_SESSION_LIMIT',
  /** A server asked the client something (sampling, elicitation, roots) that the gateway cannot route to it. */
  UnroutableServerRequest: 'GW_UNROUTABLE_SERVER_REQUEST',

  // ---- the gateway's own state ----
  /**
   * The call cannot go on without a store that cannot be reached now: the state database, to open or settle its
   * approval (another process holds its lock beyond `state.lockWaitMs`, it is read-only or full, PostgreSQL is
   * unreachable), or the counters its limits need (Redis unreachable, unless `state.redis.failOpen`).
   */
  StateUnavailable: 'GW_STATE_UNAVAILABLE',

  /** A bug or an unexpected failure inside the gateway. */
  Internal: 'GW_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Where the agent meets a failure. */
type Surface =
  /** A tool result with `isError: true`: the model reads it and can adapt (wait, ask, do something else). */
  | 'tool-result'
  /** A JSON-RPC error response. */
  | 'json-rpc'
  /** An HTTP response from the endpoint, before any MCP request was read. */
  | 'http';

/** The audit trail's words for how a call ended (the same closed set as AuditRecord's `outcome`). */
export type EndOutcome =
  | 'ok'
  | 'tool_error'
  | 'refused'
  | 'server_error'
  | 'server_unavailable'
  | 'server_failed'
  | 'timeout'
  | 'cancelled'
  | 'gateway_error';

/** What a call's reserved quota becomes when it ends this way. */
type QuotaFate =
  /** Given back: the server certainly never ran the call. */
  | 'release'
  /** Kept: the call ran, or may have. */
  | 'keep';

export interface ErrorSpec {
  readonly surface: Surface;
  /** The JSON-RPC error code for the json-rpc and http surfaces (http bodies are JSON-RPC errors too). */
  readonly jsonRpcCode: number | null;
  /** The HTTP status of an http-surface refusal; 200 where the answer is an MCP message. */
  readonly httpStatus: number;
  /** How the audit record says the call ended; null for HTTP endpoint refusals, which are logged and counted. */
  readonly audit: EndOutcome | null;
  readonly quota: QuotaFate;
  /** The text that starts a tool-result refusal, for the model (the code is in `_meta` for programs). */
  readonly label?: string;
}

const { ParseError, InvalidRequest, InvalidParams, InternalError, ResourceNotFound } = ProtocolErrorCode;
/** The JSON-RPC server-error range codes the HTTP endpoint answers with. */
const SERVER_REFUSED = -32000;
const SESSION_OR_AUTH = -32001;

export const ERRORS: Readonly<Record<ErrorCode, ErrorSpec>> = Object.freeze({
  GW_UNAUTHENTICATED: { surface: 'http', jsonRpcCode: SESSION_OR_AUTH, httpStatus: 401, audit: null, quota: 'release' },
  GW_GRANTS_UNAVAILABLE: {
    surface: 'http',
    jsonRpcCode: InternalError,
    httpStatus: 503,
    audit: null,
    quota: 'release',
  },
  GW_FORBIDDEN_ORIGIN: { surface: 'http', jsonRpcCode: SERVER_REFUSED, httpStatus: 403, audit: null, quota: 'release' },
  GW_PAYLOAD_TOO_LARGE: {
    surface: 'http',
    jsonRpcCode: InvalidRequest,
    httpStatus: 413,
    audit: null,
    quota: 'release',
  },
  GW_PARSE_ERROR: { surface: 'http', jsonRpcCode: ParseError, httpStatus: 400, audit: null, quota: 'release' },
  GW_BAD_REQUEST: { surface: 'http', jsonRpcCode: InvalidRequest, httpStatus: 400, audit: null, quota: 'release' },
  GW_INVALID_PARAMS: {
    surface: 'json-rpc',
    jsonRpcCode: InvalidParams,
    httpStatus: 200,
    audit: 'refused',
    quota: 'release',
  },
  GW_UNKNOWN_SESSION: { surface: 'http', jsonRpcCode: SESSION_OR_AUTH, httpStatus: 404, audit: null, quota: 'release' },
  GW_UNKNOWN_TOOL: {
    surface: 'json-rpc',
    jsonRpcCode: InvalidParams,
    httpStatus: 200,
    audit: 'refused',
    quota: 'release',
  },
  GW_UNKNOWN_PROMPT: {
    surface: 'json-rpc',
    jsonRpcCode: InvalidParams,
    httpStatus: 200,
    audit: 'refused',
    quota: 'release',
  },
  GW_UNKNOWN_RESOURCE: {
    surface: 'json-rpc',
    jsonRpcCode: ResourceNotFound,
    httpStatus: 200,
    audit: 'refused',
    quota: 'release',
  },
  GW_TOOL_CHANGED: {
    surface: 'tool-result',
    jsonRpcCode: null,
    httpStatus: 200,
    audit: 'refused',
    quota: 'release',
    label: '[TOOL CHANGED]',
  },
  GW_POLICY_DENIED: {
    surface: 'tool-result',
    jsonRpcCode: null,
    httpStatus: 200,
    audit: 'refused',
    quota: 'release',
    label: '[POLICY DENIED]',
  },
  GW_RATE_LIMITED: {
    surface: 'tool-result',
    jsonRpcCode: null,
    httpStatus: 200,
    audit: 'refused',
    quota: 'release',
    label: '[RATE LIMITED]',
  },
  GW_APPROVAL_PENDING: {
    surface: 'tool-result',
    jsonRpcCode: null,
    httpStatus: 200,
    audit: 'refused',
    quota: 'release',
    label: '[APPROVAL PENDING]',
  },
  GW_APPROVAL_DENIED: {
    surface: 'tool-result',
    jsonRpcCode: null,
    httpStatus: 200,
    audit: 'refused',
    quota: 'release',
    label: '[APPROVAL DENIED]',
  },
  GW_APPROVAL_EXPIRED: {
    surface: 'tool-result',
    jsonRpcCode: null,
    httpStatus: 200,
    audit: 'refused',
    quota: 'release',
    label: '[APPROVAL EXPIRED]',
  },
  GW_APPROVAL_UNAVAILABLE: {
    surface: 'tool-result',
    jsonRpcCode: null,
    httpStatus: 200,
    audit: 'refused',
    quota: 'release',
    label: '[POLICY DENIED]',
  },
  GW_TOO_MANY_PENDING_APPROVALS: {
    surface: 'tool-result',
    jsonRpcCode: null,
    httpStatus: 200,
    audit: 'refused',
    quota: 'release',
    label: '[TOO MANY PENDING APPROVALS]',
  },
  GW_SERVER_UNAVAILABLE: {
    surface: 'json-rpc',
    jsonRpcCode: InternalError,
    httpStatus: 200,
    audit: 'server_unavailable',
    quota: 'release',
  },
  GW_SERVER_SESSION_LIMIT: {
    surface: 'json-rpc',
    jsonRpcCode: InternalError,
    httpStatus: 200,
    audit: 'server_unavailable',
    quota: 'release',
  },
  GW_SERVER_FAILED: {
    surface: 'json-rpc',
    jsonRpcCode: InternalError,
    httpStatus: 200,
    audit: 'server_failed',
    quota: 'keep',
  },
  GW_SERVER_TIMEOUT: {
    surface: 'json-rpc',
    jsonRpcCode: InternalError,
    httpStatus: 200,
    audit: 'timeout',
    quota: 'keep',
  },
  GW_UNROUTABLE_SERVER_REQUEST: {
    surface: 'json-rpc',
    jsonRpcCode: InternalError,
    httpStatus: 200,
    audit: 'gateway_error',
    quota: 'keep',
  },
  GW_STATE_UNAVAILABLE: {
    surface: 'json-rpc',
    jsonRpcCode: InternalError,
    httpStatus: 200,
    audit: 'gateway_error',
    quota: 'release',
  },
  GW_INTERNAL: {
    surface: 'json-rpc',
    jsonRpcCode: InternalError,
    httpStatus: 500,
    audit: 'gateway_error',
    quota: 'keep',
  },
});

/**
 * A failure the gateway itself produces (as opposed to an error a server returned, which is forwarded as is).
 * `data` travels to the agent with it: a refusal's decision id, rule and retry time.
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly data: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; data?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.data = options?.data;
  }
}

/** What one failure comes to, for every part that must act on it. */
export interface Outcome {
  /** The catalogue's code; null for an error the server returned, or a cancellation. */
  readonly code: ErrorCode | null;
  readonly surface: Surface;
  readonly audit: EndOutcome;
  readonly quota: QuotaFate;
}

/**
 * The one mapping from a failure to what it comes to. Besides the catalogue's own errors there are two kinds a
 * call can end with: the client cancelling (the server may have started), and a JSON-RPC error the server
 * answered with (it received the call, and may have acted before failing; a tool that answers wrong guesses with
 * errors must stay limited). Both keep their quota: it comes back only when the server certainly never received
 * the call.
 */
export function outcomeOf(error: unknown, signal?: AbortSignal): Outcome {
  if (signal?.aborted || isAbort(error)) return { code: null, surface: 'json-rpc', audit: 'cancelled', quota: 'keep' };
  if (error instanceof GatewayError) {
    const spec = ERRORS[error.code];
    return { code: error.code, surface: spec.surface, audit: spec.audit ?? 'gateway_error', quota: spec.quota };
  }
  if (isJsonRpcError(error)) return { code: null, surface: 'json-rpc', audit: 'server_error', quota: 'keep' };
  return { code: ErrorCode.Internal, surface: 'json-rpc', audit: 'gateway_error', quota: 'keep' };
}

/**
 * The JSON-RPC error a client receives for a failure, with the call's decision id when it went through the
 * pipeline. A server's own JSON-RPC error passes through with its code, message and data; an unexpected error
 * becomes GW_INTERNAL without its message (it may name internals).
 */
export function toJsonRpcError(error: unknown, decisionId?: string): unknown {
  if (isAbort(error)) return error;
  if (isJsonRpcError(error) && !(error instanceof GatewayError)) return error;
  const code = error instanceof GatewayError ? error.code : ErrorCode.Internal;
  const message = code === ErrorCode.Internal ? 'Internal error in Toolgate' : (error as Error).message;
  const data = {
    code,
    ...(error instanceof GatewayError ? error.data : {}),
    ...(decisionId === undefined ? {} : { decisionId }),
  };
  return new ProtocolError(ERRORS[code].jsonRpcCode ?? InternalError, message, data);
}

/** What an HTTP endpoint refusal carries beyond its code: headers, and the refused message's id if it is known. */
export interface RefusalReply {
  readonly headers?: Record<string, string>;
  readonly id?: string | number | null;
}

/** The HTTP response of an HTTP endpoint refusal: its status, and a JSON-RPC error body naming the code. */
export function toHttpResponse(code: ErrorCode, message: string, reply: RefusalReply = {}): Response {
  return Response.json(errorResponse(code, message, reply.id ?? null), {
    status: ERRORS[code].httpStatus,
    ...(reply.headers ? { headers: reply.headers } : {}),
  });
}

/**
 * The JSON-RPC error for a message refused before it was read as MCP: `id` is the message's when it could be
 * read, else null, as JSON-RPC 2.0 says. The HTTP endpoint's refusals have it as their body; `toolgate stdio`
 * writes it as a line.
 */
export function errorResponse(code: ErrorCode, message: string, id: string | number | null = null) {
  return { jsonrpc: '2.0', error: { code: ERRORS[code].jsonRpcCode, message, data: { code } }, id } as const;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || /abort/i.test(error.name));
}

/** A JSON-RPC error, whether the SDK made it a ProtocolError or passed it on as it came. */
function isJsonRpcError(error: unknown): boolean {
  if (error instanceof ProtocolError) return true;
  return typeof error === 'object' && error !== null && Number.isSafeInteger((error as { code?: unknown }).code);
}
