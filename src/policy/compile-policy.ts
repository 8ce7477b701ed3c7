import { createHash } from 'node:crypto';
import type { ChargedLimit } from '../limits/charge.js';
import { parseArgumentPath, type ArgumentPath } from './argument-path.js';
import { compileCondition, type CompiledCondition, type ConditionSpec } from './condition.js';
import { counterKeyBase } from './counter-key.js';
import { PolicyError } from './policy-error.js';
import {
  rateLimitCounter,
  validatePolicy,
  type RuleSection,
  type ToolRuleDocument,
  type LimitDocument,
  type LimitScope,
  type PolicyDocument,
  type RateLimitDocument,
  type ToolAction,
  type WindowName,
} from './schema.js';
import { parseToolKey, ToolKeyIndex, type ToolKey } from './tool-key.js';

/** A limit ready to check. */
export interface CompiledLimit {
  /** JSON Pointer of the limit: `/tools/send_email/limits/0`, `/all_tools/limits/1`, `/tools/x/rate_limit`. */
  readonly rule: string;
  readonly counter: string;
  readonly windowMs: number;
  /** As written: "minute", "hour", "day", or a number of seconds. */
  readonly window: WindowName | number;
  readonly max: number;
  readonly scope: LimitScope;
  /** The argument whose value is counted (a spend cap), or null to count calls. */
  readonly incrementFrom: ArgumentPath | null;
  readonly onDeny: string | null;
  /**
   * Where the limit stands among a call's limits, lowest first: a rule's own limits in order, then `all_tools`'
   * (ALL_TOOLS_RANK on), so that the limit a refusal names does not depend on which counters the limits are on.
   */
  readonly rank: number;
}

/** The rank of the first `all_tools` limit: after every rule's own. */
const ALL_TOOLS_RANK = 2 ** 30;

/**
 * The limits of a call that count into one counter key: those with the same counter and scope (the key is the
 * counter and the scope's id, so two limits share a key exactly when they share both). Built when the policy
 * is compiled, so that decide() charges a call without grouping its limits again.
 */
export interface CompiledCharge {
  readonly scope: LimitScope;
  /** The key for a call without a grant (or session), and, with `:`, the start of every other: see counter-key.ts. */
  readonly keyBase: string;
  readonly keyHead: string;
  /** The limit that gives the amount: the first. Limits that share a counter count the same unit (checked at load). */
  readonly first: CompiledLimit;
  /** In the order of the call's limits. */
  readonly limits: readonly CompiledLimit[];
  /** The limits as a charge carries them; shared by every charge made of this one (frozen). */
  readonly charged: readonly ChargedLimit[];
}

/** Every limit a call counts against, and the charges they make: one per counter key. */
export interface ChargePlan {
  /** The rule's limits (`limits`, then `rate_limit`), then `all_tools` limits: the order limits are checked in. */
  readonly limits: readonly CompiledLimit[];
  /** In the order of their first limit. */
  readonly charges: readonly CompiledCharge[];
}

/** One `deny_if` entry. */
export interface CompiledDenyIf {
  readonly rule: string;
  readonly conditions: readonly CompiledCondition[];
  readonly onDeny: string | null;
}

/** One `require_approval_if` entry. */
export interface CompiledApprovalIf {
  readonly rule: string;
  readonly conditions: readonly CompiledCondition[];
  readonly reason: string | null;
}

/** The rule of one `tools`, `categories` or `risks` key. */
export interface CompiledToolRule {
  /** JSON Pointer of the rule: `/tools/create_charge`, `/categories/Destructive`. */
  readonly rule: string;
  /** "allow" when the rule gives no action: listing a tool allows it. */
  readonly action: ToolAction;
  readonly reason: string | null;
  readonly require: readonly CompiledCondition[];
  readonly denyIf: readonly CompiledDenyIf[];
  readonly requireApprovalIf: readonly CompiledApprovalIf[];
  /** Who approves the rule's held calls. */
  readonly approver: 'operator' | 'client';
  /** `limits` in order, then `rate_limit`. */
  readonly limits: readonly CompiledLimit[];
  /** `limits`, then the policy's `all_tools` limits, grouped into charges. */
  readonly charging: ChargePlan;
}

/**
 * A policy ready for decide(): validated, with every key, glob, path and regex compiled once, frozen, and
 * swapped whole on reload.
 */
export interface CompiledPolicy {
  /** Short SHA-256 of the document's canonical JSON: the version decisions and logs record. */
  readonly revision: string;
  readonly mode: 'enforce' | 'shadow';
  readonly default: 'allow' | 'deny';
  /** `hide` entries; the value is the entry's JSON Pointer (`/hide/0`). */
  readonly hidden: ToolKeyIndex<string>;
  readonly rules: ToolKeyIndex<CompiledToolRule>;
  /** `categories` rules by category, and `risks` rules by risk: for a tool no `tools` key matches. */
  readonly categoryRules: ReadonlyMap<string, CompiledToolRule>;
  readonly riskRules: ReadonlyMap<string, CompiledToolRule>;
  readonly allToolsLimits: readonly CompiledLimit[];
  /** `all_tools` limits grouped into charges: what a call no rule matches is charged. */
  readonly allToolsCharging: ChargePlan;
  /** The longest window of any limit, 0 when there is none: how long a counter store must keep events. */
  readonly longestWindowMs: number;
  /** The document as written, deeply frozen. */
  readonly document: PolicyDocument;
}

