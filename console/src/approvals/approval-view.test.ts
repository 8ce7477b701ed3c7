import { describe, expect, it } from 'vitest';
import type { Approval } from './approvals-api.js';
import { announcement, countdownText, newlyPending, riskOf, splitApprovals } from './approval-view.js';

function approval(id: string, change: Partial<Approval> = {}): Approval {
  return {
    id,
    status: 'pending',
    grantId: 'g1',
    grantLabel: 'alice-laptop',
    serverId: 'fs',
    tool: 'write_file',
    arguments: {},
    hidden: [],
    rule: '/tools/write_file/action',
    reason: null,
    createdAt: 1_000,
    expiresAt: 301_000,
    decidedAt: null,
    decidedBy: null,
    decisionReason: null,
    consumedAt: null,
    ...change,
  };
}

describe('countdownText', () => {
  it.each([
    [300_000, '5 min 00 s left'],
    [245_000, '4 min 05 s left'],
    [59_001, '1 min 00 s left'],
    [59_000, '59 s left'],
    [1, '1 s left'],
    [0, 'expired'],
    [-5_000, 'expired'],
    [3_725_000, '1 h 02 min left'],
  ])('%i ms before expiry reads %s', (left, text) => {
    expect(countdownText(1_000_000 + left, 1_000_000)).toBe(text);
  });
});

describe('splitApprovals', () => {
  it('puts pending ones soonest to expire first, the rest most recently decided first', () => {
    const list = [
      approval('a', { expiresAt: 500 }),
      approval('b', { status: 'approved', decidedAt: 10 }),
      approval('c', { expiresAt: 100 }),
      approval('d', { status: 'expired', expiresAt: 50 }),
    ];
    const { pending, history } = splitApprovals(list);
    expect(pending.map((item) => item.id)).toEqual(['c', 'a']);
    expect(history.map((item) => item.id)).toEqual(['d', 'b']);
  });
});

it('riskOf joins the inventory by server and tool', () => {
  const tools = [
    { server: 'git', tool: 'write_file', risk: 'High' },
    { server: 'fs', tool: 'write_file', risk: 'Medium' },
  ];
  expect(riskOf(tools, 'fs', 'write_file')).toBe('Medium');
  expect(riskOf(tools, 'fs', 'gone')).toBeUndefined();
});

describe('announcements', () => {
  it('names only the requests that were not pending before', () => {
    const arrived = newlyPending(new Set(['a']), [approval('a'), approval('b'), approval('c', { status: 'denied' })]);
    expect(arrived.map((item) => item.id)).toEqual(['b']);
    expect(announcement(arrived)).toBe('New approval request: alice-laptop wants to call write_file on fs.');
  });
  it('counts several, and says nothing for none', () => {
    expect(announcement([approval('a'), approval('b', { grantLabel: null })])).toBe('2 new approval requests.');
    expect(announcement([approval('b', { grantLabel: null })])).toContain('a local caller');
    expect(announcement([])).toBe('');
  });
});
