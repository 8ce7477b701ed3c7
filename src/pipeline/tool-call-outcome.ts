import { ProtocolError } from '@modelcontextprotocol/server';
import { GatewayError, GatewayErrorCode } from '../errors.js';
import type { AllowDecision, Decision, ShadowDecision } from '../policy/decide.js';
import type { ApprovalOutcome } from '../approvals/approval-queue.js';
import type { RawResult } from '../raw-result.js';

/** The `_meta` key under which a refusal tells the client what decided it. */
export const DECISION_META_KEY = 'toolgate/decision';

/**
 * The tool result a refused call gets. A refusal is not a protocol error: the model reads `[POLICY DENIED]`
 * and the reason, and can adapt (ask, wait, try something else). `_meta` names the rule, the policy revision
 * and, for a limit, when to retry, for clients that act on them.
 */
export function refusalResult(
  decision: Exclude<Decision, AllowDecision | ShadowDecision | { effect: 'hide' }>,
): RawResult {
  const retryAfterMs = 'retryAfterMs' in decision ? decision.retryAfterMs : undefined;
  return {
    content: [{ type: 'text', text: `[POLICY DENIED] ${decision.message}` }],
    isError: true,
    _meta: {
      [DECISION_META_KEY]: {
        effect: decision.effect,
        rule: decision.rule,
        policyRevision: decision.policyRevision,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      },
    },
  };
}

/** The `_meta` key under which a held call's result names its approval. */
export const APPROVAL_META_KEY = 'toolgate/approval';

/**
 * The result of a held call that did not run: denied by a person (with their reason), expired, or still waiting
 * (the agent should retry the same call later; once approved, that retry runs once).
 */
export function approvalResult(outcome: Exclude<ApprovalOutcome, { kind: 'approved' }>): RawResult {
  const { approval } = outcome;
  const text = (() => {
    switch (outcome.kind) {
      case 'denied':
        return `[APPROVAL DENIED] A person denied this call (approval ${approval.id})${approval.decisionReason ? `: ${approval.decisionReason}` : '.'}`;
      case 'expired':
        return `[APPROVAL EXPIRED] Nobody approved this call in time (approval ${approval.id}). Make the call again to ask again.`;
      case 'pending':
        return `[APPROVAL PENDING] This call needs a person's approval (approval ${approval.id}${approval.reason ? `: ${approval.reason}` : ''}). It has not run. Retry the same call, with the same arguments, later: once approved it runs once.`;
    }
  })();
  return {
    content: [{ type: 'text', text }],
    isError: true,
    _meta: { [APPROVAL_META_KEY]: { id: approval.id, status: outcome.kind, rule: approval.rule } },
  };
}

/**
 * True when a failed call certainly did not run on the server, so its quota is given back: the server could
 * not be reached, or answered with a JSON-RPC error (it failed the request). A timeout or a connection that broke
 * mid-call may hide a call that ran, so those keep their charge.
 */
export function serverDidNotRun(error: unknown): boolean {
  if (error instanceof GatewayError) return error.code === GatewayErrorCode.ServerUnavailable;
  return error instanceof ProtocolError;
}
