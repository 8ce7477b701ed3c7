import { describe, expect, it } from 'vitest';
import { CATEGORIES as GATEWAY_CATEGORIES, RISKS as GATEWAY_RISKS } from '../../../src/risk/classification.js';
import { validatePolicy } from '../../../src/policy/schema.js';
import { CATEGORIES, RISKS } from '../tools/tool-row.js';
import {
  classRuleForm,
  defaultEffect,
  globalLimits,
  newGlobalLimit,
  otherToolKeys,
  policyMode,
  setClassRule,
  setDefaultEffect,
  setGlobalLimits,
  setPolicyMode,
  setToolRule,
  toolKeys,
  toolRuleForm,
  type InventoryTool,
} from './policy-form.js';
import { parseDraft, type JsonObject } from './policy-text.js';
import type { RuleForm } from './rule-form.js';

/** The policy documents of the three seed pages, exactly as the pages print them. */
const SEEDS = {
  bambu: `{
  "version": "1",
  "default": "deny",
  "tools": {
    "mqtt_disconnect": {
      "limits": [
        {
          "counter": "mqtt_disconnect_rate",
          "window": "minute",
          "max": 60,
          "scope": "grant"
        }
      ]
    }
  }
}`,
  agentProxy: `{
  "version": "1",
  "default": "deny",
  "tools": {
    "disconnectServer": {
      "limits": [
        {
          "counter": "disconnectserver_rate",
          "window": "minute",
          "max": 30,
          "scope": "grant"
        }
      ]
    }
  }
}`,
  pmcp: `{
  "version": "1",
  "default": "deny",
  "hide": [
    "gateway.disconnect_server"
  ]
}`,
};

/** Tools of the seed pages' servers (from src/policy/testdata/*.tools.json), the seed's own tool among them. */
const INVENTORY: Record<keyof typeof SEEDS, InventoryTool[]> = {
  bambu: toolsOf('bambu', [
    'get_user_profile',
    'list_printers',
    'get_printer_status',
    'sign_message',
    'mqtt_connect',
    'mqtt_disconnect',
  ]),
  agentProxy: toolsOf('proxy', ['callAgent', 'listAgents', 'connectServer', 'disconnectServer', 'describeAgent']),
  pmcp: toolsOf('pmcp', [
    'gateway.auth_connect',
    'gateway.cancel',
    'gateway.catalog_search',
    'gateway.config_status',
    'gateway.disconnect_server',
    'gateway.invoke',
  ]),
};

function toolsOf(server: string, names: string[]): InventoryTool[] {
  return names.map((tool) => ({ server, tool }));
}

function docOf(text: string): JsonObject {
  const parsed = parseDraft(text);
  if (!('doc' in parsed)) throw new Error(parsed.error);
  return parsed.doc;
}

function expectValid(text: string): void {
  const result = validatePolicy(JSON.parse(text));
  expect(result.success ? [] : result.issues).toEqual([]);
}

/** Sets a tool's effect as the form does: the form read, its kind and fields changed. */
function setTool(text: string, tool: InventoryTool, inventory: InventoryTool[], change: Partial<RuleForm>): string {
  const doc = docOf(text);
  const { key, names } = toolKeys(doc, tool, inventory);
  return setToolRule(text, doc, key, { ...toolRuleForm(doc, key, names), ...change }, names);
}

it('offers the categories and risks the gateway gives', () => {
  expect(CATEGORIES).toEqual(GATEWAY_CATEGORIES);
  expect(RISKS).toEqual(GATEWAY_RISKS);
});

