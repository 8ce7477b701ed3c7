import { describe, expect, it } from 'vitest';
import { DEFAULT_REDACT_KEYS, REDACTED, separateSecrets } from '../audit/redact.js';
import { fillHidden, hiddenValuesOf } from './approval.js';

/** What an approver is shown, and what a reveal gives back, for `args`. */
function hideAndReveal(args: unknown, redactKeys: readonly string[] = DEFAULT_REDACT_KEYS) {
  const { masked, secrets } = separateSecrets(args, redactKeys);
  const hidden = hiddenValuesOf(secrets);
  // Through JSON, as the store keeps them.
  const stored = JSON.parse(JSON.stringify({ masked, hidden, values: secrets.map((s) => s.value) })) as {
    masked: unknown;
    hidden: typeof hidden;
    values: unknown[];
  };
  return {
    hidden: stored.hidden,
    shown: fillHidden(stored.masked, stored.hidden, () => '[hidden]'),
    revealed: fillHidden(stored.masked, stored.hidden, (index) => stored.values[index]),
  };
}

describe('hidden values', () => {
  it('mark every masked place, say why, and come back whole: nested, in arrays, by key or by path', () => {
    const args = {
      query: 'weather',
      auth: { apiToken: 'tok', nested: [{ password: 'pw' }, 'plain', ['x', { Secret: { deep: 1 } }]] },
      headers: { custom: 'listed by path' },
      [REDACTED]: REDACTED,
    };
    const { hidden, shown, revealed } = hideAndReveal(args, [...DEFAULT_REDACT_KEYS, 'args.headers.custom']);
    expect(hidden).toEqual([
      { path: 'args.auth.apiToken', at: ['auth', 'apiToken'], why: 'its key looks like a secret (it matches "token")' },
      { path: 'args.auth.nested[0].password', at: ['auth', 'nested', 0, 'password'], why: expect.any(String) },
      { path: 'args.auth.nested[2][1].Secret', at: ['auth', 'nested', 2, 1, 'Secret'], why: expect.any(String) },
      {
        path: 'args.headers.custom',
        at: ['headers', 'custom'],
        why: 'its path is listed as secret (args.headers.custom)',
      },
    ]);
    expect(shown).toEqual({
      query: 'weather',
      auth: { apiToken: '[hidden]', nested: [{ password: '[hidden]' }, 'plain', ['x', { Secret: '[hidden]' }]] },
      headers: { custom: '[hidden]' },
      // A value the agent wrote to look masked is not listed as hidden, and stays as sent.
      [REDACTED]: REDACTED,
    });
    expect(revealed).toEqual(args);
  });

  it('reveal what is nested too deep to read, whole, and keys such as "__proto__" as data', () => {
    let deep: unknown = { leaf: 'bottom' };
    for (let level = 0; level < 80; level++) deep = { next: deep };
    const args = JSON.parse(`{"__proto__": {"token": "t"}, "deep": ${JSON.stringify(deep)}}`) as unknown;
    const { hidden, shown, revealed } = hideAndReveal(args);
    expect(hidden.map((place) => place.why)).toEqual([
      expect.stringContaining('"token"'),
      'it is nested more than 64 levels deep',
    ]);
    expect(JSON.stringify(shown)).not.toContain('bottom');
    expect(revealed).toEqual(args);
    expect(Object.getPrototypeOf(revealed)).toBe(Object.prototype);
  });
});
