import { describe, expect, it } from 'vitest';
import {
  compileCondition,
  conditionIssues,
  describeCondition,
  evaluateCondition,
  jsonEqual,
  type ConditionOutcome,
  type ConditionSpec,
} from './condition.js';

function run(spec: ConditionSpec, args: unknown): ConditionOutcome['kind'] {
  expect(conditionIssues(spec)).toEqual([]);
  return evaluateCondition(compileCondition(spec, '/c'), args).kind;
}

const ARGS = {
  amount: 120,
  currency: 'usd',
  tags: ['urgent', 'billing'],
  customer: { email: 'ops@example.com', tier: 'gold', limits: { daily: 1000 } },
  lines: [{ sku: 'A-1', qty: 2 }],
  nothing: null,
  flag: false,
};

describe('evaluateCondition: every operator', () => {
  it.each<[ConditionSpec, ConditionOutcome['kind']]>([
    [{ path: 'args.currency', op: 'eq', value: 'usd' }, 'holds'],
    [{ path: 'args.currency', op: 'eq', value: 'eur' }, 'fails'],
    [{ path: 'args.customer.limits', op: 'eq', value: { daily: 1000 } }, 'holds'],
    [{ path: 'args.amount', op: 'eq', value: '120' }, 'fails'],
    [{ path: 'args.nothing', op: 'eq', value: null }, 'holds'],
    [{ path: 'args.currency', op: 'neq', value: 'eur' }, 'holds'],
    [{ path: 'args.currency', op: 'neq', value: 'usd' }, 'fails'],
    [{ path: 'args.customer.tier', op: 'in', value: ['gold', 'platinum'] }, 'holds'],
    [{ path: 'args.customer.tier', op: 'in', value: ['silver'] }, 'fails'],
    [{ path: 'args.customer.tier', op: 'not_in', value: ['silver'] }, 'holds'],
    [{ path: 'args.customer.tier', op: 'not_in', value: ['gold'] }, 'fails'],
    [{ path: 'args.amount', op: 'lt', value: 121 }, 'holds'],
    [{ path: 'args.amount', op: 'lt', value: 120 }, 'fails'],
    [{ path: 'args.amount', op: 'lte', value: 120 }, 'holds'],
    [{ path: 'args.amount', op: 'lte', value: 119 }, 'fails'],
    [{ path: 'args.amount', op: 'gt', value: 119 }, 'holds'],
    [{ path: 'args.amount', op: 'gt', value: 120 }, 'fails'],
    [{ path: 'args.amount', op: 'gte', value: 120 }, 'holds'],
    [{ path: 'args.amount', op: 'gte', value: 121 }, 'fails'],
    [{ path: 'args.customer.email', op: 'regex', value: '@example\\.com$' }, 'holds'],
    [{ path: 'args.customer.email', op: 'regex', value: '^admin@' }, 'fails'],
    [{ path: 'args.customer.email', op: 'contains', value: 'example' }, 'holds'],
    [{ path: 'args.customer.email', op: 'contains', value: 'nope' }, 'fails'],
    [{ path: 'args.tags', op: 'contains', value: 'urgent' }, 'holds'],
    [{ path: 'args.tags', op: 'contains', value: 'urg' }, 'fails'],
    [{ path: 'args.lines', op: 'contains', value: { qty: 2, sku: 'A-1' } }, 'holds'],
    [{ path: 'args.lines[0].sku', op: 'eq', value: 'A-1' }, 'holds'],
    [{ path: 'args.lines.0.qty', op: 'gte', value: 2 }, 'holds'],
    [{ path: 'args.currency', op: 'exists' }, 'holds'],
    [{ path: 'args.currency', op: 'exists', value: true }, 'holds'],
    [{ path: 'args.currency', op: 'exists', value: false }, 'fails'],
    [{ path: 'args.nothing', op: 'exists' }, 'holds'],
    [{ path: 'args.flag', op: 'eq', value: false }, 'holds'],
  ])('%j → %s', (spec, expected) => {
    expect(run(spec, ARGS)).toBe(expected);
  });
});

