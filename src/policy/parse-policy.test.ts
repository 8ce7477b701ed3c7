import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compilePolicy } from './compile-policy.js';
import { loadPolicy } from '../config/load-policy.js';
import { parsePolicy } from './parse-policy.js';
import { PolicyError, type PolicyIssue } from './policy-error.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TESTDATA = path.join(HERE, 'testdata');
const DOCS = path.join(HERE, '..', '..', 'docs', 'policy.md');
const FILE = 'policy.json';

function issuesOf(text: string): PolicyIssue[] {
  try {
    parsePolicy(text, FILE);
  } catch (error) {
    if (error instanceof PolicyError) return error.issues;
    throw error;
  }
  throw new Error('expected a PolicyError');
}

/** `line:column path message`, compact enough to compare whole lists. */
function brief(issues: PolicyIssue[]): string[] {
  return issues.map((issue) => `${issue.line}:${issue.column} ${issue.path} ${issue.message}`);
}

/** A policy as pretty-printed JSON text, so that issues have predictable lines. */
function text(document: unknown): string {
  return JSON.stringify(document, null, 2);
}

describe('the seed pages’ policies', () => {
  it.each(['bambu-mcp', 'mcp-agent-proxy', 'pmcp'])('%s loads verbatim', (name) => {
    const policy = loadPolicy(path.join(TESTDATA, `${name}.policy.json`));
    expect(policy.default).toBe('deny');
    expect(policy.mode).toBe('enforce');
    expect(policy.revision).toMatch(/^[0-9a-f]{12}$/);
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.document)).toBe(true);
  });

  it('compiles the bambu limit as written', () => {
    const policy = loadPolicy(path.join(TESTDATA, 'bambu-mcp.policy.json'));
    const rule = policy.rules.find('bambu', 'mqtt_disconnect');
    expect(rule?.rule).toBe('/tools/mqtt_disconnect');
    expect(rule?.limits).toEqual([
      {
        rule: '/tools/mqtt_disconnect/limits/0',
        counter: 'mqtt_disconnect_rate',
        windowMs: 60_000,
        window: 'minute',
        max: 60,
        scope: 'grant',
        incrementFrom: null,
        onDeny: null,
        rank: 0,
      },
    ]);
    expect(policy.longestWindowMs).toBe(60_000);
  });
});

describe('the forms the pages describe in prose, and the earlier proxy’s vocabulary', () => {
  it('accepts action with reason, rate_limit, windows in seconds, increment_from, server keys and shadow mode', () => {
    const policy = compilePolicy({
      $schema: './policy.schema.json',
      version: '1',
      default: 'allow',
      mode: 'shadow',
      hide: ['*', 'github:delete_*'],
      all_tools: { limits: [{ counter: 'all', window: 'day', max: 10_000, scope: 'global' }] },
      tools: {
        delete_repo: { action: 'deny', reason: 'Deleting repositories is not allowed.' },
        secret_tool: { action: 'hide' },
        transfer: { action: 'require_approval', reason: 'Transfers need a person.' },
        send_email: { rate_limit: { max: 10, window: 60 } },
        create_charge: {
          require: [{ path: 'args.currency', op: 'in', value: ['usd', 'eur'] }],
          deny_if: [{ conditions: [{ path: 'args.amount', op: 'gt', value: 50_000 }], on_deny: 'Too large.' }],
          limits: [{ counter: 'spend', window: 'day', max: 100_000, scope: 'grant', increment_from: 'args.amount' }],
        },
        'github:create_issue': { action: 'allow' },
        'github:*': {},
      },
    });
    expect(policy.mode).toBe('shadow');
    expect(policy.rules.find('s', 'send_email')?.limits[0]).toMatchObject({
      rule: '/tools/send_email/rate_limit',
      counter: 'rate_limit:send_email',
      windowMs: 60_000,
      window: 60,
      scope: 'grant',
    });
    expect(policy.rules.find('s', 'create_charge')?.limits[0]?.incrementFrom?.text).toBe('args.amount');
    expect(policy.rules.find('s', 'transfer')).toMatchObject({
      action: 'require_approval',
      reason: 'Transfers need a person.',
    });
    expect(policy.longestWindowMs).toBe(86_400_000);
  });

  it('escapes tool keys in rule pointers (RFC 6901)', () => {
    const policy = compilePolicy({ version: '1', default: 'deny', tools: { 'a/b~c': {} } });
    expect(policy.rules.find('s', 'a/b~c')?.rule).toBe('/tools/a~1b~0c');
  });
});

