import { describe, expect, it } from 'vitest';
import { parseTimeBound } from './time-bound.js';

const NOW = Date.UTC(2026, 4, 1, 12, 0, 0);

describe('parseTimeBound', () => {
  it('reads ages as times before now', () => {
    expect(parseTimeBound('90s', NOW)).toBe(NOW - 90_000);
    expect(parseTimeBound('15m', NOW)).toBe(NOW - 15 * 60_000);
    expect(parseTimeBound('2h', NOW)).toBe(NOW - 2 * 3_600_000);
    expect(parseTimeBound('7d', NOW)).toBe(NOW - 7 * 86_400_000);
    expect(parseTimeBound('1w', NOW)).toBe(NOW - 7 * 86_400_000);
  });

  it('reads ISO 8601 dates and times', () => {
    expect(parseTimeBound('2026-05-01', NOW)).toBe(Date.UTC(2026, 4, 1));
    expect(parseTimeBound('2026-05-01T09:30:00Z', NOW)).toBe(Date.UTC(2026, 4, 1, 9, 30));
    expect(parseTimeBound('2026-05-01T09:30:00.250+02:00', NOW)).toBe(Date.UTC(2026, 4, 1, 7, 30, 0, 250));
  });

  it('says what it expected for anything else', () => {
    for (const text of ['yesterday', '15', '15 minutes', '2026-13-45', 'May 1, 2026', '-5m']) {
      expect(parseTimeBound(text, NOW)).toHaveProperty('error');
    }
  });
});
