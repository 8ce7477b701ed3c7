import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryLimitStore } from '../limits/memory-limit-store.js';
import type { WindowEvent } from '../limits/sliding-window.js';
import { compilePolicy, type CompiledPolicy } from './compile-policy.js';
import { counterKey } from './counter-key.js';
import { decide, isVisible, limitDenial, RuleSentinel, type Decision, type DecisionInput } from './decide.js';
import { loadPolicy } from '../config/load-policy.js';

const TESTDATA = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const ALICE = { id: 'alice-laptop', label: 'Alice' };

function seed(name: string): { policy: CompiledPolicy; tools: string[] } {
  return {
    policy: loadPolicy(path.join(TESTDATA, `${name}.policy.json`)),
    tools: JSON.parse(readFileSync(path.join(TESTDATA, `${name}.tools.json`), 'utf8')) as string[],
  };
}

function input(tool: string, more: Partial<DecisionInput> = {}): DecisionInput {
  return { serverId: 'srv', tool, arguments: {}, grant: ALICE, now: T0, ...more };
}

function policyOf(document: object): CompiledPolicy {
  return compilePolicy({ version: '1', ...document });
}

/**
 * Runs a call through decide and, as the gateway's limit step does, takes and commits what an allow charges (a
 * call that needs approval is only looked at); a limit that refuses makes the decision.
 */
async function call(
  policy: CompiledPolicy,
  limits: MemoryLimitStore,
  tool: string,
  more: Partial<DecisionInput> = {},
): Promise<Decision> {
  const now = more.now ?? T0;
  const decision = decide(policy, input(tool, more));
  if (decision.effect === 'allow' && !decision.shadow) {
    const taken = await limits.take(decision.charges, now);
    if (!taken.ok) return limitDenial(decision, taken.refusal);
    await limits.commit(taken.reservation);
  } else if (decision.effect === 'require_approval') {
    const refusal = await limits.peek(decision.charges, now);
    if (refusal !== null) return limitDenial(decision, refusal);
  }
  return decision;
}

/** Counters in which every counter key already holds `events`. */
function countersHolding(events: readonly WindowEvent[]): MemoryLimitStore {
  return new MemoryLimitStore({ load: () => events });
}

/** The charges of a decision as decide() gives them, with the limits' rule, numbers and rank. */
function chargesOf(decision: Decision) {
  return 'charges' in decision ? decision.charges : [];
}

describe('the seed pages’ policies behave as the pages say', () => {
  it('PMCP: gateway.disconnect_server is hidden and denied; the other 25 tools are listed and refused (default deny)', () => {
    const { policy, tools } = seed('pmcp');
    expect(tools).toHaveLength(26);
    for (const tool of tools) {
      const decision = decide(policy, input(tool, { serverId: 'pmcp' }));
      if (tool === 'gateway.disconnect_server') {
        expect(isVisible(policy, 'pmcp', tool, undefined)).toBe(false);
        expect(decision).toMatchObject({ effect: 'hide', rule: RuleSentinel.Hidden, shadow: false });
      } else {
        expect(isVisible(policy, 'pmcp', tool, undefined), tool).toBe(true);
        expect(decision).toEqual({
          effect: 'deny',
          shadow: false,
          cause: 'default_deny',
          serverId: 'pmcp',
          tool,
          rule: '(default deny)',
          message: `Tool "${tool}" on server "pmcp" is not allowed by policy (default deny).`,
          policyRevision: policy.revision,
        });
      }
    }
  });

  it('Bambu: mqtt_disconnect is allowed at 60 a minute per grant; the other 31 tools are listed and refused', () => {
    const { policy, tools } = seed('bambu-mcp');
    expect(tools).toHaveLength(32);
    for (const tool of tools) {
      expect(isVisible(policy, 'bambu', tool, undefined), tool).toBe(true);
      const decision = decide(policy, input(tool, { serverId: 'bambu' }));
      if (tool === 'mqtt_disconnect') {
        expect(decision).toEqual({
          effect: 'allow',
          shadow: false,
          serverId: 'bambu',
          tool,
          rule: '/tools/mqtt_disconnect',
          message: 'Tool "mqtt_disconnect" on server "bambu" is allowed by policy.',
          policyRevision: policy.revision,
          enforceLimits: true,
          charges: [
            {
              counterKey: 'mqtt_disconnect_rate@grant:alice-laptop',
              amount: 1,
              subject: '"mqtt_disconnect" on server "bambu"',
              limits: [
                {
                  rule: '/tools/mqtt_disconnect/limits/0',
                  windowMs: 60_000,
                  max: 60,
                  rank: 0,
                  onDeny: null,
                  reached: 'Rate limit',
                  terms: 'at most 60 calls per minute per grant (counter "mqtt_disconnect_rate")',
                },
              ],
            },
          ],
        });
      } else {
        expect(decision, tool).toMatchObject({ effect: 'deny', rule: '(default deny)' });
      }
    }
  });

  it('Bambu: the 61st call within a minute is refused, with when to retry; other grants are not affected', async () => {
    const { policy } = seed('bambu-mcp');
    const counters = new MemoryLimitStore();
    // One call a second from T0: the 60th is at T0 + 59 s.
    for (let i = 0; i < 60; i++) {
      expect((await call(policy, counters, 'mqtt_disconnect', { serverId: 'bambu', now: T0 + i * 1000 })).effect).toBe(
        'allow',
      );
    }
    const refused = await call(policy, counters, 'mqtt_disconnect', { serverId: 'bambu', now: T0 + 59_500 });
    expect(refused).toEqual({
      effect: 'deny',
      shadow: false,
      cause: 'limit',
      serverId: 'bambu',
      tool: 'mqtt_disconnect',
      rule: '/tools/mqtt_disconnect/limits/0',
      counterKey: 'mqtt_disconnect_rate@grant:alice-laptop',
      retryAfterMs: 500,
      message:
        'Rate limit reached for tool "mqtt_disconnect" on server "bambu": at most 60 calls per minute per grant (counter "mqtt_disconnect_rate"). Retry in 1 s.',
      policyRevision: policy.revision,
    });
    const bob = { id: 'ci-runner' };
    expect(
      (await call(policy, counters, 'mqtt_disconnect', { serverId: 'bambu', now: T0 + 59_500, grant: bob })).effect,
    ).toBe('allow');
    // The first call leaves the window exactly one minute after it was made.
    expect((await call(policy, counters, 'mqtt_disconnect', { serverId: 'bambu', now: T0 + 59_999 })).effect).toBe(
      'deny',
    );
    expect((await call(policy, counters, 'mqtt_disconnect', { serverId: 'bambu', now: T0 + 60_000 })).effect).toBe(
      'allow',
    );
  });

  it('Mcp Agent Proxy: disconnectServer is allowed at 30 a minute per grant; the other 4 tools are refused', async () => {
    const { policy, tools } = seed('mcp-agent-proxy');
    const counters = new MemoryLimitStore();
    for (const tool of tools.filter((name) => name !== 'disconnectServer')) {
      expect(decide(policy, input(tool)).rule, tool).toBe('(default deny)');
    }
    for (let i = 0; i < 30; i++) expect((await call(policy, counters, 'disconnectServer')).effect).toBe('allow');
    const refused = await call(policy, counters, 'disconnectServer', { now: T0 + 1000 });
    expect(refused).toMatchObject({
      effect: 'deny',
      cause: 'limit',
      rule: '/tools/disconnectServer/limits/0',
      retryAfterMs: 59_000,
    });
  });
});