describe('revision', () => {
  it('depends on the rules, not on spacing or key order', () => {
    const a = parsePolicy('{"version":"1","default":"deny","tools":{"x":{},"y":{}}}', FILE);
    const b = parsePolicy('{\n  "tools": { "y": {}, "x": {} },\n  "default": "deny",\n  "version": "1"\n}\n', FILE);
    const c = parsePolicy('{"version":"1","default":"deny","tools":{"x":{}}}', FILE);
    expect(a.revision).toBe(b.revision);
    expect(a.revision).not.toBe(c.revision);
  });
});

describe('parsePolicy: located errors', () => {
  it('reports JSON syntax errors at their line and column', () => {
    expect(brief(issuesOf('{\n  "version": "1",\n  "default": "deny",\n}'))).toEqual([
      '3:20 $ trailing commas are not allowed in JSON',
    ]);
    expect(brief(issuesOf(''))).toEqual(['1:1 $ the file is empty; expected a JSON object']);
  });

  it('requires version "1" and a default', () => {
    expect(brief(issuesOf('{"version": 1}'))).toEqual([
      '1:1 $.default missing required key "default"',
      '1:13 $.version expected "1"',
    ]);
    expect(brief(issuesOf('{"version": "2", "default": "maybe"}'))).toEqual([
      '1:13 $.version expected "1"',
      '1:29 $.default expected one of: "allow", "deny"',
    ]);
  });

  it('names the categories and risks a class rule may have', () => {
    const issues = issuesOf(
      text({ version: '1', default: 'deny', categories: { Destroy: {} }, risks: { critical: {} } }),
    );
    expect(brief(issues)).toEqual([
      '5:5 $.categories.Destroy unknown key "Destroy"; expected one of: Read, Write, Execute, Destructive, Financial, Other',
      '8:5 $.risks.critical unknown key "critical"; expected one of: Low, Medium, High, Critical',
    ]);
  });

  it('refuses unknown keys everywhere, at the key', () => {
    const issues = issuesOf(
      text({
        version: '1',
        default: 'deny',
        tool: {},
        tools: { x: { limit: [], deny_if: [{ conditions: [], message: 'no' }] } },
        all_tools: { limits: [{ counter: 'c', window: 'minute', max: 1, scop: 'grant' }] },
      }),
    );
    expect(brief(issues)).toEqual([
      '4:3 $.tool unknown key "tool"; expected one of: $schema, version, default, mode, hide, all_tools, tools, categories, risks',
      '7:7 $.tools.x.limit unknown key "limit"; expected one of: action, reason, note, require, deny_if, require_approval_if, approver, limits, rate_limit',
      '11:11 $.tools.x.deny_if[0].message unknown key "message"; expected one of: conditions, on_deny',
      '22:9 $.all_tools.limits[0].scop unknown key "scop"; expected one of: counter, window, max, scope, increment_from, on_deny',
    ]);
  });

  it('finds a regex that does not compile at load, not while deciding', () => {
    const issues = issuesOf(
      text({
        version: '1',
        default: 'deny',
        tools: { x: { require: [{ path: 'args.to', op: 'regex', value: '([a-z]+' }] } },
      }),
    );
    expect(brief(issues)).toEqual([
      '10:20 $.tools.x.require[0].value expected a regular expression RE2 can run: missing closing ): `([a-z]+`',
    ]);
  });

  it('refuses at load a pattern the linear-time engine cannot run, naming where and what', () => {
    const issues = issuesOf(
      text({
        version: '1',
        default: 'deny',
        tools: {
          write_file: { deny_if: [{ conditions: [{ path: 'args.path', op: 'regex', value: '^(?!/work/)' }] }] },
        },
      }),
    );
    expect(brief(issues).map((line) => line.replace(/^\d+:\d+ /, ''))).toEqual([
      '$.tools.write_file.deny_if[0].conditions[0].value expected a regular expression RE2 can run: negative lookahead (?!...) is not supported',
    ]);
  });

  it('checks condition paths, values and operators', () => {
    const issues = issuesOf(
      text({
        version: '1',
        default: 'deny',
        tools: {
          x: {
            deny_if: [
              {
                conditions: [
                  { path: 'amount', op: 'gt', value: 5 },
                  { path: 'args.amount', op: 'gt', value: '5' },
                  { path: 'args.amount', op: 'between', value: [1, 2] },
                  { path: 'args.amount', op: 'in' },
                ],
              },
            ],
          },
        },
      }),
    );
    expect(brief(issues).map((line) => line.replace(/^\d+:\d+ /, ''))).toEqual([
      '$.tools.x.deny_if[0].conditions[0].path "amount" is not an argument path: paths start with "args" (for example "args.amount")',
      '$.tools.x.deny_if[0].conditions[1].value expected a number ("gt" compares numbers)',
      '$.tools.x.deny_if[0].conditions[2].op expected one of: "eq", "neq", "in", "not_in", "lt", "lte", "gt", "gte", "regex", "contains", "exists"',
      '$.tools.x.deny_if[0].conditions[3].value missing required key "value" (every operator but "exists" needs one)',
    ]);
  });

  it('checks limits: window, max, scope, increment_from', () => {
    const issues = issuesOf(
      text({
        version: '1',
        default: 'deny',
        all_tools: {
          limits: [
            { counter: 'a', window: 'week', max: 1 },
            { counter: 'b', window: 0, max: -1, scope: 'user' },
            { counter: 'c', max: 1, increment_from: 'amount' },
            { counter: '', window: 60.5, max: 1 },
          ],
        },
      }),
    );
    expect(brief(issues).map((line) => line.replace(/^\d+:\d+ /, ''))).toEqual([
      '$.all_tools.limits[0].window expected "minute", "hour", "day" or a whole number of seconds from 1 to 31622400',
      '$.all_tools.limits[1].window expected "minute", "hour", "day" or a whole number of seconds from 1 to 31622400',
      '$.all_tools.limits[1].max expected a number of at least 0',
      '$.all_tools.limits[1].scope expected one of: "grant", "session", "server", "global"',
      '$.all_tools.limits[2].window missing required key "window"',
      '$.all_tools.limits[2].increment_from "amount" is not an argument path: paths start with "args" (for example "args.amount")',
      '$.all_tools.limits[3].counter expected a non-empty string',
      '$.all_tools.limits[3].window expected "minute", "hour", "day" or a whole number of seconds from 1 to 31622400',
    ]);
  });

  it('refuses limits that share a counter but count different things', () => {
    const issues = issuesOf(
      text({
        version: '1',
        default: 'deny',
        all_tools: { limits: [{ counter: 'spend', window: 'day', max: 100, increment_from: 'args.amount' }] },
        tools: { x: { limits: [{ counter: 'spend', window: 'minute', max: 5 }] } },
      }),
    );
    expect(brief(issues).map((line) => line.replace(/^\d+:\d+ /, ''))).toEqual([
      '$.tools.x.limits[0].increment_from counter "spend" is also used to count the value of args.amount; limits that share a counter must all count the value of args.amount, or use another counter name',
    ]);
  });

  it('refuses rules whose parts can never apply', () => {
    const issues = issuesOf(
      text({
        version: '1',
        default: 'deny',
        tools: {
          a: { action: 'deny', limits: [], rate_limit: { max: 1, window: 'minute' } },
          b: { reason: 'why' },
          c: { action: 'launch' },
        },
      }),
    );
    expect(brief(issues).map((line) => line.replace(/^\d+:\d+ /, ''))).toEqual([
      '$.tools.a.limits "limits" has no effect when "action" is "deny"; remove one of them',
      '$.tools.a.rate_limit "rate_limit" has no effect when "action" is "deny"; remove one of them',
      '$.tools.b.reason "reason" is the message of a "deny", "hide" or "require_approval" action; deny_if entries and limits take "on_deny"',
      '$.tools.c.action expected one of: "allow", "deny", "hide", "require_approval"',
    ]);
  });

  it('checks tool keys in tools and hide, at the key', () => {
    const issues = issuesOf(
      text({ version: '1', default: 'deny', hide: ['github:', ''], tools: { 'bad server:x': {}, '*:x': {} } }),
    );
    expect(brief(issues)).toEqual([
      '5:5 $.hide[0] "github:" names a server but no tool; write "github:*" for all its tools',
      '6:5 $.hide[1] a tool key cannot be empty',
      '9:5 $.tools["bad server:x"] "bad server" is not a server id (1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit); keys are "tool" or "server:tool"',
      '10:5 $.tools["*:x"] the server part of "*:x" cannot be a pattern; a key without "server:" already matches every server',
    ]);
  });

  it('refuses duplicate keys and "__proto__", which JSON readers would silently drop', () => {
    const issues = issuesOf('{"version":"1","default":"deny","tools":{"x":{},"x":{"action":"deny"},"__proto__":{}}}');
    expect(brief(issues)).toEqual([
      '1:49 $.tools.x duplicate key "x"; each key may appear only once in an object',
      '1:71 $.tools.__proto__ the key "__proto__" is not allowed',
    ]);
  });
});

