import { describe, expect, it } from 'vitest';
import { sampleRecord } from '../../test/contract/audit-sink.contract.js';
import { newDecisionId, toAuditJson, toAuditJsonLine } from './audit-record.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

describe('newDecisionId', () => {
  it('is 26 characters of Crockford base32, its first 10 the time', () => {
    const time = Date.now() + 1_000_000;
    const id = newDecisionId(time);
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    const decoded = [...id.slice(0, 10)].reduce((sum, char) => sum * 32 + ALPHABET.indexOf(char), 0);
    expect(decoded).toBe(time);
  });

  it('sorts as text in the order ids are made, within one millisecond too', () => {
    const base = Date.now() + 2_000_000;
    const ids = [
      ...Array.from({ length: 1000 }, () => newDecisionId(base)),
      ...Array.from({ length: 10 }, (_, index) => newDecisionId(base + 1 + index)),
    ];
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('stays ordered when the clock steps back', () => {
    const later = newDecisionId(Date.now() + 3_000_000);
    expect(newDecisionId(Date.now()) > later).toBe(true);
  });
});

describe('toAuditJson', () => {
  it('puts the ISO time next to the epoch time and keeps every field', () => {
    const record = sampleRecord({ time: Date.UTC(2026, 4, 1, 9, 30) });
    const json = toAuditJson(record);
    expect(Object.keys(json).slice(0, 2)).toEqual(['time', 'timeIso']);
    expect(json.timeIso).toBe('2026-05-01T09:30:00.000Z');
    const { timeIso: _, ...rest } = JSON.parse(toAuditJsonLine(record)) as Record<string, unknown>;
    expect(rest).toEqual(record);
  });
});
