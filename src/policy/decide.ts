import { readArgumentPath } from './argument-path.js';
import type {
  ChargePlan,
  CompiledApprovalIf,
  CompiledCharge,
  CompiledDenyIf,
  CompiledLimit,
  CompiledPolicy,
  CompiledToolRule,
} from './compile-policy.js';
import { describeCondition, evaluateCondition, type CompiledCondition } from './condition.js';
import { counterKeyOf } from './counter-key.js';
import type { Charge } from '../limits/charge.js';
import type { LimitRefusal } from '../limits/limit-refusal.js';
import type { ToolClass } from '../risk/classification.js';

/**
 * The policy decision: pure. decide() reads its two arguments, both plain data, and nothing else (no clock,
 * counters, store or network), so the same input always gives the same decision, in the gateway, in
 * `toolgate policy test` and in `toolgate policy explain`, and a recorded input can be replayed. Limits are not
 * decide's to check: a decision that lets a call go on names the charges it makes, and the limit step takes
 * them from a LimitStore (check and reserve in one step) before forwarding; a limit that refuses turns the
 * decision into a LimitDenyDecision (limitDenial).
 */

/** The rule of a decision that no single JSON Pointer names. */
export const RuleSentinel = {
  /** The caller has no policy; everything is denied. */
  NoPolicy: '(no policy)',
  /** The tool is in the policy's `hide` list. */
  Hidden: '(hidden)',
  /** No rule lists the tool and the policy's default is "deny". */
  DefaultDeny: '(default deny)',
} as const;

/** The grant (a labelled bearer token) a call was made with. */
interface GrantRef {
  readonly id: string;
  readonly label?: string;
}

/** Everything a decision depends on, as plain data. */
export interface DecisionInput {
  /** The id of the server that owns the tool, as configured under mcpServers. */
  readonly serverId: string;
  /** The tool's name as its server gives it (not the gateway's namespaced name). */
  readonly tool: string;
  /** The tool's class, as Toolgate classified its definition: what `categories` and `risks` rules match. */
  readonly toolClass?: ToolClass;
  /** The call's arguments (absent or undefined: none). */
  readonly arguments?: unknown;
  readonly grant?: GrantRef;
  /** The client session, for limits with scope "session". */
  readonly sessionId?: string;
  /** Epoch milliseconds; the only notion of time decide has. */
  readonly now: number;
}

interface DecisionBase {
  readonly serverId: string;
  readonly tool: string;
  /**
   * What made the decision: a JSON Pointer into the policy (`/tools/create_charge/deny_if/0`,
   * `/all_tools/limits/0`), a RuleSentinel, or "" for a call no rule touched (allowed by `"default": "allow"`).
   */
  readonly rule: string;
  /** Model-readable: what the agent is told when the call is refused (`[POLICY DENIED] <message>`). */
  readonly message: string;
  /** The policy's revision, for the audit log; null when there is no policy. */
  readonly policyRevision: string | null;
}

/** The call may go through once its `charges` are taken. */
export interface AllowDecision extends DecisionBase {
  readonly effect: 'allow';
  readonly shadow: false;
  /** Charges to take before forwarding, commit when the call ran, release when it did not. May be empty. */
  readonly charges: readonly Charge[];
  /**
   * False in shadow mode: a limit the call would break neither refuses it nor counts it (limitDenial then
   * makes the ShadowDecision that records what enforcement would have done).
   */
  readonly enforceLimits: boolean;
}

/** Why a call was denied. */
type DenyCause =
  | 'no_policy'
  | 'default_deny'
  /** `"action": "deny"`. */
  | 'action'
  /** A `require` condition does not hold. */
  | 'require'
  /** Every condition of a `deny_if` entry holds. */
  | 'deny_if'
  /** An argument has a type its condition cannot check (a string compared as a number). */
  | 'condition_error'
  /** A spend cap's argument is missing, not a number, or negative. */
  | 'invalid_amount';

interface DenyDecision extends DecisionBase {
  readonly effect: 'deny';
  readonly shadow: false;
  readonly cause: DenyCause;
}

