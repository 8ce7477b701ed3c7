/**
 * The audit trail and the metrics through the gateway: every exit path of a tool call writes exactly one record,
 * readable with `toolgate audit`, and the same calls show in `/metrics`.
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureCommand } from '../fixtures/spawn-fixture.js';
import { connectHttp, eventually, startGatewayProcess, writeConfig, type GatewayProcess, toolgate } from './harness.js';

interface AuditLine {
  tool: string;
  server: string | null;
  decision: string;
  outcome: string;
  rule: string | null;
  requestId: string | null;
  argumentKeys: string[];
  arguments?: unknown;
  serverLatencyMs: number | null;
  gatewayLatencyMs: number;
  grant: string | null;
  policyRevision: string | null;
}

describe('the audit trail through the gateway', () => {
  let config: string;
  let gateway: GatewayProcess;
  let client: Client;

  const audit = (...args: string[]): AuditLine[] =>
    toolgate('audit', ...args, '--config', config)
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as AuditLine);

  beforeAll(async () => {
    config = writeConfig(
      {
        mcpServers: { alpha: { ...fixtureCommand('fixture-server.ts', ['--name', 'alpha']), timeoutMs: 1000 } },
        audit: { arguments: 'values', flushMs: 50 },
        approvals: { waitMs: 300 },
      },
      {
        version: '1',
        default: 'deny',
        hide: ['whoami'],
        tools: {
          add: { limits: [{ counter: 'adds', window: 'minute', max: 1, scope: 'global' }] },
          echo: {},
          soft_fail: {},
          fail: {},
          hang: {},
          slow: { action: 'require_approval', reason: 'Slow things need a person.' },
        },
      },
    );
    gateway = await startGatewayProcess(config);
    client = await connectHttp(gateway.url);
  });

  afterAll(async () => {
    await client?.close();
    await gateway?.stop();
  });

  it('writes exactly one record for each way a call can end', async () => {
    const calls: [string, Record<string, unknown>][] = [
      ['alpha__add', { a: 1, b: 2 }],
      ['alpha__add', { a: 3, b: 4 }],
      ['alpha__big', { kb: 1 }],
      ['alpha__whoami', {}],
      ['alpha__nothing_here', {}],
      ['alpha__fail', {}],
      ['alpha__hang', {}],
      ['alpha__slow', { ms: 10 }],
      ['alpha__echo', { text: 'hi', password: 'hunter2' }],
    ];
    for (const [name, args] of calls) await client.callTool({ name, arguments: args }).catch(() => undefined);

    let records: AuditLine[] = [];
    await eventually(() => {
      records = audit('query', '--json', '--oldest-first');
      expect(records).toHaveLength(calls.length);
    });
    const summary = records.map((r) => [r.tool, r.decision, r.outcome]);
    expect(summary).toEqual([
      ['add', 'allow', 'ok'],
      ['add', 'rate_limited', 'refused'],
      ['big', 'deny', 'refused'],
      ['whoami', 'hide', 'refused'],
      ['alpha__nothing_here', 'unknown_tool', 'refused'],
      ['fail', 'allow', 'server_error'],
      ['hang', 'allow', 'timeout'],
      ['slow', 'require_approval', 'refused'],
      ['echo', 'allow', 'ok'],
    ]);
    expect(records[1]!.rule).toBe('/tools/add/limits/0');
    expect(records[2]!.rule).toBe('(default deny)');
    expect(records[0]!.serverLatencyMs).toEqual(expect.any(Number));
    expect(records[2]!.serverLatencyMs).toBeNull();
    expect(records[0]!.policyRevision).toMatch(/^[0-9a-f]{12}$/);
    expect(records.every((r) => r.requestId !== null && r.gatewayLatencyMs >= 0)).toBe(true);
    const echo = records[8]!;
    expect(echo.argumentKeys).toEqual(['text', 'password']);
    expect(echo.arguments).toEqual({ text: 'hi', password: '[redacted]' });
    expect(JSON.stringify(records)).not.toContain('hunter2');

    expect(
      audit('query', '--json', '--decision', 'deny,hide')
        .map((r) => r.tool)
        .sort(),
    ).toEqual(['big', 'whoami']);
    expect(
      audit('export', '--tool', 'add')
        .map((r) => r.decision)
        .sort(),
    ).toEqual(['allow', 'rate_limited']);
  });

  it('shows the same calls, the servers and the pending approvals in /metrics', async () => {
    const text = await (await fetch(gateway.url.replace(/\/mcp$/, '/metrics'))).text();
    expect(text).toMatch(
      /toolgate_tool_calls_total\{decision="rate_limited",outcome="refused",server="alpha",tool="add"\} 1/,
    );
    expect(text).toMatch(/toolgate_tool_calls_total\{decision="unknown_tool",outcome="refused",server="",tool=""\} 1/);
    expect(text).toMatch(/toolgate_server_up\{server="alpha"\} 1/);
    expect(text).toMatch(/toolgate_approvals_pending 1/);
    expect(text).toMatch(/toolgate_gateway_overhead_seconds_count \d+/);
    expect(text).toMatch(/toolgate_server_request_seconds_count\{server="alpha"\} \d+/);
  });

  it('answers /readyz once every server has been tried', async () => {
    const response = await fetch(gateway.url.replace(/\/mcp$/, '/readyz'));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ready' });
  });

  it('loses nothing on a clean shutdown', async () => {
    await client.callTool({ name: 'alpha__echo', arguments: { text: 'last words' } });
    await client.close();
    await gateway.stop();
    expect(audit('query', '--json', '--tool', 'echo')).toHaveLength(2);
    gateway = await startGatewayProcess(config);
    client = await connectHttp(gateway.url);
  });
});
