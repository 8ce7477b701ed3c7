import { describe, expect, it } from 'vitest';
import { createBody, fieldsOf, fileName, patchBody, serversText } from './grant-changes.js';
import type { GrantView } from './grant-view.js';

const GRANT: GrantView = {
  id: 'g1',
  label: 'support-bot',
  status: 'active',
  policy: '/etc/toolgate/support.json',
  servers: ['files', 'memory'],
  createdAt: '2026-01-01T00:00:00.000Z',
  rotatedAt: null,
  revokedAt: null,
};

describe('the grant form', () => {
  it('creates with what was filled in: no policy and every server are left out', () => {
    expect(createBody({ label: ' bot ', policy: '', servers: null })).toEqual({ label: 'bot' });
    expect(createBody({ label: 'bot', policy: '/p.json', servers: ['files'] })).toEqual({
      label: 'bot',
      policy: '/p.json',
      servers: ['files'],
    });
  });

  it('sends only what changed, and nothing when nothing did', () => {
    expect(patchBody(GRANT, fieldsOf(GRANT), false)).toEqual({});
    expect(patchBody(GRANT, { ...fieldsOf(GRANT), servers: ['memory', 'files'] }, false)).toEqual({});
    expect(patchBody(GRANT, { ...fieldsOf(GRANT), label: 'helpdesk' }, false)).toEqual({ label: 'helpdesk' });
    expect(patchBody(GRANT, { ...fieldsOf(GRANT), servers: null }, false)).toEqual({ servers: null });
    expect(patchBody(GRANT, { label: 'x', policy: '/other.json', servers: ['files'] }, false)).toEqual({
      label: 'x',
      policy: '/other.json',
      servers: ['files'],
    });
  });

  it('cannot take a policy away, only replace it (the API has no way to clear one)', () => {
    expect(patchBody(GRANT, { ...fieldsOf(GRANT), policy: '' }, false)).toEqual({});
  });

  it('lets a policy manager change only the policy', () => {
    expect(patchBody(GRANT, { label: 'x', policy: '/other.json', servers: null }, true)).toEqual({
      policy: '/other.json',
    });
    expect(patchBody(GRANT, { label: 'x', policy: GRANT.policy!, servers: null }, true)).toEqual({});
  });

  it('describes servers and policy files for the table', () => {
    expect(serversText(null)).toBe('All servers');
    expect(serversText([])).toBe('No servers');
    expect(serversText(['files', 'memory'])).toBe('files, memory');
    expect(fileName('/etc/toolgate/support.json')).toBe('support.json');
    expect(fileName('C:\\toolgate\\p.json')).toBe('p.json');
    expect(fileName('p.json')).toBe('p.json');
  });
});
