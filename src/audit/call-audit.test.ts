import { ProtocolError } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { GatewayError, GatewayErrorCode } from '../errors.js';
import type { AllowDecision, Decision } from '../policy/decide.js';
import type { AuditRecord } from './audit-record.js';
import type { AuditSink } from './audit-sink.js';
import { CallAudit, DEFAULT_AUDIT_SETTINGS, type AuditSettings, type CallClock } from './call-audit.js';

/** A sink that keeps what is written, and a clock the test moves by hand. */
function setup(settings: AuditSettings = DEFAULT_AUDIT_SETTINGS) {
  const written: AuditRecord[] = [];
  const sink: AuditSink = {
    write: (record) => written.push(record),
    flush: async () => undefined,
    close: async () => undefined,
    stats: () => ({ written: written.length, pending: 0, dropped: 0, failedBatches: 0 }),
  };
  let elapsed = 1000;
  const clock: CallClock = { now: () => Date.UTC(2026, 4, 1), elapsed: () => elapsed };
  const start = (args: unknown = { repo: 'a/b', token: 'secret' }) =>
    new CallAudit(
      sink,
      settings,
      { requestId: 7, grant: { id: 'g1', label: 'ci' }, session: 's1', tool: 'github__create_issue', arguments: args },
      clock,
    );
  return { written, start, advance: (ms: number) => (elapsed += ms) };
}

const allow: AllowDecision = {
  effect: 'allow',
  shadow: false,
  serverId: 'github',
  tool: 'create_issue',
  rule: '/tools/create_issue',
  message: 'Tool create_issue is allowed by policy.',
  policyRevision: 'rev1',
  charges: [],
  enforceLimits: true,
};

