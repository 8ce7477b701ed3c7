import { describe, expect, it } from 'vitest';
import { CONDITION_OPS as GATEWAY_OPS } from '../../../src/policy/condition.js';
import type { Json } from './policy-text.js';
import {
  CONDITION_OPS,
  DEFAULT_LIMIT,
  formToRule,
  limitToJson,
  ruleToForm,
  textToValue,
  valueToText,
  type RuleForm,
} from './rule-form.js';

describe('condition values as typed', () => {
  it.each<[Json, string]>([
    [50000, '50000'],
    ['usd', 'usd'],
    ['50000', '"50000"'],
    ['true', '"true"'],
    ['', '""'],
    [' 5', '" 5"'],
    [['usd', 'eur'], '["usd","eur"]'],
    [true, 'true'],
    [null, 'null'],
    [{ a: 1 }, '{"a":1}'],
    ['^/tmp/.*$', '^/tmp/.*$'],
  ])('%j shows as %s and reads back', (value, text) => {
    expect(valueToText(value)).toBe(text);
    expect(textToValue(text)).toEqual(value);
  });

  it('an empty field is no value', () => {
    expect(valueToText(undefined)).toBe('');
    expect(textToValue('')).toBeUndefined();
  });
});

it('offers exactly the operators the gateway accepts', () => {
  expect(CONDITION_OPS).toEqual(GATEWAY_OPS);
});

describe('reading a rule', () => {
  it.each<[Json | undefined, RuleForm['kind']]>([
    [undefined, 'none'],
    [{}, 'allow'],
    [{ action: 'allow' }, 'allow'],
    [{ require: [], deny_if: [], limits: [] }, 'allow'],
    [{ action: 'deny', reason: 'no' }, 'deny'],
    [{ action: 'hide' }, 'hide'],
    [{ action: 'require_approval', reason: 'ask' }, 'require_approval'],
    [{ action: 'require_approval', approver: 'client' }, 'require_approval'],
    [{ rate_limit: { max: 10, window: 60 } }, 'rate_limit'],
    [{ limits: [{ counter: 'c', window: 'minute', max: 60, scope: 'grant' }] }, 'rate_limit'],
    [{ limits: [{ counter: 'c', window: 'minute', max: 60 }], rate_limit: { max: 1, window: 'day' } }, 'custom'],
    [{ require: [{ path: 'args.a', op: 'exists' }] }, 'custom'],
    [{ deny_if: [{ conditions: [] }] }, 'custom'],
    [{ action: 'require_approval', rate_limit: { max: 1, window: 'day' } }, 'custom'],
    [{ require_approval_if: [{ conditions: [] }] }, 'custom'],
    [{ approver: 'client' }, 'custom'],
    ['not a rule', 'custom'],
  ])('%j reads as %s', (rule, kind) => {
    expect(ruleToForm(rule).kind).toBe(kind);
  });

  it('reads a hidden tool as hidden, whatever its rule', () => {
    expect(ruleToForm({ action: 'deny' }, true).kind).toBe('hide');
    expect(ruleToForm(undefined, true).kind).toBe('hide');
  });

  it('takes out every field, whatever the kind, and names the keys it keeps without editing', () => {
    const form = ruleToForm({
      action: 'deny',
      reason: 'No.',
      note: 'why',
      approver: 'client',
      require: [{ path: 'args.currency', op: 'in', value: ['usd'] }],
      deny_if: [{ conditions: [{ path: 'args.amount', op: 'gt', value: 5 }], on_deny: 'Too much.' }],
      limits: [{ counter: 'spend', window: 'day', max: 100, increment_from: 'args.amount' }],
    });
    expect(form).toMatchObject({
      kind: 'deny',
      reason: 'No.',
      approval: false,
      require: [{ path: 'args.currency', op: 'in', value: '["usd"]' }],
      denyIf: [{ conditions: [{ path: 'args.amount', op: 'gt', value: '5' }], onDeny: 'Too much.' }],
      limit: { counter: 'spend', window: 'day', max: '100', scope: '' },
      kept: ['note', 'approver'],
    });
  });
});

