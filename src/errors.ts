/**
 * The catalogue of gateway error codes. Every failure the gateway itself produces carries one of these, so
 * logs, audit records and clients see the same word for the same thing.
 */
export const GatewayErrorCode = {
  /** The caller named a tool, prompt or resource that no connected server offers. */
  UnknownTarget: 'GW_UNKNOWN_TARGET',
  /** The server that owns the target is not connected (crashed, unreachable, still starting). */
  ServerUnavailable: 'GW_SERVER_UNAVAILABLE',
  /** The connection to the server broke while a request was in flight: the server may or may not have acted. */
  ServerFailed: 'GW_SERVER_FAILED',
  /** The server did not answer within its configured timeout. */
  ServerTimeout: 'GW_SERVER_TIMEOUT',
  /** A server asked for something (sampling, elicitation, roots) that the gateway cannot route to one client. */
  UnroutableServerRequest: 'GW_UNROUTABLE_SERVER_REQUEST',
  /** The request was malformed before it reached a server (batch, bad cursor, wrong params). */
  BadRequest: 'GW_BAD_REQUEST',
  /** A bug or an unexpected failure inside the gateway. */
  Internal: 'GW_INTERNAL',
} as const;

export type GatewayErrorCode = (typeof GatewayErrorCode)[keyof typeof GatewayErrorCode];

/** A failure produced by the gateway (as opposed to an error a server returned, which is forwarded as is). */
export class GatewayError extends Error {
  readonly code: GatewayErrorCode;

  constructor(code: GatewayErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GatewayError';
    this.code = code;
  }
}
