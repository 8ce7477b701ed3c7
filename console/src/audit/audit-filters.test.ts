import { describe, expect, it } from 'vitest';
import {
  NO_FILTERS,
  apiFilter,
  auditHash,
  filtersFromQuery,
  filtersToQuery,
  fromLocalInput,
  hashQuery,
  queryString,
  toLocalInput,
  type AuditFilters,
} from './audit-filters.js';

describe('the hash query', () => {
  it('defaults to the last day, nothing else', () => {
    expect(filtersFromQuery('')).toEqual(NO_FILTERS);
    expect(filtersToQuery(NO_FILTERS)).toBe('');
    expect(auditHash(NO_FILTERS)).toBe('#/audit');
    expect(NO_FILTERS.range).toBe('24h');
  });

  it('round-trips every filter, including values with & and =', () => {
    const filters: AuditFilters = {
      grant: 'ci&runner=1',
      server: 'fs',
      tool: 'a/b',
      decisions: ['deny', 'approved'],
      range: 'custom',
      since: '2026-05-01T09:30:00.000Z',
      until: '2026-05-02T00:00:00.000Z',
    };
    const hash = auditHash(filters);
    expect(hash.startsWith('#/audit?')).toBe(true);
    expect(filtersFromQuery(hashQuery(hash))).toEqual(filters);
  });

  it('drops since/until unless the range is custom, and unknown ranges', () => {
    expect(filtersFromQuery('range=1h&since=2026-01-01T00:00:00Z')).toMatchObject({ range: '1h', since: '' });
    expect(filtersFromQuery('range=forever').range).toBe('24h');
    expect(filtersFromQuery('decision=deny,,%20allow').decisions).toEqual(['deny', 'allow']);
  });

  it('hashQuery takes what follows the ?', () => {
    expect(hashQuery('#/audit?tool=x')).toBe('tool=x');
    expect(hashQuery('#/audit')).toBe('');
  });
});

describe('the API query', () => {
  it('a preset is an age the API reads', () => {
    expect(apiFilter({ ...NO_FILTERS, range: '15m', tool: 'write_file', decisions: ['deny', 'hide'] })).toEqual({
      tool: 'write_file',
      decision: 'deny,hide',
      since: '15m',
    });
  });
  it('all time has no bound; custom has its own', () => {
    expect(apiFilter({ ...NO_FILTERS, range: 'all' })).toEqual({});
    expect(apiFilter({ ...NO_FILTERS, range: 'custom', until: '2026-05-02T00:00:00.000Z' })).toEqual({
      until: '2026-05-02T00:00:00.000Z',
    });
  });
  it('queryString encodes', () => {
    expect(queryString({ grant: 'a b', decision: 'deny,allow' })).toBe('grant=a+b&decision=deny%2Callow');
  });
});

describe('datetime-local fields', () => {
  it('round-trip a time to the minute, in local time', () => {
    const iso = '2026-05-01T09:30:00.000Z';
    expect(fromLocalInput(toLocalInput(iso))).toBe(iso);
    expect(toLocalInput(iso)).toMatch(/^2026-05-0[12]T\d\d:\d\d$/);
  });
  it('empty or bad is empty', () => {
    expect(toLocalInput('')).toBe('');
    expect(toLocalInput('nope')).toBe('');
    expect(fromLocalInput('')).toBe('');
    expect(fromLocalInput('nope')).toBe('');
  });
});