describe('no policy', () => {
  it('denies every call, names the sentinel, and hides nothing', () => {
    expect(decide(null, input('anything'))).toEqual({
      effect: 'deny',
      shadow: false,
      cause: 'no_policy',
      serverId: 'srv',
      tool: 'anything',
      rule: '(no policy)',
      message: 'No policy applies to this client, so every tool call is refused (no policy).',
      policyRevision: null,
    });
    expect(isVisible(null, 'srv', 'anything', undefined)).toBe(true);
  });
});

describe('precedence', () => {
  const policy = policyOf({
    default: 'allow',
    tools: {
      '*': { action: 'deny', reason: 'everything else is off' },
      'delete_*': { action: 'hide' },
      'delete_draft*': {},
      'github:*': { rate_limit: { max: 5, window: 'hour' } },
      create_issue: { action: 'require_approval' },
      'github:create_issue': {},
    },
  });
  const ruleOf = (serverId: string, tool: string) => decide(policy, input(tool, { serverId })).rule;

  it('server+exact beats exact, which beats server+glob, which beats glob', () => {
    expect(ruleOf('github', 'create_issue')).toBe('/tools/github:create_issue');
    expect(ruleOf('gitlab', 'create_issue')).toBe('/tools/create_issue/action');
    expect(ruleOf('github', 'list_issues')).toBe('/tools/github:*');
    expect(ruleOf('github', 'delete_repo')).toBe('/tools/github:*');
    expect(ruleOf('gitlab', 'delete_repo')).toBe('/tools/delete_*/action');
    expect(ruleOf('gitlab', 'list_issues')).toBe('/tools/*/action');
  });

  it('among globs, more literal characters win', () => {
    expect(decide(policy, input('delete_draft_3', { serverId: 'gitlab' }))).toMatchObject({
      effect: 'allow',
      rule: '/tools/delete_draft*',
    });
    expect(isVisible(policy, 'gitlab', 'delete_draft_3', undefined)).toBe(true);
    expect(isVisible(policy, 'gitlab', 'delete_repo', undefined)).toBe(false);
  });

  it('only the most specific rule applies: its limits, not a less specific rule’s', () => {
    const decision = decide(policy, input('create_issue', { serverId: 'github' }));
    expect(decision).toMatchObject({ effect: 'allow', charges: [] });
    const listing = decide(policy, input('list_issues', { serverId: 'github' }));
    expect(listing).toMatchObject({
      effect: 'allow',
      charges: [
        { counterKey: 'rate_limit%3Agithub%3A*@grant:alice-laptop', limits: [{ rule: '/tools/github:*/rate_limit' }] },
      ],
    });
  });

  it('the hide list comes before every rule, however specific', () => {
    const hidden = policyOf({
      default: 'deny',
      hide: ['srv:secret', 'internal_*'],
      tools: { 'srv:secret': {}, internal_x: {} },
    });
    expect(decide(hidden, input('secret'))).toMatchObject({ effect: 'hide', rule: '(hidden)' });
    expect(decide(hidden, input('secret', { serverId: 'other' }))).toMatchObject({
      effect: 'deny',
      rule: '(default deny)',
    });
    expect(decide(hidden, input('internal_x'))).toMatchObject({ effect: 'hide', rule: '(hidden)' });
    expect(isVisible(hidden, 'srv', 'internal_x', undefined)).toBe(false);
    expect(isVisible(hidden, 'other', 'secret', undefined)).toBe(true);
  });

  it('"*" in hide hides every tool', () => {
    const all = policyOf({ default: 'allow', hide: ['*'] });
    expect(isVisible(all, 'a', 'b', undefined)).toBe(false);
    expect(decide(all, input('b'))).toMatchObject({ effect: 'hide' });
  });
});