describe('loadPolicy and compilePolicy', () => {
  it('names a file that cannot be read', () => {
    expect(() => loadPolicy(path.join(TESTDATA, 'missing.json'))).toThrow(
      /missing\.json: cannot read the policy file: no such file/,
    );
  });

  it('compilePolicy reports problems by path when there is no text', () => {
    expect(() => compilePolicy({ version: '1', default: 'deny', tools: { x: { action: 'nope' } } })).toThrow(
      '(policy): $.tools.x.action: expected one of: "allow", "deny", "hide", "require_approval"',
    );
  });

  it('does not freeze or keep the caller’s object', () => {
    const document = { version: '1', default: 'deny', tools: { x: {} } };
    const policy = compilePolicy(document);
    expect(Object.isFrozen(document)).toBe(false);
    document.tools = {} as typeof document.tools;
    expect(policy.rules.find('s', 'x')).toBeDefined();
  });

  it('the seed files hold the documents the pages print', () => {
    // Formatting tools may re-indent the files; what must not change is the document.
    const read = (name: string): unknown =>
      JSON.parse(readFileSync(path.join(TESTDATA, `${name}.policy.json`), 'utf8'));
    const limit = (counter: string, max: number) => ({ limits: [{ counter, window: 'minute', max, scope: 'grant' }] });
    expect(read('pmcp')).toEqual({ version: '1', default: 'deny', hide: ['gateway.disconnect_server'] });
    expect(read('bambu-mcp')).toEqual({
      version: '1',
      default: 'deny',
      tools: { mqtt_disconnect: limit('mqtt_disconnect_rate', 60) },
    });
    expect(read('mcp-agent-proxy')).toEqual({
      version: '1',
      default: 'deny',
      tools: { disconnectServer: limit('disconnectserver_rate', 30) },
    });
  });
});

describe('docs/policy.md', () => {
  it('every policy document it shows loads', () => {
    const blocks = [...readFileSync(DOCS, 'utf8').matchAll(/```json\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
    // Blocks that are whole documents (the others are fragments: a rule, a condition, a limit).
    const documents = blocks.filter((block) => block.trimStart().startsWith('{\n  "version"'));
    expect(documents.length).toBeGreaterThanOrEqual(5);
    for (const document of documents) expect(() => parsePolicy(document, DOCS), document).not.toThrow();
  });
});
