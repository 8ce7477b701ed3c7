import type { Approval } from '../approvals/approval.js';
import type { Route } from '../catalog/aggregate.js';
import { unknownTool } from '../catalog/catalog-service.js';
import { ErrorCode, GatewayError } from '../errors.js';
import { NOTHING_RESERVED, type Reservation } from '../limits/limit-store.js';
import { decide, isVisible, limitDenial, type Decision, type RequireApprovalDecision } from '../policy/decide.js';
import type { RawResult } from '../raw-result.js';
import type { CallContext, CallRequest } from './call-context.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { approvalRefused, policyDenied, tooManyPendingApprovals, toolNotAccepted } from './refusal.js';
import { closeReservation, forwardCall } from './forward.js';
import { runCall } from './run-call.js';

/**
 * One tool call, start to end. The principal comes from authentication, which the endpoint ran before the
 * request was read. Each step either fills in its part of the call's context or throws the refusal that ends
 * the call; `endCall` turns the ending (result, refusal or error) into what the agent sees, and writes the one
 * audit record and log line.
 */
export function handleToolCall(request: CallRequest, deps: PipelineDeps): Promise<RawResult> {
  return runCall(request, deps, (call) => runToolCall(call, deps));
}

async function runToolCall(call: CallContext, deps: PipelineDeps): Promise<RawResult> {
  const route = await resolve(call, deps);
  refuseUnaccepted(call, route, deps);
  const decision = decideCall(call, route, deps);
  const approval = await approve(call, decision, deps);
  const reservation = await limit(call, decision, deps);
  // Only now that the call will run is its approval marked used, so that exactly one call runs per approval.
  await claim(call, approval, reservation, deps);
  return forwardCall(call, route, 'tools/call', { ...call.request.params, name: route.name }, deps, reservation);
}

/** resolve: the tool the name leads to, among the servers the principal may use. */
async function resolve(call: CallContext, deps: PipelineDeps): Promise<Route> {
  try {
    call.route = await deps.catalog.routeTool(call.request.caller, call.request.name);
    return call.route;
  } catch (error) {
    call.unknown = true;
    throw error;
  }
}

/**
 * pinned: a tool with a change no operator has accepted yet (its definition, or it is new, or its server's
 * instructions) is refused, the same way each time. One the policy hides is left to decide, which hides it.
 */
function refuseUnaccepted(call: CallContext, route: Route, deps: PipelineDeps): void {
  if (route.unaccepted === undefined) return;
  const policy = deps.policies.policyFor(call.principal);
  if (!isVisible(policy, route.serverId, route.name, route.toolClass)) return;
  call.unaccepted = route.unaccepted;
  throw toolNotAccepted(route.serverId, route.name, route.unaccepted);
}

/** decide: the principal's policy, as of now, on this call. A hidden tool is answered as one that does not exist. */
function decideCall(call: CallContext, route: Route, deps: PipelineDeps): Decision {
  const policy = deps.policies.policyFor(call.principal);
  const { principal } = call;
  const decision = decide(policy, {
    serverId: route.serverId,
    tool: route.name,
    ...(route.toolClass === undefined ? {} : { toolClass: route.toolClass }),
    arguments: call.request.params.arguments,
    ...(principal.id === null ? {} : { grant: { id: principal.id, label: principal.label ?? principal.id } }),
    sessionId: limitSession(call),
    now: deps.clock.now(),
  });
  call.decision = decision;
  if (decision.effect === 'hide') throw unknownTool(call.request.name);
  if (decision.effect === 'deny') throw policyDenied(decision);
  return decision;
}

/**
 * The session a limit with scope "session" counts in. A 2026-07-28 request has none (each would count alone, and
 * such a limit would never bind): its principal's calls count together instead.
 */
function limitSession(call: CallContext): string {
  const { caller } = call.request;
  return caller.stateless ? `stateless:${call.principal.id ?? 'local'}` : caller.sessionId;
}