describe('actions', () => {
  const policy = policyOf({
    default: 'deny',
    tools: {
      drop_table: { action: 'deny', reason: 'Dropping tables is never allowed.' },
      wipe: { action: 'deny' },
      purge: { action: 'hide' },
      transfer: {
        action: 'require_approval',
        reason: 'Transfers need a person.',
        deny_if: [
          { conditions: [{ path: 'args.amount', op: 'gt', value: 1000 }], on_deny: 'Over 1000 is never allowed.' },
        ],
        limits: [{ counter: 'transfers', window: 'day', max: 1 }],
      },
      listed: { action: 'allow' },
    },
  });

  it('deny uses the reason, or says the tool is not allowed', () => {
    expect(decide(policy, input('drop_table'))).toMatchObject({
      effect: 'deny',
      cause: 'action',
      rule: '/tools/drop_table/action',
      message: 'Dropping tables is never allowed.',
    });
    expect(decide(policy, input('wipe')).message).toBe('Tool "wipe" on server "srv" is not allowed by policy.');
  });

  it('messages name tools and servers as JSON strings, whatever characters the names have', () => {
    const open = policyOf({ default: 'allow' });
    const names = [
      'plain.tool-1/x',
      'say "hi"',
      'back\\slash',
      'line\nbreak',
      'tab\tx',
      'del\u007f',
      'café',
      '日本',
      '😀',
    ];
    for (const tool of names) {
      for (const serverId of names) {
        expect(decide(open, input(tool, { serverId })).message).toBe(
          `Tool ${JSON.stringify(tool)} on server ${JSON.stringify(serverId)} is allowed by policy.`,
        );
      }
    }
    expect(decide(open, input('t', { serverId: '' })).message).toBe('Tool "t" is allowed by policy.');
  });

  it('hide hides, by the rule’s action', () => {
    expect(decide(policy, input('purge'))).toMatchObject({ effect: 'hide', rule: '/tools/purge/action' });
    expect(isVisible(policy, 'srv', 'purge', undefined)).toBe(false);
  });

  it('require_approval holds the call for a person, after conditions and limits', async () => {
    const counters = new MemoryLimitStore();
    const decision = await call(policy, counters, 'transfer', { arguments: { amount: 10 } });
    expect(decision).toEqual({
      effect: 'require_approval',
      shadow: false,
      serverId: 'srv',
      tool: 'transfer',
      rule: '/tools/transfer/action',
      message: 'Transfers need a person. Tool "transfer" on server "srv" needs a person\'s approval.',
      reason: 'Transfers need a person.',
      approver: 'operator',
      policyRevision: policy.revision,
      charges: [
        {
          counterKey: 'transfers@grant:alice-laptop',
          amount: 1,
          subject: '"transfer" on server "srv"',
          limits: [expect.objectContaining({ rule: '/tools/transfer/limits/0', windowMs: 86_400_000, max: 1 })],
        },
      ],
    });
    // A call its limits refuse is refused, not put to a person (the limit step peeks before asking).
    const spent = countersHolding([{ at: T0 - 1000, amount: 1 }]);
    expect(await call(policy, spent, 'transfer', { arguments: { amount: 10 } })).toMatchObject({
      effect: 'deny',
      cause: 'limit',
      rule: '/tools/transfer/limits/0',
      retryAfterMs: 86_399_000,
    });
    // A call the conditions refuse is refused, not put to a person.
    expect(decide(policy, input('transfer', { arguments: { amount: 5000 } }))).toMatchObject({
      effect: 'deny',
      rule: '/tools/transfer/deny_if/0',
      message: 'Over 1000 is never allowed.',
    });
  });

  it('an explicit allow is the same as {}', () => {
    expect(decide(policy, input('listed'))).toMatchObject({ effect: 'allow', rule: '/tools/listed' });
  });
});

