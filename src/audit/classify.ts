import { ProtocolError } from '@modelcontextprotocol/server';
import { GatewayError, GatewayErrorCode } from '../errors.js';
import type { Decision } from '../policy/decide.js';
import type { RawResult } from '../raw-result.js';
import type { AuditDecision, AuditOutcome } from './audit-record.js';

/**
 * The audit trail's words for what the call pipeline produces: a policy decision, a result, an error. Pure.
 */

/** The audit decision for a policy decision (a limit's denial is `rate_limited`; shadow mode's is `allow`). */
export function auditDecisionOf(decision: Decision): AuditDecision {
  switch (decision.effect) {
    case 'allow':
      return 'allow';
    case 'hide':
      return 'hide';
    case 'require_approval':
      return 'require_approval';
    case 'deny':
      return decision.cause === 'limit' ? 'rate_limited' : 'deny';
  }
}

/** How a call the server answered ended: `tool_error` when the result says `isError: true`. */
export function outcomeOfResult(result: RawResult): Extract<AuditOutcome, 'ok' | 'tool_error'> {
  return result.isError === true ? 'tool_error' : 'ok';
}

/**
 * How a call forwarded to a server ended when forwarding threw. The errors are the upstream layer's: a
 * GatewayError naming what went wrong, a JSON-RPC error the server returned, or an abort.
 */
export function outcomeOfError(error: unknown, signal?: AbortSignal): AuditOutcome {
  if (signal?.aborted || isAbort(error)) return 'cancelled';
  if (error instanceof GatewayError) {
    switch (error.code) {
      case GatewayErrorCode.ServerUnavailable:
        return 'server_unavailable';
      case GatewayErrorCode.ServerTimeout:
        return 'timeout';
      case GatewayErrorCode.ServerFailed:
        return 'server_failed';
      default:
        return 'gateway_error';
    }
  }
  // A JSON-RPC error from a server, whether the SDK made it a ProtocolError or passed it on as it came.
  if (error instanceof ProtocolError) return 'server_error';
  if (typeof error === 'object' && error !== null && Number.isSafeInteger((error as { code?: unknown }).code)) {
    return 'server_error';
  }
  return 'gateway_error';
}

export function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || /abort/i.test(error.name));
}
