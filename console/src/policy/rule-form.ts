import { isObject, type Json, type JsonObject } from './policy-text.js';

/**
 * One rule of a policy (under `tools`, `categories` or `risks`) as the form shows it, and back. Reading takes out
 * everything the form can show, whatever the rule's kind, so switching the kind back and forth loses nothing
 * typed; writing starts from the rule as it was and changes only the keys the chosen kind is about, so `note`,
 * `approver`, `require_approval_if` and keys the form does not know stay as they are.
 */

/** The operators a condition may use: src/policy/condition.ts CONDITION_OPS (a test keeps the two equal). */
export const CONDITION_OPS = [
  'eq',
  'neq',
  'in',
  'not_in',
  'lt',
  'lte',
  'gt',
  'gte',
  'regex',
  'contains',
  'exists',
] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

/** What the effect select offers. `none`: no rule of its own (the default or another rule decides). */
export const EFFECT_KINDS = ['none', 'allow', 'deny', 'hide', 'rate_limit', 'require_approval', 'custom'] as const;
export type EffectKind = (typeof EFFECT_KINDS)[number];

export const EFFECT_LABELS: Record<EffectKind, string> = {
  none: 'No rule',
  allow: 'Allow',
  deny: 'Deny',
  hide: 'Hide',
  rate_limit: 'Rate limit',
  require_approval: 'Require approval',
  custom: 'Custom (conditions)',
};

/** The scopes of a limit (src/policy/schema.ts LIMIT_SCOPES); '' leaves the key out (the default, per grant). */
export const LIMIT_SCOPES = ['grant', 'session', 'server', 'global'] as const;

/**
 * Rows of the form's lists remember which entry of the document they were read from (`from`, an index), so that
 * a row written back goes over its own entry, with the keys the form does not show, even after rows above it
 * were removed. A row the user added has none.
 */
interface FromEntry {
  readonly from?: number;
}

/** A condition's fields as typed: `value` is JSON, or plain text for a string (see valueToText). */
export interface ConditionRow extends FromEntry {
  readonly path: string;
  /** One of CONDITION_OPS, or whatever the document says (the check names it). */
  readonly op: string;
  readonly value: string;
}

export interface DenyIfRow extends FromEntry {
  readonly conditions: readonly ConditionRow[];
  readonly onDeny: string;
}

/** A limit's fields as typed. `window`: "minute", "hour", "day", or a number of seconds as digits. */
export interface LimitRow extends FromEntry {
  readonly counter: string;
  readonly max: string;
  readonly window: string;
  readonly scope: string;
}

export interface RuleForm {
  readonly kind: EffectKind;
  /** The message of deny, hide and require_approval; for custom, of the approval it asks for. */
  readonly reason: string;
  /** The rule's one limit, for `rate_limit`. */
  readonly limit: LimitRow;
  /** Custom: hold the call for approval when the conditions let it through. */
  readonly approval: boolean;
  readonly require: readonly ConditionRow[];
  readonly denyIf: readonly DenyIfRow[];
  /** Keys of the rule the form keeps but does not edit, for the reader to know they are there. */
  readonly kept: readonly string[];
}

export const DEFAULT_LIMIT: LimitRow = { counter: '', max: '60', window: 'minute', scope: '' };

const EDITED_KEYS = new Set(['action', 'reason', 'require', 'deny_if', 'limits', 'rate_limit']);

/**
 * The form of a rule. `hiddenByList`: the policy's `hide` list names the tool, which hides it whatever its rule.
 * A value that is not an object (an error the check reports) reads as custom, to be fixed in the JSON.
 */
