import type { z } from 'zod';
import type { PathIssue } from './file-issue.js';
import type { JsonPath } from './json-path.js';

/**
 * Explains a failed union: a schema with a union knows which option the user meant, and reports only that one's
 * issues (see config/schema-issues.ts). Without one, the union's own message stands.
 */
export type UnionExplainer = (issue: z.core.$ZodIssueInvalidUnion, path: JsonPath) => PathIssue[];

/**
 * Turns the issues zod reports against a schema into PathIssues in plain words, one per
 * problem. Parse with `{ error: plainMessage, reportInput: true }`: the messages come from
 * plainMessage unless the schema gives its own, and `input` tells a missing key from a wrong
 * value. No message repeats an input value, since values may hold secrets.
 */
export function pathIssuesFromZod(
  issues: readonly z.core.$ZodIssue[],
  base: JsonPath = [],
  explainUnion?: UnionExplainer,
): PathIssue[] {
  return issues.flatMap((issue) => fromZodIssue(issue, [...base, ...issue.path.map(toSegment)], explainUnion));
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  record: 'an object',
  array: 'an array',
};

/** zod error map: what was expected, for the issues whose schema gives no message of its own. */
export const plainMessage: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `expected ${JSON.stringify(issue.values[0])}`
        : `expected one of: ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'too_small':
      if (issue.origin === 'string') {
        return issue.minimum === 1 ? 'expected a non-empty string' : `expected at least ${issue.minimum} characters`;
      }
      if (issue.origin === 'array') return `expected at least ${issue.minimum} items`;
      return `expected a number ${issue.inclusive ? 'of at least' : 'greater than'} ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `expected at most ${issue.maximum} characters`;
      if (issue.origin === 'array') return `expected at most ${issue.maximum} items`;
      return `expected a number ${issue.inclusive ? 'of at most' : 'less than'} ${issue.maximum}`;
    case 'invalid_format':
      return issue.format === 'regex'
        ? `expected a string matching ${issue.pattern}`
        : `expected a valid ${issue.format}`;
    case 'unrecognized_keys':
      // Completed per key by fromZodIssue; the object schema that raised it knows which keys it has.
      return `expected one of: ${keysOf(issue.inst).join(', ')}`;
    default:
      return undefined;
  }
};

function fromZodIssue(issue: z.core.$ZodIssue, path: JsonPath, explainUnion?: UnionExplainer): PathIssue[] {
  switch (issue.code) {
    case 'invalid_union':
      if (explainUnion) return explainUnion(issue, path);
      break;
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        path: [...path, key],
        at: 'key',
        message: `unknown key "${key}"; ${issue.message}`,
      }));
    case 'invalid_key':
      return [{ path, at: 'key', message: issue.issues[0]?.message ?? issue.message }];
    case 'invalid_type':
      // JSON has no undefined, so an undefined input is a key that is not there.
      if (issue.input === undefined) return [{ path, message: `missing required key "${String(path.at(-1))}"` }];
      break;
    case 'custom':
      if (issue.params?.at === 'key') return [{ path, at: 'key', message: issue.message }];
      break;
  }
  return [{ path, message: issue.message }];
}

/** The keys an object schema has, or the keys a record schema with a fixed set of keys (an enum) takes. */
function keysOf(inst: unknown): string[] {
  const def = (inst as { _zod?: { def?: { shape?: unknown; keyType?: unknown } } } | undefined)?._zod?.def;
  if (typeof def?.shape === 'object' && def.shape !== null) return Object.keys(def.shape);
  const values = (def?.keyType as { _zod?: { values?: unknown } } | undefined)?._zod?.values;
  return values instanceof Set ? [...values].map(String) : [];
}

function toSegment(key: PropertyKey): string | number {
  return typeof key === 'number' ? key : String(key);
}