describe('require and deny_if', () => {
  const policy = policyOf({
    default: 'deny',
    tools: {
      create_charge: {
        require: [
          { path: 'args.currency', op: 'in', value: ['usd', 'eur'] },
          { path: 'args.amount', op: 'lte', value: 50_000 },
        ],
        deny_if: [
          { conditions: [{ path: 'args.customer.country', op: 'eq', value: 'XX' }], on_deny: 'Sanctioned country.' },
          {
            conditions: [
              { path: 'args.amount', op: 'gt', value: 10_000 },
              { path: 'args.note', op: 'exists', value: false },
            ],
          },
        ],
      },
      always_refused: { deny_if: [{ conditions: [] }] },
      refused_with_message: { deny_if: [{ conditions: [], on_deny: 'Not today.' }] },
    },
  });
  const charge = (args: unknown) => decide(policy, input('create_charge', { arguments: args }));

  it('allows a call every condition lets through', () => {
    expect(charge({ currency: 'usd', amount: 20_000, note: 'invoice 7', customer: { country: 'FR' } }).effect).toBe(
      'allow',
    );
  });

  it('require: the first condition that does not hold denies, by its pointer', () => {
    expect(charge({ currency: 'gbp', amount: 5 })).toMatchObject({
      effect: 'deny',
      cause: 'require',
      rule: '/tools/create_charge/require/0',
      message:
        'Tool "create_charge" on server "srv" was refused by policy: it requires that args.currency is one of ["usd","eur"].',
    });
    expect(charge({ currency: 'usd', amount: 60_000 }).rule).toBe('/tools/create_charge/require/1');
    // A missing argument does not meet a requirement.
    expect(charge({ amount: 5 }).rule).toBe('/tools/create_charge/require/0');
  });

  it('deny_if: an entry denies when all its conditions hold; require is checked first', () => {
    expect(charge({ currency: 'usd', amount: 5, customer: { country: 'XX' } })).toMatchObject({
      cause: 'deny_if',
      rule: '/tools/create_charge/deny_if/0',
      message: 'Sanctioned country.',
    });
    expect(charge({ currency: 'usd', amount: 20_000 })).toMatchObject({
      rule: '/tools/create_charge/deny_if/1',
      message:
        'Tool "create_charge" on server "srv" was refused by policy: args.amount is more than 10000 and args.note is not given.',
    });
    expect(charge({ currency: 'eur', amount: 60_000, customer: { country: 'XX' } }).rule).toBe(
      '/tools/create_charge/require/1',
    );
  });

  it('an empty conditions list always denies', () => {
    expect(decide(policy, input('always_refused'))).toMatchObject({
      cause: 'deny_if',
      rule: '/tools/always_refused/deny_if/0',
      message: 'Tool "always_refused" on server "srv" was refused by policy.',
    });
    expect(decide(policy, input('refused_with_message')).message).toBe('Not today.');
  });

  it('an argument of a type a condition cannot check denies, naming the condition, never the value', () => {
    const decision = charge({ currency: 'usd', amount: '99999999' });
    expect(decision).toMatchObject({
      effect: 'deny',
      cause: 'condition_error',
      rule: '/tools/create_charge/require/1',
      message:
        'Tool "create_charge" on server "srv" was refused by policy: args.amount is a string, and the policy compares it as a number, so the call cannot be checked.',
    });
    expect(decision.message).not.toContain('99999999');
  });

  it('in deny_if, a condition that does not hold settles the entry even if another cannot be checked', () => {
    const lenient = policyOf({
      default: 'deny',
      tools: {
        t: {
          deny_if: [
            {
              conditions: [
                { path: 'args.amount', op: 'gt', value: 5 },
                { path: 'args.mode', op: 'eq', value: 'live' },
              ],
            },
          ],
        },
      },
    });
    expect(decide(lenient, input('t', { arguments: { amount: 'x', mode: 'test' } })).effect).toBe('allow');
    expect(decide(lenient, input('t', { arguments: { amount: 'x', mode: 'live' } }))).toMatchObject({
      cause: 'condition_error',
      rule: '/tools/t/deny_if/0/conditions/0',
    });
  });

  it('reads nested paths and array indexes, and calls without arguments', () => {
    const nested = policyOf({
      default: 'deny',
      tools: { t: { require: [{ path: 'args.items[0].sku', op: 'regex', value: '^SKU-' }] } },
    });
    expect(decide(nested, input('t', { arguments: { items: [{ sku: 'SKU-1' }] } })).effect).toBe('allow');
    expect(decide(nested, input('t', { arguments: { items: [{ sku: 'X' }] } })).effect).toBe('deny');
    expect(decide(nested, input('t', { arguments: undefined })).rule).toBe('/tools/t/require/0');
  });
});

