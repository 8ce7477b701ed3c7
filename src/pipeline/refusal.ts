import { ERRORS, ErrorCode, GatewayError } from '../errors.js';
import type { Approval } from '../approvals/approval.js';
import type { ApprovalOutcome } from '../approvals/approval-queue.js';
import type { Principal } from '../grants/principal.js';
import type { UnacceptedChange } from '../pinning/pin-view.js';
import type { Decision } from '../policy/decide.js';
import type { RawResult } from '../raw-result.js';

/**
 * The refusals the pipeline's steps throw, and the one way a refusal becomes what the agent reads. A refusal is
 * not a protocol error: the model reads its label and reason (`[RATE LIMITED] …`) and can adapt; programs read
 * the stable code, the decision id and the rest in `_meta`.
 */

/** The `_meta` key under which a refusal names its decision and what refused it. */
const DECISION_META_KEY = 'toolgate/decision';
/** The `_meta` key under which a held call's result names its approval. */
const APPROVAL_META_KEY = 'toolgate/approval';

/** The policy refused the call: a rule, a condition, the default, or no policy at all. */
export function policyDenied(decision: Extract<Decision, { effect: 'deny' }>): GatewayError {
  const limited = decision.cause === 'limit';
  return new GatewayError(limited ? ErrorCode.RateLimited : ErrorCode.PolicyDenied, decision.message, {
    data: {
      effect: decision.effect,
      rule: decision.rule,
      policyRevision: decision.policyRevision,
      ...(limited ? { retryAfterMs: decision.retryAfterMs } : {}),
    },
  });
}

/** A held call that did not run: denied by a person (with their reason), expired, or still waiting. */
export function approvalRefused(outcome: Exclude<ApprovalOutcome, { kind: 'approved' }>): GatewayError {
  const { approval } = outcome;
  const data = { approval: { id: approval.id, status: outcome.kind, rule: approval.rule } };
  switch (outcome.kind) {
    case 'denied':
      return new GatewayError(
        ErrorCode.ApprovalDenied,
        `A person denied this call (approval ${approval.id})${approval.decisionReason ? `: ${approval.decisionReason}` : '.'}`,
        { data },
      );
    case 'expired':
      return new GatewayError(
        ErrorCode.ApprovalExpired,
        `Nobody approved this call in time (approval ${approval.id}). Make the call again to ask again.`,
        { data },
      );
    case 'pending':
      return new GatewayError(ErrorCode.ApprovalPending, pendingMessage(approval), { data });
  }
}

/**
 * A call that needs an operator's approval, from a grant (or the local operator) that has as many pending as
 * `approvals.maxPendingPerGrant` allows: it is not held, so that no agent can park calls without end.
 */
export function tooManyPendingApprovals(principal: Principal, maxPending: number): GatewayError {
  const who = principal.via === 'local' ? 'The local operator' : `The grant "${principal.label ?? principal.id}"`;
  return new GatewayError(
    ErrorCode.TooManyPendingApprovals,
    `${who} already has ${maxPending} approvals pending, the most approvals.maxPendingPerGrant allows. This call was not held for approval and has not run: retry it once a person has decided some of them, or they have expired.`,
    { data: { maxPending } },
  );
}

/**
 * A tool whose change no operator has accepted yet (see pinning/). The same words every time, so that an agent
 * can tell its operator what to run.
 */
export function toolNotAccepted(serverId: string, tool: string, change: UnacceptedChange): GatewayError {
  const accept = change === 'instructions' ? serverId : `${serverId}:${tool}`;
  const what = {
    changed: `The definition of this tool changed on server "${serverId}" after an operator accepted it.`,
    added: `This tool is new on server "${serverId}" and has not been accepted yet.`,
    instructions: `The instructions of server "${serverId}" changed after an operator accepted them.`,
  }[change];
  return new GatewayError(
    ErrorCode.ToolChanged,
    `${what} The call has not run, and calls to it are refused until an operator reviews the change (toolgate tools diff ${accept}) and accepts it (toolgate tools accept ${accept}).`,
    { data: { change, serverId, tool } },
  );
}

function pendingMessage(approval: Approval): string {
  return `This call needs a person's approval (approval ${approval.id}${approval.reason ? `: ${approval.reason}` : ''}). It has not run. Retry the same call, with the same arguments, later: once approved it runs once.`;
}

/**
 * The tool result that tells the agent its call was refused. `_meta["toolgate/decision"]` carries the code,
 * the decision id (to find the audit record), and what decided; an approval's id goes under its own key.
 */
export function refusalResult(error: GatewayError, decisionId: string): RawResult {
  const { approval, ...decided } = (error.data ?? {}) as { approval?: unknown } & Record<string, unknown>;
  return {
    content: [{ type: 'text', text: `${ERRORS[error.code].label ?? '[REFUSED]'} ${error.message}` }],
    isError: true,
    _meta: {
      [DECISION_META_KEY]: { code: error.code, decisionId, ...decided },
      ...(approval === undefined ? {} : { [APPROVAL_META_KEY]: approval }),
    },
  };
}