describe.each(Object.keys(SEEDS) as (keyof typeof SEEDS)[])('the %s seed policy', (name) => {
  const text = SEEDS[name];
  const inventory = INVENTORY[name];

  it('is valid as it is', () => expectValid(text));

  it('reads into the form, and writing every tool back unedited changes nothing', () => {
    let next = text;
    for (const tool of inventory) {
      const doc = docOf(next);
      const { key, names } = toolKeys(doc, tool, inventory);
      next = setToolRule(next, doc, key, toolRuleForm(doc, key, names), names);
    }
    const doc = docOf(next);
    next = setDefaultEffect(next, doc, 'deny');
    next = setPolicyMode(next, doc, 'enforce');
    next = setGlobalLimits(next, doc, globalLimits(doc));
    for (const category of CATEGORIES)
      next = setClassRule(next, doc, 'categories', category, classRuleForm(doc, 'categories', category));
    expect(next).toBe(text);
  });

  it('survives form edits of other tools unchanged', () => {
    const seedTools = new Set(Object.keys(docOf(text).tools ?? {}));
    const others = inventory.filter((tool) => !seedTools.has(tool.tool) && tool.tool !== 'gateway.disconnect_server');
    let next = setTool(text, others[0]!, inventory, { kind: 'deny', reason: 'Not for agents.' });
    next = setTool(next, others[1]!, inventory, { kind: 'rate_limit' });
    next = setTool(next, others[2]!, inventory, {
      kind: 'custom',
      require: [{ path: 'args.id', op: 'regex', value: '^[a-z]+$' }],
    });
    next = setTool(next, others[3]!, inventory, { kind: 'require_approval', reason: 'Ask first.' });
    expectValid(next);
    const seed = JSON.parse(text) as JsonObject;
    const edited = JSON.parse(next) as JsonObject;
    const { tools: seedRules = {}, ...seedRest } = seed as { tools?: JsonObject };
    const { tools: editedRules, ...editedRest } = edited as { tools: JsonObject };
    expect(editedRest).toEqual(seedRest);
    for (const [key, rule] of Object.entries(seedRules)) expect(editedRules[key]).toEqual(rule);
    expect(editedRules[others[0]!.tool]).toEqual({ action: 'deny', reason: 'Not for agents.' });
    expect(editedRules[others[1]!.tool]).toEqual({ rate_limit: { window: 'minute', max: 60 } });
    expect(editedRules[others[3]!.tool]).toEqual({ action: 'require_approval', reason: 'Ask first.' });
    // Undoing the edits gives back the page's text, byte for byte.
    let undone = next;
    for (const tool of others.slice(0, 4)) undone = setTool(undone, tool, inventory, { kind: 'none' });
    expect(JSON.parse(undone)).toEqual({ ...seed, tools: seedRules });
  });
});

describe('the seed rules in the form', () => {
  it('Bambu: mqtt_disconnect is a rate limit of 60 a minute per grant, its counter kept', () => {
    const doc = docOf(SEEDS.bambu);
    const form = toolRuleForm(doc, 'mqtt_disconnect');
    expect(form.kind).toBe('rate_limit');
    expect(form.limit).toEqual({ counter: 'mqtt_disconnect_rate', max: '60', window: 'minute', scope: 'grant' });
    const next = setToolRule(SEEDS.bambu, doc, 'mqtt_disconnect', { ...form, limit: { ...form.limit, max: '90' } });
    expect(next).toBe(SEEDS.bambu.replace('"max": 60', '"max": 90'));
  });

  it('PMCP: gateway.disconnect_server is hidden by the hide list, and shown again by choosing another effect', () => {
    const doc = docOf(SEEDS.pmcp);
    const tool = { server: 'pmcp', tool: 'gateway.disconnect_server' };
    const { key, names, exists } = toolKeys(doc, tool, INVENTORY.pmcp);
    expect({ key, exists }).toEqual({ key: 'gateway.disconnect_server', exists: false });
    expect(toolRuleForm(doc, key, names).kind).toBe('hide');
    // Hide again: nothing to do.
    expect(setTool(SEEDS.pmcp, tool, INVENTORY.pmcp, { kind: 'hide' })).toBe(SEEDS.pmcp);
    const shown = setTool(SEEDS.pmcp, tool, INVENTORY.pmcp, { kind: 'deny', reason: 'Never.' });
    expect(JSON.parse(shown)).toEqual({
      version: '1',
      default: 'deny',
      hide: [],
      tools: { 'gateway.disconnect_server': { action: 'deny', reason: 'Never.' } },
    });
    expectValid(shown);
    // Back to "no rule": off the list, no rule.
    const none = setTool(SEEDS.pmcp, tool, INVENTORY.pmcp, { kind: 'none' });
    expect(JSON.parse(none)).toEqual({ version: '1', default: 'deny', hide: [] });
  });
});

