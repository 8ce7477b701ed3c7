import type {
  ClientCapabilities,
  LoggingLevel,
  Notification,
  ProgressToken,
  RequestOptions,
} from '@modelcontextprotocol/client';
import type { Principal } from '../grants/principal.js';
import type { RawResult } from '../raw-result.js';
import { canonicalJson } from '../json/canonical-json.js';

/**
 * The client side of one call, as the upstream layer sees it: who asked, what that client can do, and how to
 * reach it while the call is in flight. Server-to-client requests (sampling, elicitation, roots) and the
 * notifications tied to a call go back through these functions, so they reach the client session, and the
 * HTTP stream, that caused them.
 */
export interface Caller {
  /** The client session's id, unique within the gateway process. */
  readonly sessionId: string;
  /** The capabilities the client declared; only these are ever declared to a server on its behalf. */
  readonly capabilities: ClientCapabilities;
  /** Who the client proved to be (authentication's answer). */
  readonly principal: Principal;
  /**
   * True for a 2026-07-28 request: it belongs to no client session (its `sessionId` names this request alone),
   * so what counts per session counts per principal instead.
   */
  readonly stateless?: boolean;
  /** The lowest level of server log messages the client wants, if it said. */
  readonly logLevel?: LoggingLevel | undefined;
  /** Sends a request to the client in the context of the current call. */
  request(request: { method: string; params?: Record<string, unknown> }, options: RequestOptions): Promise<RawResult>;
  /** Sends a notification to the client in the context of the current call. */
  notify(notification: Notification): Promise<void>;
  /**
   * The same client outside any call (its session's standalone stream): how to reach it after this call has
   * ended, for logs, list changes and server requests that no call caused.
   */
  readonly session?: Caller;
}

/** Options that travel with one forwarded request. */
export interface ForwardOptions {
  readonly signal: AbortSignal;
  /** The client's JSON-RPC request id, for the audit record. */
  readonly requestId?: string | number;
  /** The client's own progress token, if it asked for progress. */
  readonly progressToken?: ProgressToken;
  /**
   * A 2026-07-28 retry's answers to an `input_required` result, and the server's opaque state, both passed back
   * to the server untouched (the SDK lifts them out of the params before the gateway sees the request).
   */
  readonly retry?: { readonly inputResponses?: Record<string, unknown>; readonly requestState?: unknown };
}

/**
 * The client capabilities that change what a server may do or show (server-everything, for one, registers its
 * sampling tools only for clients that declare sampling). Connections to servers are keyed by these.
 */
export function serverFacingCapabilities(capabilities: ClientCapabilities): ClientCapabilities {
  const picked: ClientCapabilities = {};
  if (capabilities.sampling) picked.sampling = capabilities.sampling;
  if (capabilities.elicitation) picked.elicitation = capabilities.elicitation;
  if (capabilities.roots) picked.roots = capabilities.roots;
  return picked;
}

/** A stable key for a capability set (key order does not matter). */
export function capabilityKey(capabilities: ClientCapabilities): string {
  return canonicalJson(capabilities);
}
