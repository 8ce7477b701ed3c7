import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../policy/compile-policy.js';
import { decide } from '../policy/decide.js';
import type { Category, Risk } from '../risk/classification.js';
import type { InventoryEntry } from './inventory.js';
import { recommendRule, type RuleOptions } from './recommended-rule.js';
import { suggestPolicy } from './suggested-policy.js';

const NOW = Date.UTC(2026, 11, 1);

function entry(name: string, category: Category, risk: Risk, properties: Record<string, object> = {}): InventoryEntry {
  return {
    serverId: 'srv',
    name,
    exposedName: `srv__${name}`,
    definition: { name, description: `The ${name} tool`, inputSchema: { type: 'object', properties } },
    classification: { category, risk, evidence: [], warnings: [] },
  };
}

/** Decides a call to `tool` under the rule recommended for it, as the gateway would. */
function decideUnder(
  tool: InventoryEntry,
  args: Record<string, unknown>,
  options: RuleOptions = { destructive: 'hide' },
) {
  const { category, risk } = tool.classification;
  const policy = compilePolicy({
    version: '1',
    default: 'deny',
    tools: { [`srv:${tool.name}`]: recommendRule(tool, options).rule },
  });
  return decide(policy, { serverId: 'srv', tool: tool.name, toolClass: { category, risk }, arguments: args, now: NOW });
}

describe('recommendRule', () => {
  it('caps reads and changes per grant, as the catalogue recommends, and says why in the note', () => {
    const read = recommendRule(entry('list_items', 'Read', 'Low'), { destructive: 'hide' });
    expect(read.rule).toMatchObject({ limits: [{ window: 'minute', max: 60, scope: 'grant' }] });
    expect(read.rule.note).toBe(read.why);
    expect(recommendRule(entry('update_item', 'Write', 'Medium'), { destructive: 'hide' }).rule).toMatchObject({
      limits: [{ window: 'hour', max: 30, scope: 'grant' }],
    });
  });

  it('hides a Destructive tool, or holds it for approval when asked', () => {
    const tool = entry('delete_item', 'Destructive', 'Critical');
    expect(decideUnder(tool, {})).toMatchObject({ effect: 'hide' });
    expect(decideUnder(tool, {}, { destructive: 'approve' })).toMatchObject({ effect: 'require_approval' });
  });

  it('refuses a force flag, and holds a risky command for approval', () => {
    const write = entry('write_file', 'Write', 'High', { content: { type: 'string' }, force: { type: 'boolean' } });
    expect(decideUnder(write, { content: 'x', force: true })).toMatchObject({
      effect: 'deny',
      rule: '/tools/srv:write_file/deny_if/0',
    });
    expect(decideUnder(write, { content: 'x', force: false })).toMatchObject({ effect: 'allow' });
    const run = entry('run_command', 'Execute', 'High', { command: { type: 'string' } });
    expect(decideUnder(run, { command: 'sudo rm -rf /' })).toMatchObject({ effect: 'require_approval' });
    expect(decideUnder(run, { command: 'ls -la' })).toMatchObject({ effect: 'allow' });
  });

  it('keeps paths inside the root, without climbing out by ".."', () => {
    const tool = entry('move_file', 'Write', 'Medium', { path: { type: 'string' } });
    const options: RuleOptions = { destructive: 'hide', root: '/srv/data' };
    expect(decideUnder(tool, { path: '/srv/data/a.txt' }, options)).toMatchObject({ effect: 'allow' });
    expect(decideUnder(tool, { path: '/srv/database' }, options)).toMatchObject({ effect: 'deny' });
    expect(decideUnder(tool, { path: '/srv/data/../../etc/passwd' }, options)).toMatchObject({ effect: 'deny' });
    expect(decideUnder(tool, { path: '/etc/passwd' }, options)).toMatchObject({ effect: 'deny' });
  });

  it('holds every Financial call, with a daily spend cap where the schema shows an amount', () => {
    const tool = entry('create_refund', 'Financial', 'Critical', { amount: { type: 'number' } });
    const { rule } = recommendRule(tool, { destructive: 'hide' });
    expect(rule).toMatchObject({
      action: 'require_approval',
      limits: [{ window: 'day', max: 1000, increment_from: 'args.amount', scope: 'grant' }],
    });
    expect(decideUnder(tool, { amount: 5 })).toMatchObject({ effect: 'require_approval' });
  });
});

describe('suggestPolicy', () => {
  const inventory = {
    entries: [
      entry('search', 'Read', 'Low'),
      entry('drop_table', 'Destructive', 'Critical'),
      entry('charge', 'Financial', 'Critical', { amount: { type: 'integer' } }),
    ],
    unlisted: [],
  };

  it('writes a policy that loads, denies by default, and covers tools added later by their class', () => {
    const suggested = suggestPolicy(inventory, { destructive: 'hide' });
    const policy = compilePolicy(JSON.parse(JSON.stringify(suggested.policy)));
    expect(policy.default).toBe('deny');
    expect(suggested.hidden).toEqual(['srv:drop_table']);
    expect(suggested.approval).toEqual(['srv:charge']);
    expect(suggested.categories).toMatchObject({ Read: 1, Destructive: 1, Financial: 1, Write: 0 });
    const later = (category: Category, risk: Risk) =>
      decide(policy, { serverId: 'srv', tool: 'added_later', toolClass: { category, risk }, arguments: {}, now: NOW });
    expect(later('Destructive', 'Critical')).toMatchObject({ effect: 'hide', rule: '/categories/Destructive/action' });
    expect(later('Read', 'Low')).toMatchObject({ effect: 'allow', rule: '/categories/Read' });
    expect(later('Execute', 'High')).toMatchObject({ effect: 'require_approval' });
    for (const rule of Object.values(suggested.policy.tools ?? {})) expect(rule.note ?? rule.reason).toBeTruthy();
  });
});
