import { describe, expect, it } from 'vitest';
import { compilePolicy } from './compile-policy.js';
import { MemoryLimitStore } from '../limits/memory-limit-store.js';
import { decide, limitDenial, type DecisionInput } from './decide.js';
import { explainDecision } from './explain.js';

const NOW = Date.UTC(2026, 0, 1);

function input(tool: string, more: Partial<DecisionInput> = {}): DecisionInput {
  return { serverId: 'stripe', tool, grant: { id: 'ci' }, now: NOW, ...more };
}

const policy = compilePolicy({
  version: '1',
  default: 'deny',
  all_tools: { limits: [{ counter: 'calls', window: 'hour', max: 100 }] },
  tools: {
    create_charge: {
      deny_if: [
        { conditions: [{ path: 'args.amount', op: 'gt', value: 500 }], on_deny: 'Charges over 500 need a person.' },
      ],
      limits: [{ counter: 'spend', window: 'day', max: 1000, increment_from: 'args.amount' }],
    },
  },
});

describe('explainDecision', () => {
  it('explains an allowed call and what it charges, with each counter’s usage when given', () => {
    const allowed = decide(policy, input('create_charge', { arguments: { amount: 20 } }));
    expect(explainDecision(allowed)).toBe(
      [
        'Tool:     "create_charge" on server "stripe"',
        'Effect:   allow',
        'Rule:     /tools/create_charge',
        'Charges:',
        '  20 on spend@grant:ci: at most 1000 per 86400 s (/tools/create_charge/limits/0)',
        '  1 on calls@grant:ci: at most 100 per 3600 s (/all_tools/limits/0)',
        `Policy:   revision ${policy.revision}`,
      ].join('\n'),
    );
    const used = (counterKey: string, windowMs: number) => (counterKey === 'spend@grant:ci' ? 980 : windowMs / 1000);
    expect(explainDecision(allowed, used)).toContain(
      '  20 on spend@grant:ci: at most 1000 per 86400 s, 980 used now (/tools/create_charge/limits/0)\n' +
        '  1 on calls@grant:ci: at most 100 per 3600 s, 3600 used now (/all_tools/limits/0)',
    );
  });

  it('explains a denial with its rule, cause and message', () => {
    expect(explainDecision(decide(policy, input('create_charge', { arguments: { amount: 900 } })))).toBe(
      [
        'Tool:     "create_charge" on server "stripe"',
        'Effect:   deny (every condition of a "deny_if" entry holds)',
        'Rule:     /tools/create_charge/deny_if/0',
        'Message:  Charges over 500 need a person.',
        `Policy:   revision ${policy.revision}`,
      ].join('\n'),
    );
    expect(explainDecision(decide(policy, input('refund')))).toContain(
      'Rule:     (default deny): no rule under "tools" lists this tool, and "default" is "deny"',
    );
    expect(explainDecision(decide(null, input('refund')))).toContain('Policy:   revision (none)');
  });

  it('explains a limit with its counter and when to retry', async () => {
    const limits = new MemoryLimitStore({ load: () => [{ at: NOW - 1000, amount: 1000 }] });
    const allowed = decide(policy, input('create_charge', { arguments: { amount: 1 } }));
    if (allowed.effect !== 'allow' || allowed.shadow) throw new Error('expected an allow');
    const refusal = await limits.peek(allowed.charges, NOW);
    const text = explainDecision(limitDenial(allowed, refusal!));
    expect(text).toContain('Effect:   deny (a limit is reached)');
    expect(text).toContain('Counter:  spend@grant:ci');
    expect(text).toContain('Retry:    in 24 h (86399000 ms)');
  });

  it('explains shadow mode: allowed, and what enforcement would have done', () => {
    const shadow = compilePolicy({ version: '1', default: 'deny', mode: 'shadow', hide: ['x'] });
    expect(explainDecision(decide(shadow, input('x')))).toBe(
      [
        'Tool:     "x" on server "stripe"',
        'Effect:   allow (shadow mode: the policy is not enforced)',
        'Enforced, the policy would decide:',
        '  Effect:   hide (not in tools/list; a call is answered as for an unknown tool)',
        "  Rule:     (hidden): the tool is in the policy's hide list",
        '  Message:  Tool "x" on server "stripe" is hidden by policy.',
        `Policy:   revision ${shadow.revision}`,
      ].join('\n'),
    );
  });

  it('explains require_approval and a call no rule touched', () => {
    const ask = compilePolicy({ version: '1', default: 'allow', tools: { pay: { action: 'require_approval' } } });
    expect(explainDecision(decide(ask, input('pay')))).toContain(
      'Effect:   require approval (refused until the gateway takes approvals)',
    );
    expect(explainDecision(decide(ask, input('read')))).toContain(
      'Rule:     (none: no rule lists this tool, and "default" is "allow")',
    );
    expect(explainDecision(decide(ask, input('read')))).toContain('Charges:  nothing (no limit applies)');
  });
});
