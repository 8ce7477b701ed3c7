import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compilePolicy } from './compile-policy.js';
import { loadPolicy } from '../config/load-policy.js';
import { PolicyError } from './policy-error.js';
import { parsePolicyTestSuite, runPolicyTests, type PolicyTestCase } from './policy-test.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TESTDATA = path.join(HERE, 'testdata');
const DOCS = path.join(HERE, '..', '..', 'docs', 'policy.md');

/** Loads a test table and its policy, as `toolgate policy test FILE` does. */
async function runTable(file: string) {
  const full = path.join(TESTDATA, file);
  const suite = parsePolicyTestSuite(readFileSync(full, 'utf8'), full);
  const policy = suite.policy === undefined ? null : loadPolicy(path.join(path.dirname(full), suite.policy));
  return runPolicyTests(policy, suite.cases);
}

describe('runPolicyTests', () => {
  it.each(['bambu-mcp.cases.json', 'pmcp.cases.json'])('%s passes', async (file) => {
    const report = await runTable(file);
    expect(report.results.filter((result) => !result.pass)).toEqual([]);
    expect(report.failed).toBe(0);
    expect(report.passed).toBe(report.results.length);
  });

  it('reports what differs, and the run of a repeated case that failed', async () => {
    const policy = compilePolicy({
      version: '1',
      default: 'deny',
      tools: { t: { rate_limit: { max: 2, window: 'minute' } } },
    });
    const cases: PolicyTestCase[] = [
      { tool: 't', repeat: 3, expect: { effect: 'allow' } },
      { name: 'wrong rule', tool: 'other', expect: { effect: 'deny', rule: '/tools/other', message: 'nope' } },
      { tool: 't', at_seconds: 59.999, expect: { effect: 'deny' } },
      { tool: 't', at_seconds: 60, expect: { effect: 'allow' } },
    ];
    const report = await runPolicyTests(policy, cases);
    expect(report).toMatchObject({ passed: 2, failed: 2 });
    expect(report.results[0]).toMatchObject({
      index: 0,
      name: '#1 t',
      pass: false,
      run: 3,
      failures: ['effect: expected allow, got deny'],
    });
    expect(report.results[1]?.failures).toEqual([
      'rule: expected "/tools/other", got "(default deny)"',
      'message: expected it to contain "nope", got "Tool \\"other\\" is not allowed by policy (default deny)."',
    ]);
    expect(report.results[2]).toMatchObject({ pass: true, run: 1 });
    expect(report.results[3]).toMatchObject({ pass: true });
  });

  it('checks what enforcement would decide when the policy is in shadow mode, limits too', async () => {
    const policy = compilePolicy({
      version: '1',
      default: 'deny',
      mode: 'shadow',
      tools: { t: { rate_limit: { max: 1, window: 'minute' } } },
    });
    const report = await runPolicyTests(policy, [
      { tool: 'x', expect: { effect: 'deny', rule: '(default deny)' } },
      { tool: 't', expect: { effect: 'allow' } },
      { tool: 't', expect: { effect: 'deny', rule: '/tools/t/rate_limit', message: 'Retry in 1 min.' } },
    ]);
    expect(report.failed).toBe(0);
    expect(report.results[0]?.decision).toMatchObject({ effect: 'allow', shadow: true });
    expect(report.results[2]?.decision).toMatchObject({ effect: 'allow', shadow: true, shadowed: { cause: 'limit' } });
  });

  it('refuses a call that needs approval when its limits would refuse it, as the gateway does', async () => {
    const policy = compilePolicy({
      version: '1',
      default: 'deny',
      tools: {
        pay: { action: 'require_approval', limits: [{ counter: 'pays', window: 'minute', max: 1 }] },
        count: { limits: [{ counter: 'pays', window: 'minute', max: 5 }] },
      },
    });
    const report = await runPolicyTests(policy, [
      { tool: 'pay', expect: { effect: 'require_approval' } },
      { tool: 'count', expect: { effect: 'allow' } },
      { tool: 'pay', expect: { effect: 'deny', rule: '/tools/pay/limits/0' } },
    ]);
    expect(report.results.filter((result) => !result.pass)).toEqual([]);
  });

  it('the table in docs/policy.md passes against the Bambu policy it tests', async () => {
    const table = /```json\n(\{\n {2}"policy": "policy.json",[\s\S]*?)```/.exec(readFileSync(DOCS, 'utf8'))?.[1];
    expect(table).toBeDefined();
    const report = await runPolicyTests(
      loadPolicy(path.join(TESTDATA, 'bambu-mcp.policy.json')),
      parsePolicyTestSuite(table ?? '', DOCS).cases,
    );
    expect(report.results.filter((result) => !result.pass)).toEqual([]);
  });

  it('decides by class when a case gives the tool’s category and risk, and refuses half a class', async () => {
    const policy = compilePolicy({
      version: '1',
      default: 'deny',
      categories: { Destructive: { action: 'hide' } },
      risks: { Critical: { action: 'require_approval' } },
    });
    const report = await runPolicyTests(policy, [
      {
        tool: 'drop',
        category: 'Destructive',
        risk: 'Critical',
        expect: { effect: 'hide', rule: '/categories/Destructive/action' },
      },
      {
        tool: 'pay',
        category: 'Financial',
        risk: 'Critical',
        expect: { effect: 'require_approval', rule: '/risks/Critical/action' },
      },
      { tool: 'pay', expect: { effect: 'deny', rule: '(default deny)' } },
    ]);
    expect(report.results.filter((result) => !result.pass)).toEqual([]);
    expect(() =>
      parsePolicyTestSuite(
        JSON.stringify({ cases: [{ tool: 'x', category: 'Read', expect: { effect: 'allow' } }] }),
        'cases.json',
      ),
    ).toThrow('give "category" and "risk" together, or neither');
  });

  it('runs a table against no policy', async () => {
    expect((await runPolicyTests(null, [{ tool: 'x', expect: { effect: 'deny', rule: '(no policy)' } }])).failed).toBe(
      0,
    );
  });
});

describe('parsePolicyTestSuite', () => {
  it('locates problems in a test file', () => {
    const text = JSON.stringify(
      {
        cases: [
          { tool: 'a', expect: { effect: 'permit' } },
          { tool: 'b', at_seconds: 10, expect: { effect: 'allow' } },
          { tool: 'c', at_seconds: 5, args: [], expect: { effect: 'allow' }, extra: 1 },
        ],
      },
      null,
      2,
    );
    try {
      parsePolicyTestSuite(text, 'cases.json');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PolicyError);
      expect((error as PolicyError).message.split('\n')).toEqual([
        'cases.json:6:19: $.cases[0].expect.effect: expected one of: "allow", "deny", "hide", "require_approval"',
        'cases.json:18:21: $.cases[2].at_seconds: time cannot go back: the previous case is at 10 s',
        'cases.json:19:15: $.cases[2].args: expected an object',
        'cases.json:23:7: $.cases[2].extra: unknown key "extra"; expected one of: name, tool, server, args, category, risk, grant, session, at_seconds, repeat, expect',
      ]);
    }
  });
});