describe('limits', () => {
  it('one counter name shared by several tools counts them together', async () => {
    const policy = policyOf({
      default: 'deny',
      tools: {
        create_issue: { limits: [{ counter: 'writes', window: 'minute', max: 3 }] },
        update_issue: { limits: [{ counter: 'writes', window: 'minute', max: 3 }] },
      },
    });
    const counters = new MemoryLimitStore();
    expect((await call(policy, counters, 'create_issue')).effect).toBe('allow');
    expect((await call(policy, counters, 'update_issue')).effect).toBe('allow');
    expect((await call(policy, counters, 'create_issue')).effect).toBe('allow');
    expect(await call(policy, counters, 'update_issue')).toMatchObject({
      effect: 'deny',
      rule: '/tools/update_issue/limits/0',
    });
  });

  it('all_tools limits apply to every call, in addition to the rule’s, listed or not', async () => {
    const policy = policyOf({
      default: 'allow',
      all_tools: { limits: [{ counter: 'calls', window: 'minute', max: 3 }] },
      tools: { search: { limits: [{ counter: 'searches', window: 'minute', max: 10 }] } },
    });
    const counters = new MemoryLimitStore();
    expect(await call(policy, counters, 'search')).toMatchObject({
      effect: 'allow',
      charges: [
        { counterKey: 'searches@grant:alice-laptop', amount: 1 },
        { counterKey: 'calls@grant:alice-laptop', amount: 1 },
      ],
    });
    expect(await call(policy, counters, 'unlisted')).toMatchObject({
      effect: 'allow',
      rule: '',
      charges: [{ counterKey: 'calls@grant:alice-laptop' }],
    });
    expect((await call(policy, counters, 'search')).effect).toBe('allow');
    expect(await call(policy, counters, 'search')).toMatchObject({ effect: 'deny', rule: '/all_tools/limits/0' });
  });

  it('limits on one counter charge it once and check every window', async () => {
    const policy = policyOf({
      default: 'deny',
      all_tools: { limits: [{ counter: 'calls', window: 'hour', max: 5 }] },
      tools: { t: { limits: [{ counter: 'calls', window: 60, max: 2 }] } },
    });
    const counters = new MemoryLimitStore();
    expect(await call(policy, counters, 't')).toMatchObject({
      charges: [
        {
          counterKey: 'calls@grant:alice-laptop',
          amount: 1,
          limits: [
            { rule: '/tools/t/limits/0', windowMs: 60_000, max: 2 },
            { rule: '/all_tools/limits/0', windowMs: 3_600_000, max: 5 },
          ],
        },
      ],
    });
    expect((await call(policy, counters, 't')).effect).toBe('allow');
    expect(await call(policy, counters, 't')).toMatchObject({ rule: '/tools/t/limits/0', retryAfterMs: 60_000 });
    expect((await call(policy, counters, 't', { now: T0 + 60_000 })).effect).toBe('allow');
    expect((await call(policy, counters, 't', { now: T0 + 60_000 })).effect).toBe('allow');
    expect((await call(policy, counters, 't', { now: T0 + 120_000 })).effect).toBe('allow');
    // A sixth call within the hour would break the hourly limit: refused until the first call leaves it.
    const refused = await call(policy, counters, 't', { now: T0 + 3 * 60_000 });
    expect(refused).toMatchObject({ rule: '/all_tools/limits/0', retryAfterMs: 57 * 60_000 });
    expect(refused.message).toContain('Retry in 57 min.');
  });

  it('scopes: per grant, per session, per server, in total', () => {
    const policy = policyOf({
      default: 'deny',
      tools: {
        t: {
          limits: [
            { counter: 'g', window: 'minute', max: 9, scope: 'grant' },
            { counter: 's', window: 'minute', max: 9, scope: 'session' },
            { counter: 'v', window: 'minute', max: 9, scope: 'server' },
            { counter: 'a', window: 'minute', max: 9, scope: 'global' },
            { counter: 'd', window: 'minute', max: 9 },
          ],
        },
      },
    });
    const decision = decide(policy, input('t', { serverId: 'git hub', sessionId: 's/1', grant: { id: 'ci@runner' } }));
    expect(chargesOf(decision).map((charge) => charge.counterKey)).toEqual([
      'g@grant:ci%40runner',
      's@session:s%2F1',
      'v@server:git%20hub',
      'a@global',
      'd@grant:ci%40runner',
    ]);
    const anonymous = decide(policy, { serverId: 'x', tool: 't', now: T0 });
    expect(chargesOf(anonymous).map((charge) => charge.counterKey)).toEqual([
      'g@grant',
      's@session',
      'v@server:x',
      'a@global',
      'd@grant',
    ]);
  });

  it('counter keys cannot collide, whatever the names contain', () => {
    expect(counterKey('a@grant:b', 'global', { serverId: 's' })).not.toBe(
      counterKey('a', 'grant', { serverId: 's', grant: { id: 'b' } }),
    );
    expect(counterKey('a', 'grant', { serverId: 's', grant: { id: '' } })).toBe('a@grant:');
    expect(counterKey('a', 'grant', { serverId: 's' })).toBe('a@grant');
  });

  it('counter keys encode ids exactly as encodeURIComponent does, character by character', () => {
    const ids = ['alice-laptop', "a-z_A.Z!0~9*'()", '', 'é', '日本', '😀', '%', 'a b/c?d#e&f=g+h'];
    for (let unit = 0; unit < 0x100; unit++) ids.push(`x${String.fromCharCode(unit)}y`);
    for (const id of ids) {
      expect(counterKey('c', 'grant', { serverId: 's', grant: { id } })).toBe(`c@grant:${encodeURIComponent(id)}`);
      expect(counterKey('c', 'session', { serverId: 's', sessionId: id })).toBe(`c@session:${encodeURIComponent(id)}`);
      expect(counterKey('c', 'server', { serverId: id })).toBe(`c@server:${encodeURIComponent(id)}`);
    }
  });

  it('limits on one counter with different scopes are charged separately', () => {
    const policy = policyOf({
      default: 'deny',
      all_tools: { limits: [{ counter: 'c', window: 'minute', max: 9, scope: 'global' }] },
      tools: { t: { limits: [{ counter: 'c', window: 'minute', max: 9 }] } },
    });
    expect(decide(policy, input('t'))).toMatchObject({
      charges: [
        { counterKey: 'c@grant:alice-laptop', limits: [{ rule: '/tools/t/limits/0' }] },
        { counterKey: 'c@global', limits: [{ rule: '/all_tools/limits/0' }] },
      ],
    });
  });

  it('the first limit broken is the first in the rule’s then all_tools’ order, whichever counter it is on', async () => {
    const policy = policyOf({
      default: 'deny',
      all_tools: { limits: [{ counter: 'x', window: 'minute', max: 1 }] },
      tools: {
        t: {
          limits: [
            { counter: 'x', window: 'minute', max: 10 },
            { counter: 'y', window: 'minute', max: 1 },
          ],
        },
      },
    });
    const counters = countersHolding([{ at: T0 - 30_000, amount: 1 }]);
    // x is charged first, and all_tools' limit on x is broken, but the rule's limit on y comes before it.
    expect(await call(policy, counters, 't')).toMatchObject({
      effect: 'deny',
      cause: 'limit',
      rule: '/tools/t/limits/1',
      counterKey: 'y@grant:alice-laptop',
      retryAfterMs: 30_000,
    });
  });

  it('rules share the all_tools charges, and each still names the first limit it breaks in its own order', async () => {
    const policy = policyOf({
      default: 'deny',
      all_tools: { limits: [{ counter: 'calls', window: 'minute', max: 1 }] },
      tools: {
        t: { limits: [{ counter: 'y', window: 'minute', max: 10 }] },
        u: {
          limits: [
            { counter: 'y', window: 'minute', max: 10 },
            { counter: 'z', window: 'minute', max: 1 },
          ],
        },
      },
    });
    const [t, u] = [policy.rules.find('srv', 't'), policy.rules.find('srv', 'u')];
    expect(t?.charging.charges[1]).toBe(policy.allToolsCharging.charges[0]);
    expect(u?.charging.charges[2]).toBe(policy.allToolsCharging.charges[0]);
    const counters = countersHolding([{ at: T0 - 30_000, amount: 1 }]);
    // all_tools' limit is first in its own plan, and after the rule's limits in each rule's.
    expect(await call(policy, counters, 't')).toMatchObject({
      rule: '/all_tools/limits/0',
      counterKey: 'calls@grant:alice-laptop',
    });
    expect(await call(policy, counters, 'u')).toMatchObject({
      rule: '/tools/u/limits/1',
      counterKey: 'z@grant:alice-laptop',
    });
  });

  it('an amount the call cannot be charged refuses it, even when a limit before it is broken too', async () => {
    const policy = policyOf({
      default: 'deny',
      all_tools: { limits: [{ counter: 'spend', window: 'day', max: 100, increment_from: 'args.amount' }] },
      tools: { t: { limits: [{ counter: 'calls', window: 'minute', max: 1 }] } },
    });
    const counters = countersHolding([{ at: T0 - 1000, amount: 1 }]);
    expect(await call(policy, counters, 't')).toMatchObject({
      effect: 'deny',
      cause: 'invalid_amount',
      rule: '/all_tools/limits/0',
    });
    expect(await call(policy, counters, 't', { arguments: { amount: 5 } })).toMatchObject({
      cause: 'limit',
      rule: '/tools/t/limits/0',
    });
  });

  it('a spend cap adds up an argument, refuses calls it cannot read, and says when a call can never fit', async () => {
    const policy = policyOf({
      default: 'deny',
      tools: {
        create_charge: { limits: [{ counter: 'spend', window: 'day', max: 1000, increment_from: 'args.amount' }] },
      },
    });
    const counters = new MemoryLimitStore();
    expect(await call(policy, counters, 'create_charge', { arguments: { amount: 600 } })).toMatchObject({
      effect: 'allow',
      charges: [{ counterKey: 'spend@grant:alice-laptop', amount: 600 }],
    });
    expect(
      (await call(policy, counters, 'create_charge', { arguments: { amount: 400 }, now: T0 + 3_600_000 })).effect,
    ).toBe('allow');
    const over = await call(policy, counters, 'create_charge', { arguments: { amount: 1 }, now: T0 + 7_200_000 });
    expect(over).toMatchObject({ effect: 'deny', cause: 'limit', retryAfterMs: 86_400_000 - 7_200_000 });
    expect(over.message).toBe(
      'Limit reached for tool "create_charge" on server "srv": at most 1000 of args.amount per day per grant (counter "spend"). Retry in 22 h.',
    );
    expect(
      (await call(policy, counters, 'create_charge', { arguments: { amount: 0 }, now: T0 + 7_200_000 })).effect,
    ).toBe('allow');
    const never = await call(policy, counters, 'create_charge', { arguments: { amount: 1001 } });
    expect(never).toMatchObject({ cause: 'limit', retryAfterMs: null });
    expect(never.message).toContain('This call alone is more than the limit allows, so it cannot succeed.');
    for (const args of [{}, { amount: '5' }, { amount: -5 }, { amount: null }]) {
      expect(decide(policy, input('create_charge', { arguments: args })), JSON.stringify(args)).toMatchObject({
        effect: 'deny',
        cause: 'invalid_amount',
        rule: '/tools/create_charge/limits/0',
      });
    }
  });

  it('on_deny replaces the limit’s message, and the retry time is still given', async () => {
    const policy = policyOf({
      default: 'deny',
      tools: { t: { rate_limit: { max: 0, window: 'minute', on_deny: 'Paused for now.' } } },
    });
    expect((await call(policy, new MemoryLimitStore(), 't')).message).toBe(
      'Paused for now. This call alone is more than the limit allows, so it cannot succeed.',
    );
  });
});