describe('evaluateCondition: missing paths', () => {
  it('exists is false on a missing path, and exists: false holds', () => {
    expect(run({ path: 'args.customer.phone', op: 'exists' }, ARGS)).toBe('fails');
    expect(run({ path: 'args.customer.phone', op: 'exists', value: false }, ARGS)).toBe('holds');
    expect(run({ path: 'args.lines[3].sku', op: 'exists', value: false }, ARGS)).toBe('holds');
  });

  it('every other operator does not hold, neq and not_in included', () => {
    const values: Record<string, unknown> = {
      eq: 1,
      neq: 1,
      in: [1],
      not_in: [1],
      lt: 1,
      lte: 1,
      gt: 1,
      gte: 1,
      regex: '.*',
      contains: 'x',
    };
    for (const [op, value] of Object.entries(values)) {
      expect(run({ path: 'args.customer.phone', op: op as ConditionSpec['op'], value }, ARGS), op).toBe('fails');
      expect(run({ path: 'args.x', op: op as ConditionSpec['op'], value }, undefined), `${op} without arguments`).toBe(
        'fails',
      );
    }
  });
});

describe('evaluateCondition: arguments of a type the operator cannot check', () => {
  it('is an error, never a silent pass, and names the type but not the value', () => {
    const secret = 'sk_live_secret';
    const cases: Array<[ConditionSpec, unknown, string]> = [
      [{ path: 'args.v', op: 'gt', value: 5 }, secret, 'args.v is a string, and the policy compares it as a number'],
      [{ path: 'args.v', op: 'lte', value: 5 }, [1], 'args.v is an array, and the policy compares it as a number'],
      [
        { path: 'args.v', op: 'lt', value: 5 },
        Number.NaN,
        'args.v is a number, and the policy compares it as a number',
      ],
      [
        { path: 'args.v', op: 'regex', value: 'x' },
        42,
        'args.v is a number, and the policy matches it against a pattern',
      ],
      [
        { path: 'args.v', op: 'regex', value: '^a' },
        'a'.repeat(10_001),
        'args.v is longer than the 10000 characters the policy matches against a pattern',
      ],
      [
        { path: 'args.v', op: 'contains', value: 'x' },
        { x: 1 },
        'args.v is an object, and "contains" looks in a string or an array',
      ],
      [
        { path: 'args.v', op: 'contains', value: 5 },
        secret,
        'args.v is a string, and the policy looks in it for a number',
      ],
    ];
    for (const [spec, value, message] of cases) {
      expect(evaluateCondition(compileCondition(spec, '/c'), { v: value }), JSON.stringify(spec)).toEqual({
        kind: 'error',
        message,
      });
    }
  });
});

describe('conditionIssues', () => {
  it('finds at load what would otherwise fail while deciding', () => {
    expect(conditionIssues({ path: 'amount', op: 'eq', value: 1 })).toEqual([
      { key: 'path', message: expect.stringContaining('paths start with "args"') },
    ]);
    expect(conditionIssues({ path: 'args.a', op: 'regex', value: '(unclosed' })).toEqual([
      { key: 'value', message: 'expected a regular expression RE2 can run: missing closing ): `(unclosed`' },
    ]);
    expect(conditionIssues({ path: 'args.a', op: 'regex', value: '^[a-z0-9._%+-]+@example\\.com$' })).toEqual([]);
    expect(conditionIssues({ path: 'args.a', op: 'regex', value: 5 })[0]?.message).toMatch(
      /expected a regular expression/,
    );
    expect(conditionIssues({ path: 'args.a', op: 'lt', value: '5' })[0]?.message).toMatch(/expected a number/);
    expect(conditionIssues({ path: 'args.a', op: 'in', value: 'a' })[0]?.message).toMatch(/expected an array/);
    expect(conditionIssues({ path: 'args.a', op: 'exists', value: 'yes' })[0]?.message).toMatch(/true or false/);
    expect(conditionIssues({ path: 'args.a', op: 'eq' })[0]?.message).toMatch(/missing required key "value"/);
    expect(conditionIssues({ path: 'args.a', op: 'eq', value: null })).toEqual([]);
  });
});