describe('toolKeys', () => {
  const inventory = [
    { server: 'fs', tool: 'read_file' },
    { server: 'git', tool: 'read_file' },
    { server: 'fs', tool: 'write_file' },
  ];
  it('a new rule has the plain name, or the server-qualified one when another server has the tool', () => {
    const doc = docOf('{"version":"1","default":"deny"}');
    expect(toolKeys(doc, inventory[2]!, inventory)).toEqual({
      key: 'write_file',
      exists: false,
      names: ['fs:write_file', 'write_file'],
    });
    expect(toolKeys(doc, inventory[0]!, inventory).key).toBe('fs:read_file');
  });
  it('an existing rule is found, the server-qualified one first', () => {
    const doc = docOf('{"version":"1","default":"deny","tools":{"read_file":{},"git:read_file":{"action":"deny"}}}');
    expect(toolKeys(doc, inventory[0]!, inventory)).toMatchObject({ key: 'read_file', exists: true });
    expect(toolKeys(doc, inventory[1]!, inventory)).toMatchObject({ key: 'git:read_file', exists: true });
  });
});

it('otherToolKeys lists globs, rules for tools not in the inventory, and hide entries', () => {
  const doc = docOf(
    '{"version":"1","default":"deny","hide":["github:delete_*","read_file"],"tools":{"read_*":{},"fs:read_file":{},"gone":{}}}',
  );
  expect(otherToolKeys(doc, [{ server: 'fs', tool: 'read_file' }])).toEqual(['read_*', 'gone', 'github:delete_*']);
});