/** approve: where the policy asks for it, a person's approval; the wait is not counted as the gateway's time. */
async function approve(call: CallContext, decision: Decision, deps: PipelineDeps): Promise<Approval | undefined> {
  if (decision.effect !== 'require_approval') return undefined;
  await refuseOverLimit(call, decision, deps);
  const { caller, params, options } = call.request;
  const hold = await call.timeApprover(() => deps.approvals.hold(caller, decision, params.arguments, options));
  switch (hold.kind) {
    case 'approved':
      call.approval = {
        status: 'approved',
        id: hold.approval?.id ?? null,
        by: hold.approval ? (hold.approval.decidedBy ?? 'an operator') : 'the person at the client',
      };
      return hold.approval;
    case 'refused':
      call.approval = { status: hold.outcome.kind, id: hold.outcome.approval.id };
      throw approvalRefused(hold.outcome);
    case 'refused_by_client':
      call.approval = { status: hold.status, id: null };
      throw hold.error;
    case 'too_many_pending':
      call.approval = { status: 'unavailable', id: null };
      throw tooManyPendingApprovals(call.principal, hold.maxPending);
  }
}

/** Nobody is asked to approve a call its limits would refuse now. */
async function refuseOverLimit(
  call: CallContext,
  decision: RequireApprovalDecision,
  deps: PipelineDeps,
): Promise<void> {
  const refusal = await deps.limits.peek(decision.charges, deps.clock.now()).catch(countersUnavailable(deps));
  if (refusal === null) return;
  const refused = limitDenial(decision, refusal);
  call.decision = refused;
  throw policyDenied(refused);
}

/**
 * limit: takes the decision's charges, all or none, in one step of the store. Over a limit, the call is refused;
 * in shadow mode it goes on, uncounted, and the record says what enforcement would have done.
 */
async function limit(call: CallContext, decision: Decision, deps: PipelineDeps): Promise<Reservation> {
  if (decision.effect === 'deny' || decision.effect === 'hide' || decision.shadow) return NOTHING_RESERVED;
  if (decision.charges.length === 0) return NOTHING_RESERVED;
  const taken = await deps.limits.take(decision.charges, deps.clock.now()).catch(countersUnavailable(deps));
  if (taken.ok) return taken.reservation;
  const refused = limitDenial(decision, taken.refusal);
  call.decision = refused;
  if (refused.effect === 'allow') return NOTHING_RESERVED;
  // An approved call refused by a limit keeps its approval: the retry may still run once.
  throw policyDenied(refused);
}

/**
 * A call its limits count cannot run while its counters cannot be read (Redis unreachable, say): it is refused,
 * uncounted, failing closed. The operator's log says which store and why; the agent, that retrying may help.
 * (With `state.redis.failOpen`, the store lets such calls through instead, and never fails here.)
 */
function countersUnavailable(deps: PipelineDeps): (error: unknown) => never {
  return (error) => {
    deps.log.error({ err: error instanceof Error ? error.message : String(error) }, 'counters unavailable');
    throw new GatewayError(
      ErrorCode.StateUnavailable,
      'Toolgate cannot reach the counters that the limits on this call need: the call was not run. Retry shortly.',
      { cause: error },
    );
  };
}

/** Marks the approval used; another identical call that claimed it first leaves this one pending. */
async function claim(
  call: CallContext,
  approval: Approval | undefined,
  reservation: Reservation,
  deps: PipelineDeps,
): Promise<void> {
  if (!approval) return;
  let claimed: boolean;
  try {
    claimed = await deps.approvals.claim(approval);
  } catch (error) {
    // The call does not run (the approval could not be marked used): its quota comes back.
    closeReservation(deps, reservation, 'release');
    throw error;
  }
  if (claimed) return;
  closeReservation(deps, reservation, 'release');
  call.approval = { status: 'pending', id: approval.id };
  throw approvalRefused({ kind: 'pending', approval });
}
