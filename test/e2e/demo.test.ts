/**
 * The demo of the README's quick start: examples/demo/toolgate.json and its policy, started the way `npm start`
 * starts them (here on port 0, with the state in a temporary folder), in front of server-everything. Each tool the
 * policy names behaves as the README says, and what the agent sees is shown in the README as it is, so that
 * neither the demo nor the README can change without the other.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectHttp,
  eventually,
  ROOT,
  startGatewayProcess,
  textOf,
  toolgate,
  type GatewayProcess,
} from './harness.js';

const DEMO_CONFIG = join(ROOT, 'examples/demo/toolgate.json');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

interface DemoConfig {
  state: { sqlite: string };
  policy: string;
  mcpServers: { everything: { cwd: string } };
}

/**
 * The demo config with its state in a fresh folder, so that a test run neither reads nor leaves the counters and
 * approvals of someone's demo; its other paths made absolute, since the copy lives elsewhere.
 */
function demoConfigCopy(overrides: Record<string, unknown> = {}): string {
  const demo = { ...(JSON.parse(readFileSync(DEMO_CONFIG, 'utf8')) as DemoConfig), ...overrides };
  const folder = mkdtempSync(join(tmpdir(), 'toolgate-demo-'));
  const demoFolder = dirname(DEMO_CONFIG);
  demo.state.sqlite = join(folder, 'state.db');
  demo.policy = resolve(demoFolder, demo.policy);
  demo.mcpServers.everything.cwd = resolve(demoFolder, demo.mcpServers.everything.cwd);
  const file = join(folder, 'toolgate.json');
  writeFileSync(file, JSON.stringify(demo, null, 2));
  return file;
}

/**
 * Asserts that the README shows `text` as the Inspector prints it (a JSON string), the parts that change from run
 * to run aside: the seconds to wait before a retry and approval ids.
 */
function expectReadmeShows(text: string): void {
  const varying: [RegExp, string][] = [
    [/Retry in [^.]+\./g, 'Retry in [^.]+\\.'],
    [/apr_[0-9a-f]+/g, 'apr_[0-9a-f]+'],
  ];
  let pattern = JSON.stringify(text);
  varying.forEach(([part], index) => (pattern = pattern.replace(part, `\u0000${index}\u0000`)));
  pattern = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  varying.forEach(([, regex], index) => (pattern = pattern.replaceAll(`\u0000${index}\u0000`, regex)));
  expect(new RegExp(pattern).test(README), `the README's quick start should show ${JSON.stringify(text)}`).toBe(true);
}