const WINDOW_MS: Record<WindowName, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Length of the revision, in hex digits: short enough for a log line, long enough never to collide by chance. */
const REVISION_LENGTH = 12;

/**
 * Validates and compiles a policy document given as a value (for a file, use parsePolicy, which also locates
 * problems at lines and columns).
 * @throws PolicyError listing every problem, by JSON path.
 */
export function compilePolicy(document: unknown, file = '(policy)'): CompiledPolicy {
  const result = validatePolicy(document);
  if (!result.success) throw PolicyError.fromPathIssues(file, result.issues);
  return compileValidatedPolicy(result.data);
}

/** Compiles a document that validatePolicy accepted. The policy keeps a frozen copy; `written` is not changed. */
export function compileValidatedPolicy(written: PolicyDocument): CompiledPolicy {
  // Compiled conditions hold parts of the document (their values), so they are compiled from the frozen copy.
  const document = deepFreeze(structuredClone(written));
  const allToolsLimits = (document.all_tools?.limits ?? []).map((limit, i) =>
    compileLimit(limit, `/all_tools/limits/${i}`, ALL_TOOLS_RANK + i),
  );
  const allToolsCharging = chargePlanOf(allToolsLimits);
  const compileRule = (section: RuleSection, key: string, rule: ToolRuleDocument): CompiledToolRule =>
    compileToolRule(`/${section}/${escapePointer(key)}`, rateLimitCounter(section, key), rule, allToolsCharging);
  // Object.entries keeps the written order for every key that is not an array index, and globs never are, so
  // the order that breaks ties between globs is the order of the file.
  const rules = Object.entries(document.tools ?? {}).map(
    ([text, rule]) => [toolKey(text), compileRule('tools', text, rule)] as const,
  );
  const categoryRules = new Map<string, CompiledToolRule>();
  for (const [category, rule] of Object.entries(document.categories ?? {})) {
    categoryRules.set(category, compileRule('categories', category, rule));
  }
  const riskRules = new Map<string, CompiledToolRule>();
  for (const [risk, rule] of Object.entries(document.risks ?? {}))
    riskRules.set(risk, compileRule('risks', risk, rule));
  const everyLimit = [
    ...allToolsLimits,
    ...[...rules.map(([, rule]) => rule), ...categoryRules.values(), ...riskRules.values()].flatMap(
      (rule) => rule.limits,
    ),
  ];
  return freeze({
    revision: policyRevision(document),
    mode: document.mode ?? 'enforce',
    default: document.default,
    hidden: freeze(new ToolKeyIndex((document.hide ?? []).map((text, i) => [toolKey(text), `/hide/${i}`] as const))),
    rules: freeze(new ToolKeyIndex(rules)),
    categoryRules: freeze(categoryRules),
    riskRules: freeze(riskRules),
    allToolsLimits: freeze(allToolsLimits),
    allToolsCharging,
    longestWindowMs: Math.max(0, ...everyLimit.map((limit) => limit.windowMs)),
    document,
  });
}

/** Compiles one rule, at `pointer`; a `rate_limit` without a counter counts on `rateLimitCounterName`. */
function compileToolRule(
  pointer: string,
  rateLimitCounterName: string,
  rule: ToolRuleDocument,
  allToolsCharging: ChargePlan,
): CompiledToolRule {
  const limits = (rule.limits ?? []).map((limit, i) => compileLimit(limit, `${pointer}/limits/${i}`, i));
  if (rule.rate_limit !== undefined) {
    limits.push(compileLimit(rule.rate_limit, `${pointer}/rate_limit`, limits.length, rateLimitCounterName));
  }
  // decide() reads the first six on every call: with the object's header, they span two cache lines, not three.
  return freeze({
    rule: pointer,
    action: rule.action ?? 'allow',
    require: listOf(rule.require, (condition, i) => compile(condition, `${pointer}/require/${i}`)),
    denyIf: listOf(rule.deny_if, (entry, i) => {
      const entryPointer = `${pointer}/deny_if/${i}`;
      return freeze({
        rule: entryPointer,
        conditions: entry.conditions.map((c, j) => compile(c, `${entryPointer}/conditions/${j}`)),
        onDeny: entry.on_deny ?? null,
      });
    }),
    requireApprovalIf: listOf(rule.require_approval_if, (entry, i) => {
      const entryPointer = `${pointer}/require_approval_if/${i}`;
      return freeze({
        rule: entryPointer,
        conditions: entry.conditions.map((c, j) => compile(c, `${entryPointer}/conditions/${j}`)),
        reason: entry.reason ?? null,
      });
    }),
    // Most rules have no limits of their own: they share the policy's plan rather than build one each.
    charging:
      limits.length === 0
        ? allToolsCharging
        : chargePlanOf([...limits, ...allToolsCharging.limits], allToolsCharging.charges),
    reason: rule.reason ?? null,
    approver: rule.approver ?? 'operator',
    limits,
  });
}