export function ruleToForm(rule: Json | undefined, hiddenByList = false): RuleForm {
  const object = isObject(rule) ? rule : {};
  const limits = Array.isArray(object.limits) ? object.limits : [];
  const firstLimit = isObject(object.rate_limit) ? object.rate_limit : limits[0];
  const approvalIf = Array.isArray(object.require_approval_if) ? object.require_approval_if.length : 0;
  const form = {
    reason: typeof object.reason === 'string' ? object.reason : '',
    limit: isObject(firstLimit) ? limitToRow(firstLimit) : DEFAULT_LIMIT,
    approval: object.action === 'require_approval',
    require: conditionRows(object.require),
    denyIf: (Array.isArray(object.deny_if) ? object.deny_if : []).map((entry, from) => ({
      from,
      conditions: conditionRows(isObject(entry) ? entry.conditions : undefined),
      onDeny: isObject(entry) && typeof entry.on_deny === 'string' ? entry.on_deny : '',
    })),
    kept: Object.keys(object).filter((key) => !EDITED_KEYS.has(key)),
  };
  const limitCount = limits.length + (object.rate_limit === undefined ? 0 : 1);
  const conditional = form.require.length > 0 || form.denyIf.length > 0 || approvalIf > 0;
  const kind = ((): EffectKind => {
    if (hiddenByList) return 'hide';
    if (rule === undefined) return 'none';
    if (!isObject(rule)) return 'custom';
    switch (object.action) {
      case 'deny':
      case 'hide':
        return object.action;
      case 'require_approval':
        return conditional || limitCount > 0 ? 'custom' : 'require_approval';
      case undefined:
      case 'allow':
        if (conditional || object.approver !== undefined) return 'custom';
        return limitCount === 0 ? 'allow' : limitCount === 1 ? 'rate_limit' : 'custom';
      default:
        return 'custom';
    }
  })();
  return { kind, ...form };
}

/**
 * The rule the form describes, written over `before` (the rule as it was). Undefined for `none`: no rule.
 * Every kind but custom is whole: it removes what would contradict it (a deny with limits is an error) or
 * make the rule read as another kind next time.
 */
export function formToRule(before: Json | undefined, form: RuleForm): JsonObject | undefined {
  if (form.kind === 'none') return undefined;
  const old = isObject(before) ? before : {};
  const rule: JsonObject = { ...old };
  const drop = (...keys: string[]) => keys.forEach((key) => delete rule[key]);
  // An empty list changes nothing (`"deny_if": []` is the seed format's way of writing none): it stays.
  const dropActive = (...keys: string[]) =>
    keys.forEach((key) => {
      if (!(Array.isArray(rule[key]) && rule[key].length === 0)) delete rule[key];
    });
  const setReason = () => {
    if (form.reason === '') delete rule.reason;
    else rule.reason = form.reason;
  };
  // An explicit "allow" stays as written; otherwise allowing is leaving the action out, as the seed pages do.
  const allow = () => {
    if (old.action !== 'allow') delete rule.action;
  };
  switch (form.kind) {
    case 'allow':
      allow();
      drop('reason', 'rate_limit', 'approver');
      dropActive('require', 'deny_if', 'limits', 'require_approval_if');
      break;
    case 'deny':
    case 'hide':
      rule.action = form.kind;
      setReason();
      drop('require', 'deny_if', 'limits', 'rate_limit', 'require_approval_if', 'approver');
      break;
    case 'require_approval':
      rule.action = 'require_approval';
      setReason();
      drop('rate_limit');
      dropActive('require', 'deny_if', 'limits', 'require_approval_if');
      break;
    case 'rate_limit':
      allow();
      drop('reason', 'approver');
      dropActive('require', 'deny_if', 'require_approval_if');
      writeOneLimit(rule, old, form.limit);
      break;
    case 'custom':
      if (form.approval) {
        rule.action = 'require_approval';
        setReason();
      } else {
        allow();
        drop('reason');
      }
      writeList(rule, old, 'require', conditionsToJson(old.require, form.require));
      writeList(
        rule,
        old,
        'deny_if',
        form.denyIf.map((row) => {
          const was = entryAt(old.deny_if, row.from);
          const entry: JsonObject = was === undefined ? {} : { ...was };
          entry.conditions = conditionsToJson(entry.conditions, row.conditions);
          if (row.onDeny === '') delete entry.on_deny;
          else entry.on_deny = row.onDeny;
          return entry;
        }),
      );
      break;
  }
  return rule;
}