describe('the demo of the README quick start', () => {
  let config: string;
  let gateway: GatewayProcess;
  let client: Client;

  beforeAll(async () => {
    config = demoConfigCopy();
    gateway = await startGatewayProcess(config);
    client = await connectHttp(gateway.url);
  });

  afterAll(async () => {
    await client?.close();
    await gateway?.stop();
  });

  it('passes config check as shipped, its policy included', () => {
    expect(toolgate('config', 'check', DEMO_CONFIG)).toMatch(/^ok: .*1 server \(everything\)/);
    expect(toolgate('policy', 'check', join(ROOT, 'examples/demo/policy.json'))).toMatch(/^ok: /);
  });

  it('is the policy the README shows', () => {
    const quickStart = README.slice(README.indexOf('## Quick start'));
    const shown = /```json\n([\s\S]*?)```/.exec(quickStart)?.[1] ?? '';
    expect(JSON.parse(shown)).toEqual(JSON.parse(readFileSync(join(ROOT, 'examples/demo/policy.json'), 'utf8')));
  });

  it('lists every tool but the hidden get-env', async () => {
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toEqual(
      expect.arrayContaining(['everything__echo', 'everything__get-sum', 'everything__trigger-long-running-operation']),
    );
    expect(names).not.toContain('everything__get-env');
  });

  it('allows echo', async () => {
    const result = await client.callTool({ name: 'everything__echo', arguments: { message: 'hello' } });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe('Echo: hello');
    expectReadmeShows(textOf(result));
  });

  it('lets get-sum through three times, and refuses the fourth call with the time to retry', async () => {
    const sum = () => client.callTool({ name: 'everything__get-sum', arguments: { a: 2, b: 3 } });
    for (let call = 1; call <= 3; call++) expect(textOf(await sum())).toBe('The sum of 2 and 3 is 5.');
    const fourth = await sum();
    expect(fourth.isError).toBe(true);
    expect(textOf(fourth)).toMatch(
      /^\[RATE LIMITED\] Rate limit reached for tool "get-sum" on server "everything": at most 3 calls per minute per grant \(counter "rate_limit:get-sum"\)\. Retry in [^.]+\.$/,
    );
    expect(fourth._meta?.['toolgate/decision']).toMatchObject({
      code: 'GW_RATE_LIMITED',
      decisionId: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
      effect: 'deny',
      rule: '/tools/get-sum/rate_limit',
    });
    expectReadmeShows('The sum of 2 and 3 is 5.');
    expectReadmeShows(textOf(fourth));
  });

  it('answers a call to the hidden get-env exactly as a call to a tool that does not exist', async () => {
    await expect(client.callTool({ name: 'everything__get-env', arguments: {} })).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining('Unknown tool: everything__get-env'),
    });
    await expect(client.callTool({ name: 'everything__no-such-tool', arguments: {} })).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining('Unknown tool: everything__no-such-tool'),
    });
    const unknownTool = '{"code":-32602,"message":"Unknown tool: everything__get-env"}';
    expect(README.includes(unknownTool), `the README's quick start should show ${unknownTool}`).toBe(true);
  });

  it('holds trigger-long-running-operation until `toolgate approvals approve`, then runs it once', async () => {
    const call = client.callTool({
      name: 'everything__trigger-long-running-operation',
      arguments: { duration: 1, steps: 1 },
    });
    let id = '';
    await eventually(() => {
      id = /apr_[0-9a-f]+/.exec(toolgate('approvals', 'list', '--status', 'pending', '--config', config))?.[0] ?? '';
      expect(id).not.toBe('');
    });
    expect(toolgate('approvals', 'approve', id, '--config', config)).toContain(`Approved ${id}`);
    const result = await call;
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe('Long running operation completed. Duration: 1 seconds, Steps: 1.');
    expectReadmeShows(textOf(result));
  });

  it('tells the agent to retry when nobody decides in time, and runs the retry once it is approved', async () => {
    // The demo waits 30 s for a person; this copy does not wait, which changes nothing else the agent sees.
    const impatient = demoConfigCopy({ approvals: { waitMs: 0 } });
    const other = await startGatewayProcess(impatient);
    const agent = await connectHttp(other.url);
    try {
      const call = () =>
        agent.callTool({ name: 'everything__trigger-long-running-operation', arguments: { duration: 1, steps: 1 } });
      const pending = await call();
      expect(pending.isError).toBe(true);
      const id = (pending._meta?.['toolgate/approval'] as { id: string }).id;
      expect(textOf(pending)).toBe(
        `[APPROVAL PENDING] This call needs a person's approval (approval ${id}: Long-running operations need an operator's approval). It has not run. Retry the same call, with the same arguments, later: once approved it runs once.`,
      );
      expectReadmeShows(textOf(pending));
      toolgate('approvals', 'approve', id, '--config', impatient);
      expect(textOf(await call())).toBe('Long running operation completed. Duration: 1 seconds, Steps: 1.');
    } finally {
      await agent.close();
      await other.stop();
    }
  });

  it('refuses every tool the policy does not name, and says so', async () => {
    const result = await client.callTool({ name: 'everything__get-tiny-image', arguments: {} });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      '[POLICY DENIED] Tool "get-tiny-image" on server "everything" is not allowed by policy (default deny).',
    );
    expectReadmeShows(textOf(result));
  });

  it('leaves one audit record per call, with the decision the README names', async () => {
    await eventually(() => {
      const records = toolgate('audit', 'query', '--json', '--oldest-first', '--config', config)
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { method: string; decision: string; actor?: string });
      // Besides the calls, the approver's verdict from the CLI is an operator's change, with who made it.
      const verdicts = records.filter((record) => record.method === 'toolgate/operator');
      expect(verdicts.map((record) => record.decision)).toEqual(['approval_resolved']);
      expect(verdicts.every((record) => record.actor?.startsWith('cli:'))).toBe(true);
      const decisions = records.filter((record) => record.method === 'tools/call').map((record) => record.decision);
      expect(new Set(decisions)).toEqual(
        new Set(['allow', 'rate_limited', 'hide', 'unknown_tool', 'approved', 'deny']),
      );
    });
  });
});