/**
 * The revision of a document: a short SHA-256 of its canonical JSON (keys sorted, no whitespace), so the
 * same rules written with other spacing or key order have the same revision.
 */
function policyRevision(document: PolicyDocument): string {
  return createHash('sha256').update(canonicalJson(document)).digest('hex').slice(0, REVISION_LENGTH);
}

/** RFC 6901: a key as one JSON Pointer segment. */
function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function compileLimit(
  limit: LimitDocument | RateLimitDocument,
  rule: string,
  rank: number,
  defaultCounter?: string,
): CompiledLimit {
  const incrementFrom = limit.increment_from === undefined ? null : parseArgumentPath(limit.increment_from);
  if (incrementFrom !== null && 'error' in incrementFrom) throw new Error(incrementFrom.error);
  return freeze({
    rule,
    counter: limit.counter ?? defaultCounter ?? rule,
    windowMs: typeof limit.window === 'number' ? limit.window * 1000 : WINDOW_MS[limit.window],
    window: limit.window,
    max: limit.max,
    scope: limit.scope ?? 'grant',
    incrementFrom,
    onDeny: limit.on_deny ?? null,
    rank,
  });
}

/** A limit as a charge carries it: its numbers, and a refusal's words (Toolgate's, unless `on_deny` gives them). */
function chargedLimit(limit: CompiledLimit): ChargedLimit {
  const unit = limit.incrementFrom === null ? (limit.max === 1 ? 'call' : 'calls') : `of ${limit.incrementFrom.text}`;
  return freeze({
    rule: limit.rule,
    windowMs: limit.windowMs,
    max: limit.max,
    rank: limit.rank,
    onDeny: limit.onDeny,
    reached: limit.incrementFrom === null ? 'Rate limit' : 'Limit',
    terms: `at most ${limit.max} ${unit} ${windowText(limit.window)} ${SCOPE_TEXT[limit.scope]} (counter "${limit.counter}")`,
  });
}

const SCOPE_TEXT: Record<LimitScope, string> = {
  grant: 'per grant',
  session: 'per session',
  server: 'per server',
  global: 'in total',
};

function windowText(window: CompiledLimit['window']): string {
  if (typeof window === 'string') return `per ${window}`;
  return window === 1 ? 'per second' : `per ${window} seconds`;
}

/**
 * Groups a call's limits by counter key, keeping their order. A group with the same limits as one of `shared`
 * is that charge: every rule with limits of its own shares the policy's `all_tools` charges rather than a copy
 * each, which with thousands of rules is as many more objects for decide() to fetch.
 */
function chargePlanOf(limits: readonly CompiledLimit[], shared: readonly CompiledCharge[] = []): ChargePlan {
  const groups = new Map<string, { limits: CompiledLimit[] }>();
  for (const limit of limits) {
    const keyBase = counterKeyBase(limit.counter, limit.scope);
    let group = groups.get(keyBase);
    if (group === undefined) groups.set(keyBase, (group = { limits: [] }));
    group.limits.push(limit);
  }
  const sameLimits = (charge: CompiledCharge, group: readonly CompiledLimit[]) =>
    charge.limits.length === group.length && charge.limits.every((limit, i) => limit === group[i]);
  return freeze({
    limits: freeze([...limits]),
    charges: freeze(
      [...groups].map(
        ([keyBase, group]) =>
          shared.find((charge) => sameLimits(charge, group.limits)) ??
          freeze({
            scope: (group.limits[0] as CompiledLimit).scope,
            keyBase,
            keyHead: `${keyBase}:`,
            first: group.limits[0] as CompiledLimit,
            limits: freeze(group.limits),
            charged: freeze(group.limits.map(chargedLimit)),
          }),
      ),
    ),
  });
}

/**
 * A list of a rule, compiled; the one shared empty list when the rule has none. decide() reads every list of the
 * rule it applies, and with thousands of rules an empty array per rule and list is one more cache line to fetch
 * per call; most of these lists are empty.
 */
function listOf<A, B>(written: readonly A[] | undefined, compileEach: (item: A, index: number) => B): readonly B[] {
  return written === undefined || written.length === 0 ? NONE : written.map(compileEach);
}

const NONE: readonly never[] = freeze([]);

function compile(condition: ConditionSpec, rule: string): CompiledCondition {
  return freeze(compileCondition(condition, rule));
}

function toolKey(text: string): ToolKey {
  const key = parseToolKey(text);
  // Validation rejected every key parseToolKey refuses.
  if ('error' in key) throw new Error(key.error);
  return key;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function freeze<T>(value: T): T {
  return Object.freeze(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}