/** A limit would be exceeded: the limit step's refusal (limitDenial), never decide's. */
export interface LimitDenyDecision extends DecisionBase {
  readonly effect: 'deny';
  readonly shadow: false;
  readonly cause: 'limit';
  readonly counterKey: string;
  /** When the same call would fit every limit, if nothing else changes; null when it never can. */
  readonly retryAfterMs: number | null;
}

/** The tool is hidden: absent from tools/list, and a call is answered as for a tool that does not exist. */
interface HideDecision extends DecisionBase {
  readonly effect: 'hide';
  readonly shadow: false;
}

/**
 * A person must approve the call. It passed every condition; its `charges` are taken once it is approved, and
 * looked at (peek) before anyone is asked, so that nobody approves a call its limits would refuse.
 */
export interface RequireApprovalDecision extends DecisionBase {
  readonly effect: 'require_approval';
  readonly shadow: false;
  /** Why approval is needed, as the policy says it (for the approver); null when it does not say. */
  readonly reason: string | null;
  /** Who approves: an operator (CLI, admin API) or the person at the client (elicitation). */
  readonly approver: 'operator' | 'client';
  readonly charges: readonly Charge[];
}

/** What the policy decides when it is enforced. */
export type EnforcedDecision =
  AllowDecision | DenyDecision | LimitDenyDecision | HideDecision | RequireApprovalDecision;

/**
 * Shadow mode (`"mode": "shadow"`): the policy would have refused the call, but it goes through. `shadowed` is
 * the decision enforcement would have made, for the log. Nothing is charged: a call enforcement would refuse
 * would not have counted either, so counters stay what they would be under enforcement.
 */
export interface ShadowDecision extends DecisionBase {
  readonly effect: 'allow';
  readonly shadow: true;
  readonly charges: readonly [];
  readonly shadowed: Exclude<EnforcedDecision, AllowDecision>;
}

/** A decision on one tool call, discriminated on `effect` (and `cause` for denials, `shadow` for allows). */
export type Decision = EnforcedDecision | ShadowDecision;

/**
 * Decides one tool call. In order, the first that applies decides:
 * 1. no policy: deny `(no policy)`;
 * 2. the tool is in `hide`: hide `(hidden)`;
 * 3. no rule applies to the tool (see ruleOf) and the default is "deny": deny `(default deny)`;
 * 4. the rule's action is "hide" or "deny";
 * 5. `require`, then `deny_if`: the first denial wins;
 * 6. limits: the rule's, then `all_tools`' (all_tools limits apply to every call, listed or not): a charge on
 *    each of their counters, or a denial when an amount cannot be charged (the limit step checks the limits);
 * 7. the rule's action is "require_approval", with the charges to take once approved;
 * 8. allow, with the charges to take.
 * In shadow mode a decision other than allow becomes a ShadowDecision.
 */
export function decide(policy: CompiledPolicy | null, input: DecisionInput): Decision {
  if (policy === null) {
    return {
      effect: 'deny',
      shadow: false,
      cause: 'no_policy',
      serverId: input.serverId,
      tool: input.tool,
      rule: RuleSentinel.NoPolicy,
      message: 'No policy applies to this client, so every tool call is refused (no policy).',
      policyRevision: null,
    };
  }
  const enforced = evaluate(policy, input);
  if (policy.mode === 'shadow' && enforced.effect !== 'allow') return shadowOf(enforced);
  return enforced;
}

/**
 * The decision of a call a limit refuses (the limit step's LimitRefusal, from a store's take or peek): a
 * LimitDenyDecision, or in shadow mode a ShadowDecision that lets the call through, uncounted, recording it.
 */
export function limitDenial(decision: RequireApprovalDecision, refusal: LimitRefusal): LimitDenyDecision;
export function limitDenial(
  decision: AllowDecision | RequireApprovalDecision,
  refusal: LimitRefusal,
): LimitDenyDecision | ShadowDecision;
export function limitDenial(
  decision: AllowDecision | RequireApprovalDecision,
  refusal: LimitRefusal,
): LimitDenyDecision | ShadowDecision {
  const denied: LimitDenyDecision = {
    serverId: decision.serverId,
    tool: decision.tool,
    policyRevision: decision.policyRevision,
    effect: 'deny',
    shadow: false,
    cause: 'limit',
    rule: refusal.rule,
    counterKey: refusal.counterKey,
    retryAfterMs: refusal.retryAfterMs,
    message: refusal.message,
  };
  return decision.effect === 'allow' && !decision.enforceLimits ? shadowOf(denied) : denied;
}