describe('CallAudit', () => {
  it('records an allowed, forwarded call: who, what, the decision, both latencies, ok', async () => {
    const { written, start, advance } = setup();
    const audit = start();
    audit.routed('github', 'create_issue');
    advance(2);
    audit.decided(allow);
    const result = await audit.forward(async () => {
      advance(30);
      return { content: [] };
    });
    advance(1);
    audit.succeeded(result);
    expect(written).toEqual([
      {
        time: Date.UTC(2026, 4, 1),
        requestId: '7',
        decisionId: audit.decisionId,
        grantId: 'g1',
        grant: 'ci',
        session: 's1',
        server: 'github',
        tool: 'create_issue',
        decision: 'allow',
        rule: '/tools/create_issue',
        message: 'Tool create_issue is allowed by policy.',
        policyRevision: 'rev1',
        approvalId: null,
        shadowed: null,
        argumentKeys: ['repo', 'token'],
        gatewayLatencyMs: 3,
        serverLatencyMs: 30,
        outcome: 'ok',
      },
    ]);
  });

  it('keeps redacted values only when configured', async () => {
    const { written, start } = setup({ arguments: 'values', redact: ['token'] });
    const audit = start();
    audit.unrestricted();
    audit.succeeded(await audit.forward(async () => ({ content: [], isError: true })));
    expect(written[0]).toMatchObject({
      decision: 'unrestricted',
      arguments: { repo: 'a/b', token: '[redacted]' },
      redacted: ['args.token'],
      outcome: 'tool_error',
    });
    expect(setup().start().decisionId).toMatch(/^[0-9A-Z]{26}$/);
  });

  it('records a refusal the gateway answered itself as refused, with the last decision', () => {
    const { written, start } = setup();
    const audit = start();
    audit.routed('github', 'create_issue');
    audit.decided(allow);
    const lostRace: Decision = {
      ...allow,
      effect: 'deny',
      cause: 'limit',
      rule: '/all_tools/limits/0',
      message: 'Rate limit reached',
      counterKey: 'c@global',
      retryAfterMs: 500,
    };
    audit.decided(lostRace);
    audit.succeeded({ content: [], isError: true });
    expect(written[0]).toMatchObject({
      decision: 'rate_limited',
      rule: '/all_tools/limits/0',
      outcome: 'refused',
      serverLatencyMs: null,
    });
  });

  it('records hidden and unknown tools, answered with an error, as refused', () => {
    const { written, start } = setup();
    const hidden = start();
    hidden.routed('github', 'delete_repo');
    hidden.decided({ ...allow, effect: 'hide', rule: '(hidden)', message: 'hidden' });
    hidden.failed(new ProtocolError(-32602, 'Unknown tool'));
    const unknown = start();
    unknown.unknownTool();
    unknown.failed(new ProtocolError(-32602, 'Unknown tool'));
    expect(written.map((record) => [record.decision, record.outcome, record.server, record.tool])).toEqual([
      ['hide', 'refused', 'github', 'delete_repo'],
      ['unknown_tool', 'refused', null, 'github__create_issue'],
    ]);
  });

  it('records the server’s failures with their outcome and message', async () => {
    const { written, start } = setup();
    for (const error of [
      new GatewayError(GatewayErrorCode.ServerTimeout, 'Server "github" did not answer in time'),
      new ProtocolError(-32000, 'server says no'),
    ]) {
      const audit = start();
      audit.decided(allow);
      await audit
        .forward(() => Promise.reject(error))
        .catch((thrown: unknown) => audit.failed(thrown, new AbortController().signal));
    }
    expect(written.map((record) => [record.outcome, record.message])).toEqual([
      ['timeout', 'Server "github" did not answer in time'],
      ['server_error', 'server says no'],
    ]);
  });

  it('records a failure before any decision as undecided, and a cancelled call as cancelled', () => {
    const { written, start } = setup();
    start().failed(new Error('catalog broke'));
    const cancelled = new AbortController();
    cancelled.abort();
    const audit = start();
    audit.decided(allow);
    audit.failed(new Error('aborted'), cancelled.signal);
    expect(written.map((record) => [record.decision, record.outcome, record.message])).toEqual([
      ['undecided', 'gateway_error', 'catalog broke'],
      ['allow', 'cancelled', 'aborted'],
    ]);
  });

  it('records approvals, leaving the wait for a person out of the gateway latency', async () => {
    const { written, start, advance } = setup();
    const audit = start();
    audit.decided({
      ...allow,
      effect: 'require_approval',
      rule: '/tools/create_issue',
      reason: null,
      approver: 'operator',
    });
    await audit.approvalWait(async () => advance(60_000));
    audit.approval('approved', 'apr_1');
    await audit.forward(async () => advance(10));
    audit.succeeded({ content: [] });
    const pending = start();
    pending.decided({ ...allow, effect: 'require_approval', reason: null, approver: 'operator' });
    pending.approval('pending', 'apr_2');
    pending.succeeded({ content: [], isError: true });
    expect(written.map((record) => [record.decision, record.approvalId, record.outcome])).toEqual([
      ['approved', 'apr_1', 'ok'],
      ['require_approval', 'apr_2', 'refused'],
    ]);
    expect(written[0]).toMatchObject({ gatewayLatencyMs: 0, serverLatencyMs: 10, rule: '/tools/create_issue' });
  });

  it('records shadow mode’s allow with what enforcement would have decided', () => {
    const { written, start } = setup();
    const audit = start();
    const denied = { ...allow, effect: 'deny', cause: 'deny_if', rule: '/tools/x/deny_if/0' } as const;
    audit.decided({ ...allow, shadow: true, charges: [], shadowed: denied });
    audit.succeeded({ content: [] });
    expect(written[0]).toMatchObject({ decision: 'allow', shadowed: { decision: 'deny', rule: '/tools/x/deny_if/0' } });
  });

  it('writes one record however many times it is ended', () => {
    const { written, start } = setup();
    const audit = start();
    audit.unrestricted();
    audit.succeeded({ content: [] });
    audit.failed(new Error('late'));
    audit.succeeded({ content: [] });
    expect(written).toHaveLength(1);
  });
});