describe('shadow mode', () => {
  const policy = policyOf({
    default: 'deny',
    mode: 'shadow',
    hide: ['secret'],
    tools: { t: { limits: [{ counter: 'c', window: 'minute', max: 1 }] }, ask: { action: 'require_approval' } },
  });

  it('lets through what enforcement would refuse, and records what enforcement would have done', () => {
    const decision = decide(policy, input('unlisted'));
    expect(decision).toEqual({
      effect: 'allow',
      shadow: true,
      serverId: 'srv',
      tool: 'unlisted',
      rule: '(default deny)',
      message:
        'Shadow mode: not enforced. Enforced, the policy would deny this call: Tool "unlisted" on server "srv" is not allowed by policy (default deny).',
      policyRevision: policy.revision,
      charges: [],
      shadowed: expect.objectContaining({ effect: 'deny', cause: 'default_deny', rule: '(default deny)' }),
    });
    expect(decide(policy, input('secret'))).toMatchObject({
      effect: 'allow',
      shadow: true,
      shadowed: { effect: 'hide' },
    });
    expect(decide(policy, input('ask'))).toMatchObject({
      effect: 'allow',
      shadow: true,
      shadowed: { effect: 'require_approval' },
    });
    expect(isVisible(policy, 'srv', 'secret', undefined)).toBe(true);
  });

  it('counts the calls enforcement would let through, and not the ones it would refuse', async () => {
    const counters = new MemoryLimitStore();
    expect(await call(policy, counters, 't')).toMatchObject({
      effect: 'allow',
      shadow: false,
      enforceLimits: false,
      charges: [{ counterKey: 'c@grant:alice-laptop' }],
    });
    const second = await call(policy, counters, 't');
    expect(second).toMatchObject({
      effect: 'allow',
      shadow: true,
      charges: [],
      shadowed: { cause: 'limit', retryAfterMs: 60_000 },
    });
    expect(await counters.usage('c@grant:alice-laptop', 60_000, T0)).toBe(1);
  });
});

