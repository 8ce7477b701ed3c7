import { describe, expect, it } from 'vitest';
import { DECISION_GROUPS, TAIL_OVERLAP_MS, mergeNewer, tailSince, whoOf, type AuditJson } from './audit-records.js';

function record(decisionId: string, time: number, change: Partial<AuditJson> = {}): AuditJson {
  return {
    time,
    timeIso: new Date(time).toISOString(),
    decisionId,
    requestId: null,
    grantId: null,
    grantLabel: 'alice',
    session: '',
    method: 'tools/call',
    serverId: 'fs',
    tool: 'read_file',
    decision: 'allow',
    rule: '',
    message: null,
    policyRevision: null,
    approvalId: null,
    shadowed: null,
    argumentKeys: [],
    gatewayLatencyMs: 0,
    serverLatencyMs: null,
    outcome: 'ok',
    ...change,
  };
}

it('filters by every decision the gateway records', async () => {
  // Imported by a computed name, out of the type checker's sight: the module uses Node's crypto, which the console's type check (DOM only) lacks.
  const gatewayModule = new URL('../../../src/audit/audit-record.ts', import.meta.url).href;
  const { AUDIT_DECISIONS } = (await import(/* @vite-ignore */ gatewayModule)) as {
    AUDIT_DECISIONS: readonly string[];
  };
  expect(AUDIT_DECISIONS.length).toBeGreaterThan(20);
  expect(DECISION_GROUPS.flatMap((group) => group.decisions).sort()).toEqual([...AUDIT_DECISIONS].sort());
});

it('names the operator of an operator record, else the grant', () => {
  expect(whoOf({ method: 'toolgate/operator', actor: 'bob', grantLabel: null })).toBe('bob');
  expect(whoOf({ method: 'tools/call', grantLabel: 'ci' })).toBe('ci');
  expect(whoOf({ method: 'tools/call', grantLabel: null })).toBe('local caller');
});

describe('mergeNewer', () => {
  const shown = [record('B', 200), record('A', 100)];
  it('adds only records not shown, newest first', () => {
    const { records, added } = mergeNewer(shown, [record('A', 100), record('C', 300), record('D', 150)], 10);
    expect(records.map((item) => item.decisionId)).toEqual(['C', 'B', 'D', 'A']);
    expect(added).toBe(2);
  });
  it('keeps at most cap, dropping the oldest', () => {
    expect(mergeNewer(shown, [record('C', 300)], 2).records.map((item) => item.decisionId)).toEqual(['C', 'B']);
  });
  it('nothing new changes nothing', () => {
    expect(mergeNewer(shown, [record('B', 200)], 10)).toEqual({ records: shown, added: 0 });
  });
});

it('the tail asks from a while before the newest record shown', () => {
  expect(tailSince([record('A', TAIL_OVERLAP_MS + 5_000), record('B', 1)], 0)).toBe(new Date(5_000).toISOString());
  expect(tailSince([], TAIL_OVERLAP_MS)).toBe(new Date(0).toISOString());
});