describe('regex: a linear-time engine', () => {
  // A backtracking engine tries every way to split the argument between the repetitions before it fails: on these
  // patterns and arguments it would not finish in the age of the universe. That, not a time limit, is how this fails.
  it.each<[string, string, ConditionOutcome['kind']]>([
    ['^(a+)+$', 'a'.repeat(10_000), 'holds'],
    ['^(a+)+$', `${'a'.repeat(9_999)}!`, 'fails'],
    ['(x|x)*y', 'x'.repeat(10_000), 'fails'],
    ['(x|x)*y', `${'x'.repeat(9_999)}y`, 'holds'],
    ['(\\w+\\s?)*$', `${'ab '.repeat(3_333)}!`, 'holds'],
    ['^(\\w+\\s?)*$', `${'ab '.repeat(3_333)}!`, 'fails'],
  ])('%s loads and answers on a 10,000-character argument', (value, argument, expected) => {
    expect(run({ path: 'args.v', op: 'regex', value }, { v: argument })).toBe(expected);
  });

  it('refuses an argument over 10,000 characters without matching it', () => {
    const spec: ConditionSpec = { path: 'args.v', op: 'regex', value: '(x|x)*y' };
    expect(evaluateCondition(compileCondition(spec, '/c'), { v: 'x'.repeat(50_000) })).toEqual({
      kind: 'error',
      message: 'args.v is longer than the 10000 characters the policy matches against a pattern',
    });
  });

  it('takes RE2 syntax: inline flags, classes, Unicode', () => {
    expect(run({ path: 'args.v', op: 'regex', value: '(?i)^delete' }, { v: 'DELETE FROM t' })).toBe('holds');
    expect(
      run({ path: 'args.v', op: 'regex', value: '^[a-z0-9._%+-]+@example\\.com$' }, { v: 'a.b@example.com' }),
    ).toBe('holds');
    expect(run({ path: 'args.v', op: 'regex', value: '^\\p{L}+$' }, { v: 'Grüße' })).toBe('holds');
    expect(run({ path: 'args.v', op: 'regex', value: '^.$' }, { v: '😀' })).toBe('holds');
    expect(run({ path: 'args.v', op: 'regex', value: '^\\x{263A}' }, { v: '☺ ok' })).toBe('holds');
    expect(run({ path: 'args.v', op: 'regex', value: '^/work/' }, { v: '/etc/passwd' })).toBe('fails');
  });

  it('refuses at load what RE2 cannot run, saying what it is', () => {
    const reason = (value: string) => conditionIssues({ path: 'args.a', op: 'regex', value })[0]?.message;
    const prefix = 'expected a regular expression RE2 can run: ';
    expect(reason('^(?!/work/)')).toBe(`${prefix}negative lookahead (?!...) is not supported`);
    expect(reason('a(?=b)')).toBe(`${prefix}lookahead (?=...) is not supported`);
    expect(reason('(?<=a)b')).toBe(`${prefix}lookbehind (?<=...) is not supported`);
    expect(reason('(?<!a)b')).toBe(`${prefix}negative lookbehind (?<!...) is not supported`);
    expect(reason('(a)\\1')).toBe(`${prefix}backreference \\1 is not supported`);
    expect(reason('(?<n>a)\\k<n>')).toBe(`${prefix}backreference \\k<name> is not supported`);
    expect(reason('(?>a+)b')).toBe(`${prefix}an atomic group (?>...) is not supported`);
    expect(reason('\\u0041')).toBe(`${prefix}the escape \\u is not supported: write a code point as \\x{263A}`);
    expect(reason('a++')).toBe(`${prefix}invalid nested repetition operator: \`++\``);
    expect(reason(`(${'x'.repeat(100)}`)).toBe(`${prefix}missing closing ): \`(${'x'.repeat(36)}...\``);
  });
});

describe('describeCondition', () => {
  it('words each operator', () => {
    const words = (spec: ConditionSpec) => describeCondition(compileCondition(spec, '/c'));
    expect(words({ path: 'args.amount', op: 'lte', value: 50000 })).toBe('args.amount is at most 50000');
    expect(words({ path: 'args.to', op: 'regex', value: '@corp$' })).toBe('args.to matches the pattern "@corp$"');
    expect(words({ path: 'args.cc', op: 'exists', value: false })).toBe('args.cc is not given');
    expect(words({ path: 'args.t', op: 'in', value: ['a', 'b'] })).toBe('args.t is one of ["a","b"]');
    expect(words({ path: 'args.t', op: 'eq', value: 'x'.repeat(200) })).toHaveLength('args.t is '.length + 80);
  });
});

describe('jsonEqual', () => {
  it('compares JSON values by content', () => {
    expect(jsonEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(jsonEqual({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual([1], { 0: 1 })).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
    expect(jsonEqual(1, '1')).toBe(false);
  });
});
