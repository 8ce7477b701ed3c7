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

  it('refuses a grant’s 21st pending approval at once, while another grant and the local operator can still ask', async () => {
    const held = { version: '1', default: 'allow', tools: { echo: { action: 'require_approval' } } };
    // waitMs 0: each held call is answered "pending" at once, so that approvals pile up without waiting.
    gateway = await startInProcessGateway({ policy: held, approvals: { waitMs: 0 } });
    const file = gateway.policy(held);
    const ci = await gateway.connect(grant(file));
    const echo = (client: Client, text: string) => client.callTool({ name: 'mem__echo', arguments: { text } });
    for (let index = 0; index < 20; index++) {
      expect(textOf(await echo(ci, `call ${index}`))).toMatch(/^\[APPROVAL PENDING\]/);
    }
    const refused = await echo(ci, 'call 20');
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(
      /^\[TOO MANY PENDING APPROVALS\] The grant "ci" already has 20 approvals pending.*approvals\.maxPendingPerGrant.*has not run/,
    );
    expect(decisionOf(refused)).toMatchObject({ code: 'GW_TOO_MANY_PENDING_APPROVALS', maxPending: 20 });
    expect(refused._meta?.['toolgate/approval']).toBeUndefined();
    expect(gateway.records.at(-1)).toMatchObject({
      grantLabel: 'ci',
      decision: 'require_approval',
      outcome: 'refused',
      approvalId: null,
    });
    // A retry of a call already pending opens no new approval: it is answered as before.
    expect(textOf(await echo(ci, 'call 3'))).toMatch(/^\[APPROVAL PENDING\]/);
    // Each grant, and the local operator, has a bound of its own.
    const other = await gateway.connect({
      via: 'grant',
      id: 'fedcba9876543210',
      label: 'other',
      policy: file,
      servers: null,
    });
    expect(textOf(await echo(other, 'call 20'))).toMatch(/^\[APPROVAL PENDING\]/);
    const local = await gateway.connect();
    expect(textOf(await echo(local, 'call 20'))).toMatch(/^\[APPROVAL PENDING\]/);
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

  it('refuses a name or URI over its bound before looking it up, on every route, and audits a bounded prefix', async () => {
    gateway = await startInProcessGateway();
    const client = await gateway.connect();
    const refusal = (what: string, length: number, limit: number, key: string) => ({
      code: -32602,
      message: `The ${what} is ${length} characters long, more than the ${limit} Toolgate accepts (listen.${key}).`,
      data: { code: 'GW_INVALID_PARAMS', decisionId: expect.any(String) },
    });
    const toolName = `mem__${'x'.repeat(100_000)}`;
    await expect(client.callTool({ name: toolName, arguments: {} })).rejects.toMatchObject(
      refusal('tool name', toolName.length, 256, 'maxNameLength'),
    );
    await expect(client.getPrompt({ name: `mem__${'p'.repeat(300)}` })).rejects.toMatchObject(
      refusal('prompt name', 305, 256, 'maxNameLength'),
    );
    await expect(client.readResource({ uri: `mem://${'r'.repeat(5000)}` })).rejects.toMatchObject(
      refusal('resource URI', 5006, 4096, 'maxUriLength'),
    );
    await expect(
      client.complete({
        ref: { type: 'ref/prompt', name: `mem__${'p'.repeat(300)}` },
        argument: { name: 'a', value: '' },
      }),
    ).rejects.toMatchObject(refusal('prompt name', 305, 256, 'maxNameLength'));
    // Within its bound, a name is looked up, and kept whole.
    const longest = `mem__${'y'.repeat(251)}`;
    await expect(client.callTool({ name: longest, arguments: {} })).rejects.toMatchObject({
      data: { code: 'GW_UNKNOWN_TOOL' },
    });

    expect(gateway.records.map((record) => [record.method, record.decision, record.outcome, record.serverId])).toEqual([
      ['tools/call', 'undecided', 'refused', null],
      ['prompts/get', 'undecided', 'refused', null],
      ['resources/read', 'undecided', 'refused', null],
      ['completion/complete', 'undecided', 'refused', null],
      ['tools/call', 'unknown_tool', 'refused', null],
    ]);
    expect(gateway.records.map((record) => record.tool)).toEqual([
      `mem__${'x'.repeat(251)}…`,
      `mem__${'p'.repeat(251)}…`,
      `mem://${'r'.repeat(4090)}…`,
      `mem__${'p'.repeat(251)}…`,
      longest,
    ]);
    expect(gateway.records[0]?.message).toBe(
      `The tool name is ${toolName.length} characters long, more than the 256 Toolgate accepts (listen.maxNameLength).`,
    );
  });

  it('refuses arguments nested deeper than listen.maxArgumentDepth, audited as its refusal, never forwarded', async () => {
    gateway = await startInProcessGateway();
    const client = await gateway.connect();
    const nested = (depth: number): Record<string, unknown> => {
      let value: Record<string, unknown> = { text: 'deep' };
      for (let level = 1; level < depth; level++) value = { a: value };
      return value;
    };
    const refused = {
      code: -32602,
      message:
        'params.arguments is nested more than 64 levels deep, the most Toolgate accepts (listen.maxArgumentDepth). The call was not forwarded.',
      data: { code: 'GW_INVALID_PARAMS', decisionId: expect.any(String) },
    };
    // The arguments object is level 1: 64 levels pass, 65 do not, and 100,000 are refused as calmly.
    expect(textOf(await client.callTool({ name: 'mem__echo', arguments: nested(64) }))).toBe('echo: ');
    await expect(client.callTool({ name: 'mem__echo', arguments: nested(65) })).rejects.toMatchObject(refused);
    await expect(client.callTool({ name: 'mem__echo', arguments: nested(100_000) })).rejects.toMatchObject(refused);
    // The SDK itself refuses a prompt's arguments that are not strings; what else a request carries is bounded too.
    await expect(client.getPrompt({ name: 'mem__greet', _meta: nested(65) })).rejects.toMatchObject({
      ...refused,
      message: refused.message.replace('params.arguments', 'params._meta'),
    });
    expect(gateway.records.map((record) => [record.decision, record.outcome, record.serverLatencyMs === null])).toEqual(
      [
        ['unrestricted', 'ok', false],
        ['undecided', 'refused', true],
        ['undecided', 'refused', true],
        ['undecided', 'refused', true],
      ],
    );
  });
});