/** A list the rule had stays, even empty (`"deny_if": []` is the seed format's way); an empty new one is left out. */
function writeList(rule: JsonObject, old: JsonObject, key: string, items: Json[]): void {
  if (items.length === 0 && old[key] === undefined) delete rule[key];
  else rule[key] = items;
}

/** A rate limit edits the rule's one limit where it is written (`rate_limit` or `limits[0]`), else adds `rate_limit`. */
function writeOneLimit(rule: JsonObject, old: JsonObject, row: LimitRow): void {
  const limits = Array.isArray(old.limits) ? old.limits : [];
  if (old.rate_limit === undefined && isObject(limits[0])) {
    rule.limits = [limitToJson(limits[0], row)];
  } else {
    rule.rate_limit = limitToJson(isObject(old.rate_limit) ? old.rate_limit : {}, row);
    if (limits.length > 0) delete rule.limits;
  }
}

export function limitToRow(limit: JsonObject, from?: number): LimitRow {
  return {
    ...(from === undefined ? {} : { from }),
    counter: typeof limit.counter === 'string' ? limit.counter : '',
    max: limit.max === undefined ? '' : typeof limit.max === 'number' ? String(limit.max) : JSON.stringify(limit.max),
    window:
      typeof limit.window === 'number' ? String(limit.window) : typeof limit.window === 'string' ? limit.window : '',
    scope: typeof limit.scope === 'string' ? limit.scope : '',
  };
}

/**
 * A limit written over the one it was: unknown and unedited keys stay, and an unchanged field keeps the value
 * as written. An empty counter, scope or max is left out, so that the check says which is missing.
 */
export function limitToJson(before: JsonObject, row: LimitRow): JsonObject {
  const limit: JsonObject = { ...before };
  const was = limitToRow(before);
  const put = (key: string, text: string, value: Json) => {
    if (text === '') delete limit[key];
    else limit[key] = value;
  };
  if (row.counter !== was.counter) put('counter', row.counter, row.counter);
  if (row.window !== was.window) put('window', row.window, /^\d+$/.test(row.window) ? Number(row.window) : row.window);
  if (row.max !== was.max) put('max', row.max.trim(), textToValue(row.max) ?? '');
  if (row.scope !== was.scope) put('scope', row.scope, row.scope);
  return limit;
}

/** The object a row was read from, if it is still there. */
export function entryAt(list: Json | undefined, from: number | undefined): JsonObject | undefined {
  if (from === undefined || !Array.isArray(list)) return undefined;
  const entry = list[from];
  return isObject(entry) ? entry : undefined;
}

function conditionRows(value: Json | undefined): ConditionRow[] {
  return (Array.isArray(value) ? value : []).map((condition, from) => {
    const object = isObject(condition) ? condition : {};
    return {
      from,
      path: typeof object.path === 'string' ? object.path : '',
      op: typeof object.op === 'string' ? object.op : 'eq',
      value: valueToText(object.value),
    };
  });
}

/** Condition rows over the conditions they were read from, so keys the form does not show stay. */
function conditionsToJson(before: Json | undefined, rows: readonly ConditionRow[]): Json[] {
  return rows.map((row) => {
    const old = entryAt(before, row.from);
    const condition: JsonObject = old === undefined ? {} : { ...old };
    condition.path = row.path;
    condition.op = row.op;
    const was = old === undefined ? undefined : valueToText(old.value);
    // An untouched value keeps its JSON as written (1.0 stays 1.0 in the text; the value is the same).
    if (row.value !== was) {
      const value = textToValue(row.value);
      if (value === undefined) delete condition.value;
      else condition.value = value;
    }
    return condition;
  });
}

/**
 * A condition's value as the field shows it: a string as itself when it cannot be read as other JSON (`usd`),
 * quoted when it could (`"50000"`, `"true"`, `""`); every other value as JSON. textToValue reads it back.
 */
export function valueToText(value: Json | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return readsAsJson(value) || value === '' ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

/** A typed value: JSON when it parses (`50000`, `["usd","eur"]`, `"x"`), else the text as a string; '' is none. */
export function textToValue(text: string): Json | undefined {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

function readsAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
