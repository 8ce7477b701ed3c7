import { parseArgumentPath, readArgumentPath, type ArgumentPath } from './argument-path.js';
import { compilePattern, type Pattern } from './pattern.js';

/**
 * The longest string argument matched against a `regex` condition; a longer one is refused (fail closed). RE2's
 * time is linear in the argument, but the factor is the pattern's size: `(?s).*x.{1000}y` (a thousand states) took 0.4 s
 * on 10,000 characters here, where the body limit would let an agent send 4 MiB.
 */
const MAX_MATCHED_LENGTH = 10_000;

/** The operators of a condition, with the earlier proxy's names. */
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
type ConditionOp = (typeof CONDITION_OPS)[number];

const NUMERIC_OPS: ReadonlySet<ConditionOp> = new Set(['lt', 'lte', 'gt', 'gte']);

/** A condition as the policy document writes it. */
export interface ConditionSpec {
  readonly path: string;
  readonly op: ConditionOp;
  readonly value?: unknown;
}

/** A condition ready to evaluate: its path parsed and its regex built once, at load. */
export interface CompiledCondition {
  /** JSON Pointer of the condition in the policy. */
  readonly rule: string;
  readonly path: ArgumentPath;
  readonly op: ConditionOp;
  readonly value: unknown;
  /** Built for `regex` only. */
  readonly regex: Pattern | null;
}

/**
 * The result of one condition on one call. `error` is a call whose argument has a type the operator cannot
 * work with (a string where the policy compares numbers); the caller denies it, because an argument the
 * policy cannot check must not pass as if it had been checked.
 */
export type ConditionOutcome =
  { readonly kind: 'holds' } | { readonly kind: 'fails' } | { readonly kind: 'error'; readonly message: string };

/** A problem with a condition as written, naming the key to change. */
export interface ConditionIssue {
  readonly key: 'path' | 'value';
  readonly message: string;
}

/**
 * What the schema cannot say about a condition: the path's syntax, the value each operator needs, and that a
 * regex compiles. Found at load, so that a policy never fails while deciding a call.
 */
export function conditionIssues(spec: ConditionSpec): ConditionIssue[] {
  const issues: ConditionIssue[] = [];
  const path = parseArgumentPath(spec.path);
  if ('error' in path) issues.push({ key: 'path', message: path.error });
  const hasValue = spec.value !== undefined;
  if (spec.op === 'exists') {
    if (hasValue && typeof spec.value !== 'boolean') {
      issues.push({ key: 'value', message: 'expected true or false ("exists" tests whether the argument is given)' });
    }
  } else if (!hasValue) {
    issues.push({ key: 'value', message: `missing required key "value" (every operator but "exists" needs one)` });
  } else if (NUMERIC_OPS.has(spec.op)) {
    if (typeof spec.value !== 'number')
      issues.push({ key: 'value', message: `expected a number ("${spec.op}" compares numbers)` });
  } else if (spec.op === 'in' || spec.op === 'not_in') {
    if (!Array.isArray(spec.value))
      issues.push({ key: 'value', message: `expected an array of the allowed values for "${spec.op}"` });
  } else if (spec.op === 'regex') {
    if (typeof spec.value !== 'string') {
      issues.push({ key: 'value', message: 'expected a regular expression, as a string' });
    } else {
      const pattern = compilePattern(spec.value);
      if ('error' in pattern) {
        issues.push({ key: 'value', message: `expected a regular expression RE2 can run: ${pattern.error}` });
      }
    }
  }
  return issues;
}

/**
 * Compiles a condition that conditionIssues found nothing wrong with.
 * @param rule the condition's JSON Pointer, named by decisions it causes.
 * @throws Error when the condition is invalid, which validation rules out.
 */
export function compileCondition(spec: ConditionSpec, rule: string): CompiledCondition {
  const path = parseArgumentPath(spec.path);
  if ('error' in path) throw new Error(path.error);
  return {
    rule,
    path,
    op: spec.op,
    value: spec.op === 'exists' ? (spec.value ?? true) : spec.value,
    regex: spec.op === 'regex' ? compiledPattern(String(spec.value)) : null,
  };
}

