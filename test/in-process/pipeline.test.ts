import type { Client } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/grants/principal.js';
import { startInProcessGateway, type InProcessGateway } from './in-process-gateway.js';

let gateway: InProcessGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

function textOf(result: Awaited<ReturnType<Client['callTool']>>): string {
  return (result.content as { text: string }[])[0]!.text;
}

function decisionOf(result: { _meta?: Record<string, unknown> }): Record<string, unknown> {
  return result._meta?.['toolgate/decision'] as Record<string, unknown>;
}

function grant(policy: string | null, servers: string[] | null = null): Principal {
  return { via: 'grant', id: '0123456789abcdef', label: 'ci', policy, servers };
}

describe('the tool-call pipeline, in one process', () => {
  it('forwards an allowed call untouched, and writes one audit record', async () => {
    gateway = await startInProcessGateway();
    const client = await gateway.connect();
    const result = await client.callTool({ name: 'mem__echo', arguments: { text: 'hi' } });
    // The server's answer comes back untouched: its record is found by the request id and session.
    expect(result).toEqual({ content: [{ type: 'text', text: 'echo: hi' }] });
    expect(gateway.records).toHaveLength(1);
    expect(gateway.records[0]).toMatchObject({
      requestId: expect.stringMatching(/^\d+$/),
      method: 'tools/call',
      serverId: 'mem',
      tool: 'echo',
      decision: 'unrestricted',
      outcome: 'ok',
      grantLabel: null,
    });
  });

  it('refuses by policy with a result the model reads and a stable code', async () => {
    gateway = await startInProcessGateway();
    const file = gateway.policy({ version: '1', default: 'deny', tools: { echo: { action: 'allow' } } });
    const client = await gateway.connect(grant(file));
    const refused = await client.callTool({ name: 'mem__flaky', arguments: {} });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/^\[POLICY DENIED\] /);
    expect(decisionOf(refused)).toMatchObject({ code: 'GW_POLICY_DENIED', effect: 'deny', rule: '(default deny)' });
    expect(gateway.records.at(-1)).toMatchObject({
      decisionId: decisionOf(refused).decisionId,
      grantLabel: 'ci',
      decision: 'deny',
      outcome: 'refused',
      serverLatencyMs: null,
    });
  });

  it('refuses a call over its limit with GW_RATE_LIMITED, and lets it through once the window moves on', async () => {
    gateway = await startInProcessGateway();
    const file = gateway.policy({
      version: '1',
      default: 'allow',
      tools: { echo: { limits: [{ counter: 'echoes', max: 2, window: 'minute', scope: 'grant' }] } },
    });
    const client = await gateway.connect(grant(file));
    const echo = () => client.callTool({ name: 'mem__echo', arguments: { text: 'x' } });
    expect((await echo()).isError).toBeFalsy();
    expect((await echo()).isError).toBeFalsy();
    const third = await echo();
    expect(textOf(third)).toMatch(/^\[RATE LIMITED\] .*Retry in 1 min\./);
    expect(decisionOf(third)).toMatchObject({ code: 'GW_RATE_LIMITED', retryAfterMs: 60_000 });
    expect(gateway.records.at(-1)).toMatchObject({ decision: 'rate_limited', outcome: 'refused' });
    gateway.clock.advance(60_001);
    expect((await echo()).isError).toBeFalsy();
  });

  it('keeps quota when the server answers with a JSON-RPC error: the server received the call', async () => {
    gateway = await startInProcessGateway();
    const file = gateway.policy({
      version: '1',
      default: 'allow',
      all_tools: { limits: [{ counter: 'calls', max: 2, window: 'minute', scope: 'grant' }] },
    });
    const client = await gateway.connect(grant(file));
    // Both the JSON-RPC error and the tool error count: the third call is one too many.
    await expect(client.callTool({ name: 'mem__fail', arguments: { text: 'no' } })).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining('fail: no'),
    });
    expect(gateway.records.at(-1)).toMatchObject({ decision: 'allow', outcome: 'server_error' });
    expect((await client.callTool({ name: 'mem__flaky', arguments: {} })).isError).toBe(true);
    expect(gateway.records.at(-1)).toMatchObject({ outcome: 'tool_error' });
    expect(textOf(await client.callTool({ name: 'mem__echo', arguments: {} }))).toMatch(/^\[RATE LIMITED\]/);
  });

  it('answers a hidden tool exactly as one that does not exist, and audits both', async () => {
    gateway = await startInProcessGateway();
    const file = gateway.policy({ version: '1', default: 'allow', hide: ['flaky', 'remember', 'recall', 'quit'] });
    const client = await gateway.connect(grant(file));
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['mem__echo', 'mem__fail']);
    const hidden = await client.callTool({ name: 'mem__flaky', arguments: {} }).catch((error: unknown) => error);
    const missing = await client.callTool({ name: 'mem__nope', arguments: {} }).catch((error: unknown) => error);
    for (const [error, name] of [
      [hidden, 'mem__flaky'],
      [missing, 'mem__nope'],
    ] as const) {
      expect(error).toMatchObject({ code: -32602, message: `Unknown tool: ${name}` });
      expect((error as { data: object }).data).toEqual({ code: 'GW_UNKNOWN_TOOL', decisionId: expect.any(String) });
    }
    expect(gateway.records.map((record) => [record.decision, record.outcome])).toEqual([
      ['hide', 'refused'],
      ['unknown_tool', 'refused'],
    ]);
  });

  it('shows a grant only its servers: the others do not exist for it', async () => {
    gateway = await startInProcessGateway();
    const client = await gateway.connect(grant(null, ['elsewhere']));
    expect((await client.listTools()).tools).toEqual([]);
    await expect(client.callTool({ name: 'mem__echo', arguments: {} })).rejects.toMatchObject({ code: -32602 });
    await expect(client.readResource({ uri: 'mem://readme' })).rejects.toMatchObject({ code: -32602 });
    expect(gateway.records.map((record) => [record.method, record.decision])).toEqual([
      ['tools/call', 'unknown_tool'],
      ['resources/read', 'unknown_tool'],
    ]);
  });

  it('records who approved a held call: the person at the client, through elicitation', async () => {
    gateway = await startInProcessGateway();
    const file = gateway.policy({
      version: '1',
      default: 'allow',
      tools: { echo: { action: 'require_approval', approver: 'client' } },
    });
    const client = await gateway.connect(grant(file), { elicitation: { form: {} } });
    let asked = 0;
    client.setRequestHandler('elicitation/create', async () => {
      asked++;
      return { action: 'accept', content: {} };
    });
    expect(textOf(await client.callTool({ name: 'mem__echo', arguments: { text: 'ok' } }))).toBe('echo: ok');
    expect(asked).toBe(1);
    expect(gateway.records.at(-1)).toMatchObject({
      decision: 'approved',
      message: 'Approved by the person at the client.',
      outcome: 'ok',
    });
  });

  it('denies everything to a grant without a policy', async () => {
    gateway = await startInProcessGateway();
    const client = await gateway.connect(grant(null));
    const refused = await client.callTool({ name: 'mem__echo', arguments: {} });
    expect(decisionOf(refused)).toMatchObject({ code: 'GW_POLICY_DENIED', rule: '(no policy)' });
  });

  it('audits prompts/get and resources/read, with their method', async () => {
    gateway = await startInProcessGateway();
    const client = await gateway.connect();
    expect((await client.getPrompt({ name: 'mem__greet' })).messages).toHaveLength(1);
    expect((await client.readResource({ uri: 'mem://readme' })).contents).toEqual([
      { uri: 'mem://readme', text: 'read me' },
    ]);
    await expect(client.getPrompt({ name: 'mem__nope' })).rejects.toMatchObject({ code: -32602 });
    expect(gateway.records.map((record) => [record.method, record.tool, record.decision, record.outcome])).toEqual([
      ['prompts/get', 'greet', 'allow', 'ok'],
      ['resources/read', 'mem://readme', 'allow', 'ok'],
      ['prompts/get', 'mem__nope', 'unknown_tool', 'refused'],
    ]);
  });
});