describe('decide is pure', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('gives the same decision for the same input, and its input and decision are plain data, replayable', () => {
    const policy = policyOf({
      default: 'deny',
      all_tools: { limits: [{ counter: 'calls', window: 'hour', max: 100 }] },
      tools: { t: { limits: [{ counter: 'spend', window: 'minute', max: 5, increment_from: 'args.n' }] } },
    });
    const recorded = input('t', { arguments: { n: 2 }, sessionId: 's1' });
    const first = decide(policy, recorded);
    const replayed = decide(policy, JSON.parse(JSON.stringify(recorded)) as DecisionInput);
    expect(replayed).toEqual(first);
    expect(JSON.parse(JSON.stringify(first))).toEqual(first);
    expect(first).toMatchObject({
      effect: 'allow',
      charges: [
        { counterKey: 'spend@grant:alice-laptop', amount: 2 },
        { counterKey: 'calls@grant:alice-laptop', amount: 1 },
      ],
    });
  });

  it('an exact name is decided without evaluating a single glob, however many rules the policy has', () => {
    const tools = (count: number) => {
      const entries: Record<string, object> = {};
      for (let i = 0; i < count; i++) entries[`tool_${i}`] = {};
      // Two runs of `*`: the only globs the index tests with a RegExp (prefix and suffix globs need none).
      for (let i = 0; i < 50; i++) entries[`family_${i}_*_*`] = { action: 'deny' };
      entries['srv:*'] = {};
      entries['*'] = { action: 'deny' };
      return entries;
    };
    const small = policyOf({ default: 'deny', tools: tools(10) });
    const large = policyOf({ default: 'deny', tools: tools(10_000) });
    // Every way of running a RegExp (test, match, replace...) goes through its exec, by the spec.
    const exec = vi.spyOn(RegExp.prototype, 'exec');
    const regexCalls = (policy: CompiledPolicy, tool: string, serverId = 'srv'): number => {
      exec.mockClear();
      decide(policy, input(tool, { serverId }));
      return exec.mock.calls.length;
    };
    expect(regexCalls(small, 'tool_7')).toBe(0);
    expect(regexCalls(large, 'tool_7')).toBe(0);
    expect(regexCalls(large, 'tool_9999')).toBe(0);
    // A name only a glob matches tries only the globs whose literal prefix (or suffix) it has: the count
    // depends on those globs, never on the number of rules.
    expect(regexCalls(small, 'unknown')).toBe(0);
    expect(regexCalls(large, 'unknown')).toBe(0);
    expect(regexCalls(small, 'family_3_x_y', 'other')).toBe(1);
    expect(regexCalls(large, 'family_3_x_y', 'other')).toBe(1);
    expect(decide(large, input('family_3_x_y', { serverId: 'other' })).rule).toBe('/tools/family_3_*_*/action');
    expect(decide(large, input('family_3_x', { serverId: 'other' })).rule).toBe('/tools/*/action');
    expect(decide(large, input('family_3_x_y')).rule).toBe('/tools/srv:*');
    expect(decide(large, input('tool_9999')).rule).toBe('/tools/tool_9999');
  });
});

