import { describe, expect, it } from 'vitest';
import { DEFAULT_REDACT_KEYS, REDACTED, argumentKeys, redactArguments, redactKeyProblems } from './redact.js';

const values = (redactKeys: readonly string[] = DEFAULT_REDACT_KEYS) => ({ include: true, redactKeys });

describe('argumentKeys', () => {
  it('lists the top-level keys in the order sent, and none for anything but an object', () => {
    expect(argumentKeys({ b: 1, a: { c: 2 } })).toEqual(['b', 'a']);
    expect(argumentKeys(undefined)).toEqual([]);
    expect(argumentKeys([1, 2])).toEqual([]);
    expect(argumentKeys('text')).toEqual([]);
  });
});

describe('redactArguments', () => {
  it('keeps no values unless asked to', () => {
    expect(redactArguments({ password: 'x', a: 1 }, { include: false, redactKeys: [] })).toEqual({
      value: undefined,
      redacted: [],
    });
  });

  it('redacts default secret keys at any depth, in arrays too, and lists their paths', () => {
    const args = {
      query: 'weather',
      password: 'hunter2',
      auth: { Authorization: 'Bearer abc', nested: [{ api_key: 'k1' }, { note: 'fine' }] },
    };
    const { value, redacted } = redactArguments(args, values());
    expect(value).toEqual({
      query: 'weather',
      password: REDACTED,
      auth: { Authorization: REDACTED, nested: [{ api_key: REDACTED }, { note: 'fine' }] },
    });
    expect(redacted).toEqual(['args.password', 'args.auth.Authorization', 'args.auth.nested[0].api_key']);
  });

  it('matches key names without case, dashes or underscores, and by suffix', () => {
    const args = { access_token: 1, githubToken: 2, 'X-Api-Key': 3, apiKey: 4, client_secret: 5, max_tokens: 6 };
    const { value, redacted } = redactArguments(args, values());
    expect(value).toEqual({
      access_token: REDACTED,
      githubToken: REDACTED,
      'X-Api-Key': REDACTED,
      apiKey: REDACTED,
      client_secret: REDACTED,
      max_tokens: 6,
    });
    expect(redacted).toHaveLength(5);
  });

  it('redacts a whole subtree under a matching key', () => {
    const { value, redacted } = redactArguments({ credentials: { user: 'u', pass: 'p' } }, values());
    expect(value).toEqual({ credentials: REDACTED });
    expect(redacted).toEqual(['args.credentials']);
  });

  it('redacts exactly the place an argument path names', () => {
    const args = { card: { number: '4242', cvc: '123' }, items: [{ code: 'a' }, { code: 'b' }], code: 'top' };
    const { value, redacted } = redactArguments(args, values(['args.card.number', 'args.items[1].code', 'args.CVC']));
    expect(value).toEqual({
      card: { number: REDACTED, cvc: '123' },
      items: [{ code: 'a' }, { code: REDACTED }],
      code: 'top',
    });
    expect(redacted).toEqual(['args.card.number', 'args.items[1].code']);
  });

  it('compares path keys without case, and takes a dotted number as an array index', () => {
    const { value } = redactArguments(
      { Card: { Number: '4242' }, list: ['a', 'b'] },
      values(['args.card.number', 'args.list.0']),
    );
    expect(value).toEqual({ Card: { Number: REDACTED }, list: [REDACTED, 'b'] });
  });

  it('names odd keys in quotes', () => {
    const { redacted } = redactArguments({ 'a.b': { token: 1 } }, values());
    expect(redacted).toEqual(['args["a.b"].token']);
  });

  it('never mutates the arguments, and keeps "__proto__" as a plain key', () => {
    const args = JSON.parse('{"__proto__": {"password": "p"}, "x": {"secret": "s"}}') as Record<string, unknown>;
    const before = JSON.stringify(args);
    const { value } = redactArguments(args, values());
    expect(JSON.stringify(args)).toBe(before);
    expect(JSON.stringify(value)).toBe('{"__proto__":{"password":"[redacted]"},"x":{"secret":"[redacted]"}}');
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it('passes scalars and arrays at the top through', () => {
    expect(redactArguments('plain', values()).value).toBe('plain');
    expect(redactArguments([{ token: 1 }], values()).value).toEqual([{ token: REDACTED }]);
  });

  it('redacts whole what is nested too deep to inspect', () => {
    let deep: unknown = { password: 'p' };
    for (let index = 0; index < 100; index++) deep = { d: deep };
    const { value, redacted } = redactArguments(deep, values());
    expect(JSON.stringify(value)).not.toContain('"p"');
    expect(redacted).toHaveLength(1);
  });

  it('honours an entry that is not a valid path as a key name, and ignores names that name nothing', () => {
    expect(redactArguments({ 'args.[x': 1, y: 2 }, values(['args.[x', '_', ''])).value).toEqual({
      'args.[x': REDACTED,
      y: 2,
    });
  });
});

describe('redactKeyProblems', () => {
  it('reports broken paths and empty names, and accepts the defaults', () => {
    expect(redactKeyProblems(DEFAULT_REDACT_KEYS)).toEqual([]);
    expect(redactKeyProblems(['args.ok', 'args.[x', '-'])).toHaveLength(2);
  });
});