describe('sections', () => {
  const base = '{\n  "version": "1",\n  "default": "deny"\n}\n';

  it('default and mode', () => {
    const doc = docOf(base);
    expect(defaultEffect(doc)).toBe('deny');
    expect(policyMode(doc)).toBe('enforce');
    expect(setPolicyMode(base, doc, 'enforce')).toBe(base);
    const shadow = setPolicyMode(setDefaultEffect(base, doc, 'allow'), doc, 'shadow');
    expect(JSON.parse(shadow)).toEqual({ version: '1', default: 'allow', mode: 'shadow' });
    expect(JSON.parse(setPolicyMode(shadow, docOf(shadow), 'enforce'))).toMatchObject({ mode: 'enforce' });
    expect(defaultEffect(docOf('{"default":"maybe"}'))).toBe('');
  });

  it('rules by category and by risk', () => {
    let text = setClassRule(base, docOf(base), 'categories', 'Destructive', {
      ...classRuleForm(docOf(base), 'categories', 'Destructive'),
      kind: 'hide',
    });
    text = setClassRule(text, docOf(text), 'categories', 'Read', {
      ...classRuleForm(docOf(text), 'categories', 'Read'),
      kind: 'allow',
    });
    text = setClassRule(text, docOf(text), 'risks', 'Critical', {
      ...classRuleForm(docOf(text), 'risks', 'Critical'),
      kind: 'require_approval',
      reason: 'Critical tools need a person.',
    });
    expect(JSON.parse(text)).toEqual({
      version: '1',
      default: 'deny',
      categories: { Destructive: { action: 'hide' }, Read: {} },
      risks: { Critical: { action: 'require_approval', reason: 'Critical tools need a person.' } },
    });
    expectValid(text);
    expect(classRuleForm(docOf(text), 'risks', 'Critical').kind).toBe('require_approval');
    text = setClassRule(text, docOf(text), 'categories', 'Read', {
      ...classRuleForm(docOf(text), 'categories', 'Read'),
      kind: 'none',
    });
    expect(JSON.parse(text).categories).toEqual({ Destructive: { action: 'hide' } });
  });

  it('limits for all tools: added, edited and removed, keeping keys the form does not show', () => {
    const start = `{
  "version": "1",
  "default": "allow",
  "all_tools": { "limits": [{ "counter": "spend", "window": "day", "max": 100, "increment_from": "args.amount", "on_deny": "Enough." }] }
}`;
    let doc = docOf(start);
    const rows = globalLimits(doc);
    expect(rows).toEqual([{ from: 0, counter: 'spend', window: 'day', max: '100', scope: '' }]);
    let text = setGlobalLimits(start, doc, [{ ...rows[0]!, max: '200' }, newGlobalLimit(doc)]);
    doc = docOf(text);
    expect(doc.all_tools).toEqual({
      limits: [
        { counter: 'spend', window: 'day', max: 200, increment_from: 'args.amount', on_deny: 'Enough.' },
        { counter: 'all_calls', max: 1000, window: 'hour', scope: 'grant' },
      ],
    });
    expectValid(text);
    expect(newGlobalLimit(doc).counter).toBe('all_calls_2');
    text = setGlobalLimits(text, doc, globalLimits(doc).slice(1));
    expect(JSON.parse(text).all_tools).toEqual({
      limits: [{ counter: 'all_calls', max: 1000, window: 'hour', scope: 'grant' }],
    });
    const fresh = setGlobalLimits(base, docOf(base), [newGlobalLimit(docOf(base))]);
    expect(JSON.parse(fresh).all_tools.limits).toHaveLength(1);
    expect(setGlobalLimits(base, docOf(base), [])).toBe(base);
  });

  it('does not write over a section that is not an object', () => {
    const broken = '{"version":"1","default":"deny","tools":[1],"all_tools":5}';
    const doc = docOf(broken);
    expect(setToolRule(broken, doc, 'x', { ...toolRuleForm(doc, 'x'), kind: 'deny' })).toBe(broken);
    expect(setGlobalLimits(broken, doc, [newGlobalLimit(doc)])).toBe(broken);
  });
});

describe('a policy built in the form is valid', () => {
  const inventory = [
    { server: 'fs', tool: 'write_file' },
    { server: 'fs', tool: 'read_file' },
    { server: 'fs', tool: 'move_file' },
    { server: 'mem', tool: 'create_entities' },
  ];
  it('deny, require approval, rate limit and custom conditions', () => {
    let text = '{"default":"deny","tools":{}, "version": "1"}';
    text = setTool(text, inventory[0]!, inventory, { kind: 'deny', reason: 'Writing is off today.' });
    text = setTool(text, inventory[1]!, inventory, {
      kind: 'rate_limit',
      limit: { counter: '', max: '5', window: '60', scope: 'session' },
    });
    text = setTool(text, inventory[2]!, inventory, { kind: 'require_approval', reason: '' });
    text = setTool(text, inventory[3]!, inventory, {
      kind: 'custom',
      require: [{ path: 'args.entities', op: 'exists', value: '' }],
      denyIf: [{ conditions: [{ path: 'args.entities[0].name', op: 'in', value: '["root","admin"]' }], onDeny: 'No.' }],
    });
    expectValid(text);
    expect(JSON.parse(text).tools).toEqual({
      write_file: { action: 'deny', reason: 'Writing is off today.' },
      read_file: { rate_limit: { window: 60, max: 5, scope: 'session' } },
      move_file: { action: 'require_approval' },
      create_entities: {
        require: [{ path: 'args.entities', op: 'exists' }],
        deny_if: [
          { conditions: [{ path: 'args.entities[0].name', op: 'in', value: ['root', 'admin'] }], on_deny: 'No.' },
        ],
      },
    });
    // Every tool reads back as the kind it was given.
    const doc = docOf(text);
    expect(inventory.map((tool) => toolRuleForm(doc, tool.tool).kind)).toEqual([
      'deny',
      'rate_limit',
      'require_approval',
      'custom',
    ]);
  });
});