describe('require_approval_if', () => {
  const conditional = compilePolicy({
    version: '1',
    default: 'deny',
    tools: {
      create_charge: {
        require_approval_if: [
          { conditions: [{ path: 'args.amount', op: 'gt', value: 500 }], reason: 'Charges over 500 need finance.' },
        ],
      },
      write_file: {
        approver: 'client',
        require_approval_if: [{ conditions: [{ path: 'args.path', op: 'regex', value: '^/(etc|root)/' }] }],
      },
    },
  });

  it('holds a call only when an entry’s conditions all hold, naming the entry', () => {
    expect(decide(conditional, input('create_charge', { arguments: { amount: 100 } }))).toMatchObject({
      effect: 'allow',
      rule: '/tools/create_charge',
    });
    expect(decide(conditional, input('create_charge', { arguments: { amount: 900 } }))).toMatchObject({
      effect: 'require_approval',
      rule: '/tools/create_charge/require_approval_if/0',
      reason: 'Charges over 500 need finance.',
      approver: 'operator',
    });
  });

  it('says who approves, and denies an argument its condition cannot check', () => {
    expect(decide(conditional, input('write_file', { arguments: { path: '/etc/passwd' } }))).toMatchObject({
      effect: 'require_approval',
      approver: 'client',
    });
    expect(decide(conditional, input('write_file', { arguments: { path: '/work/notes.md' } }))).toMatchObject({
      effect: 'allow',
    });
    expect(decide(conditional, input('create_charge', { arguments: { amount: 'lots' } }))).toMatchObject({
      effect: 'deny',
      cause: 'condition_error',
    });
  });
});

describe('rules by class (categories and risks)', () => {
  const policy = policyOf({
    default: 'allow',
    hide: ['drop_everything'],
    tools: {
      delete_draft: { rate_limit: { window: 'hour', max: 5 } },
      'billing:*': { action: 'deny', reason: 'Billing is off limits.' },
    },
    categories: {
      Destructive: { action: 'hide' },
      Write: { rate_limit: { window: 'hour', max: 2 } },
    },
    risks: {
      Critical: { action: 'require_approval', reason: 'Critical tools need a person.' },
      High: { action: 'deny', reason: 'No high-risk tools yet.' },
    },
  });
  const destructive = { category: 'Destructive', risk: 'Critical' } as const;
  const financial = { category: 'Financial', risk: 'Critical' } as const;
  const write = { category: 'Write', risk: 'High' } as const;
  const read = { category: 'Read', risk: 'Low' } as const;

  it("follows a tool's own rule, a glob included, before any class rule", () => {
    expect(decide(policy, input('delete_draft', { toolClass: destructive }))).toMatchObject({
      effect: 'allow',
      rule: '/tools/delete_draft',
    });
    expect(decide(policy, input('refund', { serverId: 'billing', toolClass: financial }))).toMatchObject({
      effect: 'deny',
      rule: '/tools/billing:*/action',
    });
  });

  it('then its category’s rule, then its risk’s', () => {
    expect(decide(policy, input('rm_rf', { toolClass: destructive }))).toMatchObject({
      effect: 'hide',
      rule: '/categories/Destructive/action',
    });
    expect(isVisible(policy, 'srv', 'rm_rf', destructive)).toBe(false);
    expect(isVisible(policy, 'srv', 'rm_rf', read)).toBe(true);
    // Financial has no category rule: its risk's applies.
    expect(decide(policy, input('pay', { toolClass: financial }))).toMatchObject({
      effect: 'require_approval',
      rule: '/risks/Critical/action',
      reason: 'Critical tools need a person.',
    });
    // A category rule wins over the risk rule that would deny.
    expect(decide(policy, input('send_mail', { toolClass: write }))).toMatchObject({
      effect: 'allow',
      rule: '/categories/Write',
    });
  });

  it('keeps the hide list first, and a tool of unknown class under the default', () => {
    expect(decide(policy, input('drop_everything', { toolClass: read }))).toMatchObject({
      effect: 'hide',
      rule: RuleSentinel.Hidden,
    });
    expect(decide(policy, input('rm_rf'))).toMatchObject({ effect: 'allow', rule: '' });
    const closed = policyOf({ default: 'deny', categories: { Read: {} } });
    expect(decide(closed, input('search', { toolClass: read }))).toMatchObject({
      effect: 'allow',
      rule: '/categories/Read',
    });
    expect(decide(closed, input('search'))).toMatchObject({ effect: 'deny', rule: RuleSentinel.DefaultDeny });
  });

  it('counts a class rule’s rate_limit on one counter for every tool of that class', async () => {
    const limits = new MemoryLimitStore();
    const results = [];
    for (const tool of ['send_mail', 'post_message', 'send_mail']) {
      results.push(await call(policy, limits, tool, { toolClass: write }));
    }
    expect(results.map((d) => d.effect)).toEqual(['allow', 'allow', 'deny']);
    expect(results[2]).toMatchObject({ rule: '/categories/Write/rate_limit' });
    expect(decodeURIComponent(chargesOf(results[0]!)[0]?.counterKey ?? '')).toContain('rate_limit:categories/Write');
  });
});
