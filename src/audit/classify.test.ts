import { ProtocolError } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { GatewayError, GatewayErrorCode } from '../errors.js';
import type { Decision } from '../policy/decide.js';
import { auditDecisionOf, outcomeOfError, outcomeOfResult } from './classify.js';

const base = { serverId: 's', tool: 't', rule: '/tools/t', message: 'm', policyRevision: 'r' } as const;

describe('auditDecisionOf', () => {
  it('names each policy decision in the audit trail’s words', () => {
    const deny = { ...base, effect: 'deny', shadow: false, cause: 'deny_if' } as const;
    const limit = { ...deny, cause: 'limit', counterKey: 'c@global', retryAfterMs: 1000 } as const;
    const cases: [Decision, string][] = [
      [{ ...base, effect: 'allow', shadow: false, charges: [], enforceLimits: true }, 'allow'],
      [deny, 'deny'],
      [limit, 'rate_limited'],
      [{ ...base, effect: 'hide', shadow: false }, 'hide'],
      [{ ...base, effect: 'allow', shadow: true, charges: [], shadowed: limit }, 'allow'],
    ];
    for (const [decision, word] of cases) expect(auditDecisionOf(decision)).toBe(word);
  });
});

describe('outcomeOfResult / outcomeOfError', () => {
  it('tells a tool’s failure from success', () => {
    expect(outcomeOfResult({ content: [] })).toBe('ok');
    expect(outcomeOfResult({ content: [], isError: true })).toBe('tool_error');
  });

  it('classifies what forwarding throws', () => {
    const gateway = (code: GatewayErrorCode) => new GatewayError(code, 'x');
    expect(outcomeOfError(gateway(GatewayErrorCode.ServerUnavailable))).toBe('server_unavailable');
    expect(outcomeOfError(gateway(GatewayErrorCode.ServerTimeout))).toBe('timeout');
    expect(outcomeOfError(gateway(GatewayErrorCode.ServerFailed))).toBe('server_failed');
    expect(outcomeOfError(gateway(GatewayErrorCode.Internal))).toBe('gateway_error');
    expect(outcomeOfError(new ProtocolError(-32602, 'bad'))).toBe('server_error');
    expect(outcomeOfError({ code: -32000, message: 'raw' })).toBe('server_error');
    expect(outcomeOfError(new TypeError('bug'))).toBe('gateway_error');
    const abort = new Error('aborted');
    abort.name = 'AbortError';
    expect(outcomeOfError(abort)).toBe('cancelled');
    const controller = new AbortController();
    controller.abort();
    expect(outcomeOfError(gateway(GatewayErrorCode.ServerFailed), controller.signal)).toBe('cancelled');
  });
});
