import { describe, expect, it } from 'vitest';
import { readableTime, relativeTime } from './readable-time.js';

describe('readableTime', () => {
  it('writes UTC to the second, with a space and a Z', () => {
    expect(readableTime(Date.UTC(2026, 11, 1, 21, 30, 5, 999))).toBe('2026-12-01 21:30:05Z');
  });
});

describe('relativeTime', () => {
  const now = Date.UTC(2026, 11, 1, 12);
  it('says how long ago or how soon, in the largest unit that gives at least 2', () => {
    expect(relativeTime(now - 300, now)).toBe('now');
    expect(relativeTime(now - 45_000, now)).toBe('45s ago');
    expect(relativeTime(now - 90_000, now)).toBe('90s ago');
    expect(relativeTime(now - 3 * 60_000 - 5000, now)).toBe('3m ago');
    expect(relativeTime(now + 4 * 60_000, now)).toBe('in 4m');
    expect(relativeTime(now - 5 * 3_600_000, now)).toBe('5h ago');
    expect(relativeTime(now - 3 * 86_400_000, now)).toBe('3d ago');
  });
});