/**
 * Whether tools/list shows a tool: false exactly when decide() would hide a call to it. Tools that are
 * denied (by default deny, a rule or no policy) stay listed and are refused when called, so the agent can
 * read why. Needs no arguments, grant or counters: hiding depends on the tool alone.
 */
export function isVisible(
  policy: CompiledPolicy | null,
  serverId: string,
  tool: string,
  toolClass: ToolClass | undefined,
): boolean {
  if (policy === null || policy.mode === 'shadow') return true;
  return hidingRule(policy, serverId, tool, ruleOf(policy, serverId, tool, toolClass)) === null;
}

/**
 * The one rule a tool's calls follow: its `tools` key (an exact name before a glob, a server's key before an
 * unscoped one), else its category's rule, else its risk's. A tool whose class is unknown has no class rule.
 */
export function ruleOf(
  policy: CompiledPolicy,
  serverId: string,
  tool: string,
  toolClass: ToolClass | undefined,
): CompiledToolRule | undefined {
  const rule = policy.rules.find(serverId, tool);
  if (rule !== undefined || toolClass === undefined) return rule;
  return policy.categoryRules.get(toolClass.category) ?? policy.riskRules.get(toolClass.risk);
}

/** The arguments of a call that gives none: conditions and spend caps read an empty object. */
const NO_ARGUMENTS: unknown = Object.freeze({});

/**
 * The decision the policy makes when enforced: steps 2 to 8 of decide.
 *
 * This runs on every tool call, so it is written to allocate little on the way to an allow: a message that
 * names the tool is built only for the decision returned (a refusal's text never for a call that is allowed),
 * each decision is one object literal rather than spreads of a shared base, and limits are charged from the
 * plan compiled with the policy (chargeCall). The loops over the policy's lists are indexed: many are frozen
 * (plans, and the empty list rules share), and Node 20 does not inline for...of over a frozen array but calls
 * the iterator for each element.
 */
function evaluate(policy: CompiledPolicy, input: DecisionInput): EnforcedDecision {
  const { serverId, tool } = input;
  const policyRevision = policy.revision;
  const rule = ruleOf(policy, serverId, tool, input.toolClass);

  const hiddenBy = hidingRule(policy, serverId, tool, rule);
  if (hiddenBy !== null) {
    const message = `Tool ${toolRef(input)} is hidden by policy.`;
    return { serverId, tool, policyRevision, effect: 'hide', shadow: false, rule: hiddenBy, message };
  }
  if (rule === undefined && policy.default === 'deny') {
    const message = `Tool ${toolRef(input)} is not allowed by policy (default deny).`;
    return denial(input, policyRevision, 'default_deny', RuleSentinel.DefaultDeny, message);
  }
  if (rule?.action === 'deny') {
    const message = rule.reason ?? `Tool ${toolRef(input)} is not allowed by policy.`;
    return denial(input, policyRevision, 'action', `${rule.rule}/action`, message);
  }
  const args = input.arguments ?? NO_ARGUMENTS;
  if (rule !== undefined) {
    const refused = checkConditions(rule, args, input);
    if (refused !== undefined) return denial(input, policyRevision, refused.cause, refused.rule, refused.message);
  }
  const charged = chargeCall(rule === undefined ? policy.allToolsCharging : rule.charging, input, args, policyRevision);
  if ('effect' in charged) return charged;
  const approval = rule === undefined ? undefined : approvalNeeded(rule, args, input);
  if (approval !== undefined && 'cause' in approval) {
    return denial(input, policyRevision, approval.cause, approval.rule, approval.message);
  }
  if (approval !== undefined) {
    // Checked after conditions and charges: a person is never asked to approve a call the policy would refuse
    // anyway, and an approved call still counts against its limits.
    return {
      serverId,
      tool,
      policyRevision,
      effect: 'require_approval',
      shadow: false,
      rule: approval.rule,
      message: `${approval.reason === null ? '' : `${approval.reason} `}Tool ${toolRef(input)} needs a person's approval.`,
      reason: approval.reason,
      approver: rule!.approver,
      charges: charged,
    };
  }
  return {
    serverId,
    tool,
    policyRevision,
    effect: 'allow',
    shadow: false,
    rule: rule === undefined ? '' : rule.rule,
    message: `Tool ${toolRef(input)} is allowed by policy.`,
    charges: charged,
    enforceLimits: policy.mode === 'enforce',
  };
}