/**
 * Evaluates a condition on a call's arguments. A path the arguments do not have makes `exists` false (and
 * `exists: false` true); for every other operator the condition does not hold, whatever the operator, so
 * `neq` and `not_in` need the argument to be there.
 */
export function evaluateCondition(condition: CompiledCondition, args: unknown): ConditionOutcome {
  const lookup = readArgumentPath(args, condition.path);
  if (condition.op === 'exists') return outcome(lookup.found === condition.value);
  if (!lookup.found) return FAILS;
  const actual = lookup.value;
  const expected = condition.value;
  switch (condition.op) {
    case 'eq':
      return outcome(jsonEqual(actual, expected));
    case 'neq':
      return outcome(!jsonEqual(actual, expected));
    case 'in':
      return outcome((expected as readonly unknown[]).some((item) => jsonEqual(actual, item)));
    case 'not_in':
      return outcome(!(expected as readonly unknown[]).some((item) => jsonEqual(actual, item)));
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      if (typeof actual !== 'number' || !Number.isFinite(actual)) {
        return error(`${condition.path.text} is ${kindOf(actual)}, and the policy compares it as a number`);
      }
      return outcome(compare(condition.op, actual, expected as number));
    case 'regex':
      if (typeof actual !== 'string') {
        return error(`${condition.path.text} is ${kindOf(actual)}, and the policy matches it against a pattern`);
      }
      if (actual.length > MAX_MATCHED_LENGTH) {
        return error(
          `${condition.path.text} is longer than the ${MAX_MATCHED_LENGTH} characters the policy matches against a pattern`,
        );
      }
      return outcome(condition.regex?.test(actual) ?? false);
    case 'contains':
      if (Array.isArray(actual)) return outcome(actual.some((item) => jsonEqual(item, expected)));
      if (typeof actual === 'string' && typeof expected === 'string') return outcome(actual.includes(expected));
      return error(
        typeof actual === 'string'
          ? `${condition.path.text} is a string, and the policy looks in it for ${kindOf(expected)}`
          : `${condition.path.text} is ${kindOf(actual)}, and "contains" looks in a string or an array`,
      );
  }
}

/** The condition in words, for messages: `args.amount is at most 50000`. Never shows an argument's value. */
export function describeCondition(condition: Pick<CompiledCondition, 'path' | 'op' | 'value'>): string {
  const path = condition.path.text;
  const value = shortJson(condition.value);
  switch (condition.op) {
    case 'eq':
      return `${path} is ${value}`;
    case 'neq':
      return `${path} is not ${value}`;
    case 'in':
      return `${path} is one of ${value}`;
    case 'not_in':
      return `${path} is none of ${value}`;
    case 'lt':
      return `${path} is less than ${value}`;
    case 'lte':
      return `${path} is at most ${value}`;
    case 'gt':
      return `${path} is more than ${value}`;
    case 'gte':
      return `${path} is at least ${value}`;
    case 'regex':
      return `${path} matches the pattern ${value}`;
    case 'contains':
      return `${path} contains ${value}`;
    case 'exists':
      return condition.value === false ? `${path} is not given` : `${path} is given`;
  }
}

/** Equality of JSON values: same type and same content, object keys in any order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  return aKeys.every(
    (key) =>
      Object.hasOwn(b, key) && jsonEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

const HOLDS: ConditionOutcome = { kind: 'holds' };
const FAILS: ConditionOutcome = { kind: 'fails' };

function outcome(holds: boolean): ConditionOutcome {
  return holds ? HOLDS : FAILS;
}

function error(message: string): ConditionOutcome {
  return { kind: 'error', message };
}

function compare(op: 'lt' | 'lte' | 'gt' | 'gte', actual: number, expected: number): boolean {
  switch (op) {
    case 'lt':
      return actual < expected;
    case 'lte':
      return actual <= expected;
    case 'gt':
      return actual > expected;
    case 'gte':
      return actual >= expected;
  }
}

/** The JSON type of a value in words; messages name the type, never the value, which may be a secret. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function compiledPattern(source: string): Pattern {
  const pattern = compilePattern(source);
  if ('error' in pattern) throw new Error(pattern.error);
  return pattern;
}