describe('writing a rule', () => {
  // Rules as users write them: the form read back unchanged must write the very same rule.
  const RULES: Json[] = [
    {},
    { action: 'allow' },
    { require: [], deny_if: [], limits: [] },
    { action: 'deny', reason: 'Dropping tables is never allowed.' },
    { action: 'deny' },
    { action: 'hide', note: 'internal' },
    { action: 'require_approval', reason: 'Refunds are approved by finance.', approver: 'client' },
    { rate_limit: { max: 10, window: 60 } },
    { limits: [{ counter: 'mqtt_disconnect_rate', window: 'minute', max: 60, scope: 'grant' }] },
    {
      require: [{ path: 'args.currency', op: 'in', value: ['usd', 'eur'] }],
      deny_if: [{ conditions: [{ path: 'args.amount', op: 'gt', value: 50000 }], on_deny: 'Over 500.' }],
      limits: [
        { counter: 'spend', window: 'day', max: 200000, scope: 'grant', increment_from: 'args.amount' },
        { counter: 'calls', window: 'hour', max: 10 },
      ],
    },
    { action: 'require_approval', require_approval_if: [{ conditions: [], reason: 'x' }], require: [] },
    { deny_if: [{ conditions: [] }], note: 'always', unknown_key: { kept: true } },
    {
      require: [
        { path: 'args.x', op: 'exists' },
        { path: 'args.y', op: 'exists', value: false },
      ],
    },
    { require: [{ path: 'args.s', op: 'eq', value: '42' }] },
  ];
  it.each(RULES)('writes %j back unchanged when nothing was edited', (rule) => {
    expect(formToRule(rule, ruleToForm(rule))).toEqual(rule);
  });

  it('no rule is no rule', () => {
    expect(formToRule({ action: 'deny' }, { ...ruleToForm({ action: 'deny' }), kind: 'none' })).toBeUndefined();
  });

  it('deny with a reason, keeping the note and removing what a deny may not have', () => {
    const before = { note: 'kept', unknown: 1, limits: [{ counter: 'c', window: 'minute', max: 1 }], approver: 'x' };
    expect(formToRule(before, { ...ruleToForm(before), kind: 'deny', reason: 'Not for agents.' })).toEqual({
      note: 'kept',
      unknown: 1,
      action: 'deny',
      reason: 'Not for agents.',
    });
  });

  it('an empty reason is left out', () => {
    expect(formToRule({}, { ...ruleToForm({}), kind: 'deny', reason: '' })).toEqual({ action: 'deny' });
  });

  it('allow drops the reason and limits of the kind it was, and an implicit action stays implicit', () => {
    const before = { action: 'require_approval', reason: 'r', note: 'n' };
    expect(formToRule(before, { ...ruleToForm(before), kind: 'allow' })).toEqual({ note: 'n' });
    expect(formToRule({ action: 'allow', rate_limit: { max: 1, window: 'day' } }, allowForm())).toEqual({
      action: 'allow',
    });
  });

  it('a new rate limit is a rate_limit of the form default', () => {
    expect(formToRule(undefined, { ...ruleToForm(undefined), kind: 'rate_limit' })).toEqual({
      rate_limit: { window: 'minute', max: 60 },
    });
  });

  it('a rate limit edits the limit where it is written, keeping its counter and scope', () => {
    const before = { limits: [{ counter: 'mqtt_disconnect_rate', window: 'minute', max: 60, scope: 'grant' }] };
    const form = ruleToForm(before);
    expect(formToRule(before, { ...form, limit: { ...form.limit, max: '90', window: '30' } })).toEqual({
      limits: [{ counter: 'mqtt_disconnect_rate', window: 30, max: 90, scope: 'grant' }],
    });
    const written = { rate_limit: { max: 10, window: 60 } };
    expect(
      formToRule(written, { ...ruleToForm(written), limit: { ...DEFAULT_LIMIT, window: 'hour', max: '10' } }),
    ).toEqual({
      rate_limit: { max: 10, window: 'hour' },
    });
  });

  it('choosing rate limit for a rule of several limits keeps the first only, so it reads as a rate limit again', () => {
    const before = {
      limits: [
        { counter: 'a', window: 'minute', max: 1 },
        { counter: 'b', window: 'hour', max: 2 },
      ],
      require: [{ path: 'args.x', op: 'exists' }],
    };
    const rule = formToRule(before, { ...ruleToForm(before), kind: 'rate_limit' });
    expect(rule).toEqual({ limits: [{ counter: 'a', window: 'minute', max: 1 }] });
    expect(ruleToForm(rule).kind).toBe('rate_limit');
  });

  it('require approval keeps the approver, drops conditions and limits', () => {
    const before = {
      approver: 'client',
      rate_limit: { max: 1, window: 'day' },
      require: [{ path: 'a', op: 'exists' }],
    };
    expect(formToRule(before, { ...ruleToForm(before), kind: 'require_approval', reason: 'Ask.' })).toEqual({
      approver: 'client',
      action: 'require_approval',
      reason: 'Ask.',
    });
  });

  it('custom writes the rows over the conditions they were, keeping limits', () => {
    const before = {
      deny_if: [{ conditions: [{ path: 'args.amount', op: 'gt', value: 1.5 }], on_deny: 'old' }],
      limits: [{ counter: 'c', window: 'minute', max: 5 }],
    };
    const form = ruleToForm(before);
    const rule = formToRule(before, {
      ...form,
      require: [{ path: 'args.currency', op: 'in', value: '["usd"]' }],
      denyIf: [
        { conditions: [{ path: 'args.amount', op: 'gte', value: '100' }], onDeny: '' },
        { conditions: [{ path: 'args.to', op: 'regex', value: '@example\\.com$' }], onDeny: 'No mail there.' },
      ],
      approval: true,
      reason: 'Check it.',
    });
    expect(rule).toEqual({
      deny_if: [
        { conditions: [{ path: 'args.amount', op: 'gte', value: 100 }] },
        { conditions: [{ path: 'args.to', op: 'regex', value: '@example\\.com$' }], on_deny: 'No mail there.' },
      ],
      limits: [{ counter: 'c', window: 'minute', max: 5 }],
      require: [{ path: 'args.currency', op: 'in', value: ['usd'] }],
      action: 'require_approval',
      reason: 'Check it.',
    });
  });

  it('custom from deny drops the action and its reason', () => {
    const before = { action: 'deny', reason: 'no' };
    const rule = formToRule(before, {
      ...ruleToForm(before),
      kind: 'custom',
      require: [{ path: 'args.path', op: 'regex', value: '^/tmp/' }],
    });
    expect(rule).toEqual({ require: [{ path: 'args.path', op: 'regex', value: '^/tmp/' }] });
  });

  it('an exists condition without a value has no value key', () => {
    const rule = formToRule(undefined, {
      ...ruleToForm(undefined),
      kind: 'custom',
      require: [{ path: 'args.x', op: 'exists', value: '' }],
    });
    expect(rule).toEqual({ require: [{ path: 'args.x', op: 'exists' }] });
  });
});

describe('limits', () => {
  it('an emptied field is left out, so the check names it', () => {
    expect(
      limitToJson({ counter: 'c', window: 'minute', max: 5 }, { counter: 'c', window: 'minute', max: '', scope: '' }),
    ).toEqual({
      counter: 'c',
      window: 'minute',
    });
  });
  it('a max that is not a number is written as typed, for the check to refuse', () => {
    expect(limitToJson({}, { counter: 'c', window: 'day', max: 'ten', scope: 'session' })).toEqual({
      counter: 'c',
      window: 'day',
      max: 'ten',
      scope: 'session',
    });
  });
});

function allowForm(): RuleForm {
  return { ...ruleToForm({}), kind: 'allow' };
}