/** A DenyDecision, written out whole: every denial has this one shape (keys in this order). */
function denial(
  input: DecisionInput,
  policyRevision: string,
  cause: DenyCause,
  rule: string,
  message: string,
): DenyDecision {
  return {
    serverId: input.serverId,
    tool: input.tool,
    policyRevision,
    effect: 'deny',
    shadow: false,
    cause,
    rule,
    message,
  };
}

/**
 * The rule that hides a tool, or null. The `hide` list comes first, so no rule can show a hidden tool; then a
 * matching rule's `"action": "hide"`.
 */
function hidingRule(
  policy: CompiledPolicy,
  serverId: string,
  tool: string,
  rule: CompiledToolRule | undefined,
): string | null {
  if (policy.hidden.find(serverId, tool) !== undefined) return RuleSentinel.Hidden;
  if (rule?.action === 'hide') return `${rule.rule}/action`;
  return null;
}

/**
 * Whether a call must wait for a person: the rule's `"action": "require_approval"`, or the first
 * `require_approval_if` entry whose conditions all hold. An argument a condition cannot check denies, as in
 * `deny_if`: it must not slip past the approver.
 */
function approvalNeeded(
  rule: CompiledToolRule,
  args: unknown,
  call: ToolOfCall,
): { rule: string; reason: string | null } | ConditionDenial | undefined {
  if (rule.action === 'require_approval') return { rule: `${rule.rule}/action`, reason: rule.reason };
  for (let i = 0; i < rule.requireApprovalIf.length; i++) {
    const entry = rule.requireApprovalIf[i] as CompiledApprovalIf;
    const verdict = entryHolds(entry.conditions, args);
    if (verdict === false) continue;
    if (verdict !== true) return conditionError(verdict.condition, verdict.message, call);
    return { rule: entry.rule, reason: entry.reason };
  }
  return undefined;
}

type ConditionDenial = {
  readonly cause: 'require' | 'deny_if' | 'condition_error';
  readonly rule: string;
  readonly message: string;
};

/** What messages need to name a tool: its name and server (toolRef). */
type ToolOfCall = Pick<DecisionInput, 'serverId' | 'tool'>;

/** `require` then `deny_if`, in the order written; the first denial wins. */
function checkConditions(rule: CompiledToolRule, args: unknown, call: ToolOfCall): ConditionDenial | undefined {
  for (let i = 0; i < rule.require.length; i++) {
    const condition = rule.require[i] as CompiledCondition;
    const outcome = evaluateCondition(condition, args);
    if (outcome.kind === 'error') return conditionError(condition, outcome.message, call);
    if (outcome.kind === 'fails') {
      return {
        cause: 'require',
        rule: condition.rule,
        message: `Tool ${toolRef(call)} was refused by policy: it requires that ${describeCondition(condition)}.`,
      };
    }
  }
  for (let i = 0; i < rule.denyIf.length; i++) {
    const entry = rule.denyIf[i] as CompiledDenyIf;
    const verdict = entryHolds(entry.conditions, args);
    if (verdict === false) continue;
    if (verdict !== true) return conditionError(verdict.condition, verdict.message, call);
    const why = entry.conditions.map(describeCondition).join(' and ');
    return {
      cause: 'deny_if',
      rule: entry.rule,
      message: entry.onDeny ?? `Tool ${toolRef(call)} was refused by policy${why === '' ? '' : `: ${why}`}.`,
    };
  }
  return undefined;
}

/**
 * Whether every condition of an entry (`deny_if`, `require_approval_if`) holds. One that does not hold settles
 * it, so an argument of the wrong type elsewhere in the entry does not matter; an error with no failing condition
 * is returned, for the caller to deny on: a value the policy cannot check must not pass as if it had been.
 */
function entryHolds(
  conditions: readonly CompiledCondition[],
  args: unknown,
): boolean | { condition: CompiledCondition; message: string } {
  let error: { condition: CompiledCondition; message: string } | undefined;
  for (const condition of conditions) {
    const outcome = evaluateCondition(condition, args);
    if (outcome.kind === 'fails') return false;
    if (outcome.kind === 'error') error ??= { condition, message: outcome.message };
  }
  return error ?? true;
}

function conditionError(condition: CompiledCondition, problem: string, call: ToolOfCall): ConditionDenial {
  return {
    cause: 'condition_error',
    rule: condition.rule,
    message: `Tool ${toolRef(call)} was refused by policy: ${problem}, so the call cannot be checked.`,
  };
}

/**
 * Charges a call: one charge per counter key (a plan's charge), with every limit on that key, so a call charges
 * a shared counter once, not once per limit. The plan was grouped when the policy was compiled, and the charges
 * name the compiled charge's frozen limit list, so charging allocates the counter keys and the charges and
 * nothing else. Returns the charges, or the denial of an amount the call cannot be charged.
 */
function chargeCall(
  plan: ChargePlan,
  input: DecisionInput,
  args: unknown,
  policyRevision: string,
): readonly Charge[] | DenyDecision {
  if (plan.charges.length === 0) return NO_CHARGES;
  // One per charge, sized at once.
  const charges = new Array<Charge>(plan.charges.length);
  const subject = toolRef(input);
  for (let c = 0; c < plan.charges.length; c++) {
    const charge = plan.charges[c] as CompiledCharge;
    const amount = amountOf(charge.first, args);
    if (typeof amount === 'string') {
      const message = `Tool ${subject} was refused by policy: ${amount}.`;
      return denial(input, policyRevision, 'invalid_amount', charge.first.rule, message);
    }
    const counterKey = counterKeyOf(charge.keyBase, charge.keyHead, charge.scope, input);
    charges[c] = { counterKey, amount, limits: charge.charged, subject };
  }
  return charges;
}

const NO_CHARGES: readonly Charge[] = Object.freeze([]);

/** 1 for a call; the argument's value for a spend cap, or why the call cannot be charged. */
function amountOf(limit: CompiledLimit, args: unknown): number | string {
  if (limit.incrementFrom === null) return 1;
  const path = limit.incrementFrom.text;
  const lookup = readArgumentPath(args, limit.incrementFrom);
  // Charging nothing for an amount the policy cannot read would let the call past its cap.
  if (!lookup.found) return `the limit on ${path} needs that argument, and the call does not give it`;
  if (typeof lookup.value !== 'number' || !Number.isFinite(lookup.value) || lookup.value < 0) {
    return `the limit on ${path} needs that argument to be a number of at least 0`;
  }
  return lookup.value;
}

function shadowOf(decision: Exclude<EnforcedDecision, AllowDecision>): ShadowDecision {
  return {
    effect: 'allow',
    shadow: true,
    serverId: decision.serverId,
    tool: decision.tool,
    rule: decision.rule,
    message: `Shadow mode: not enforced. Enforced, the policy would ${VERB[decision.effect]} this call: ${decision.message}`,
    policyRevision: decision.policyRevision,
    charges: [],
    shadowed: decision,
  };
}

const VERB: Record<Exclude<EnforcedDecision, AllowDecision>['effect'], string> = {
  deny: 'deny',
  hide: 'hide the tool and refuse',
  require_approval: 'hold for approval',
};

/** `"tool" on server "id"`, the way messages name a tool. */
function toolRef(call: ToolOfCall): string {
  if (call.serverId === '') return quote(call.tool);
  // One template when neither name needs escaping: each concatenation allocates a string, four here against six
  // with the names quoted apart, on every decision.
  if (isPlain(call.tool) && isPlain(call.serverId)) return `"${call.tool}" on server "${call.serverId}"`;
  return `${quote(call.tool)} on server ${quote(call.serverId)}`;
}

/** JSON.stringify of a string, without its cost for the names nearly every tool and server has. */
function quote(text: string): string {
  return isPlain(text) ? `"${text}"` : JSON.stringify(text);
}

/** Printable ASCII other than `"` and `\`: what JSON writes unchanged between quotes. */
function isPlain(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x20 || unit > 0x7e || unit === 0x22 || unit === 0x5c) return false;
  }
  return true;
}
