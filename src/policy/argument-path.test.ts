import { describe, expect, it } from 'vitest';
import { parseArgumentPath, readArgumentPath, type ArgumentPath } from './argument-path.js';

function path(text: string): ArgumentPath {
  const parsed = parseArgumentPath(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed;
}

describe('parseArgumentPath', () => {
  it('reads dotted keys, bracketed indexes and quoted keys', () => {
    expect(path('args').steps).toEqual([]);
    expect(path('args.amount').steps).toEqual([{ kind: 'key', key: 'amount' }]);
    expect(path('args.items[2].sku').steps).toEqual([
      { kind: 'key', key: 'items' },
      { kind: 'index', index: 2 },
      { kind: 'key', key: 'sku' },
    ]);
    expect(path('args.items.0').steps).toEqual([
      { kind: 'key', key: 'items' },
      { kind: 'key', key: '0' },
    ]);
    expect(path('args["odd.key"]["with \\"quote\\"]"]').steps).toEqual([
      { kind: 'key', key: 'odd.key' },
      { kind: 'key', key: 'with "quote"]' },
    ]);
  });

  it('refuses what is not a path into the arguments', () => {
    for (const text of [
      'amount',
      'arguments.x',
      'args.',
      'args..a',
      'args[x]',
      'args[-1]',
      'args["a"',
      'args["a"]x',
      'args.a[',
    ]) {
      expect(parseArgumentPath(text), text).toHaveProperty('error');
    }
    expect(parseArgumentPath('amount')).toEqual({ error: expect.stringContaining('paths start with "args"') });
  });
});

describe('readArgumentPath', () => {
  const args = { amount: 5, customer: { address: { country: 'FR' } }, items: [{ sku: 'a' }, { sku: 'b' }], none: null };

  it('follows nested keys and array indexes, both spellings', () => {
    expect(readArgumentPath(args, path('args.amount'))).toEqual({ found: true, value: 5 });
    expect(readArgumentPath(args, path('args.customer.address.country'))).toEqual({ found: true, value: 'FR' });
    expect(readArgumentPath(args, path('args.items[1].sku'))).toEqual({ found: true, value: 'b' });
    expect(readArgumentPath(args, path('args.items.0.sku'))).toEqual({ found: true, value: 'a' });
    expect(readArgumentPath(args, path('args.none'))).toEqual({ found: true, value: null });
    expect(readArgumentPath(args, path('args'))).toEqual({ found: true, value: args });
  });

  it('finds nothing where the arguments have nothing', () => {
    for (const text of [
      'args.missing',
      'args.amount.x',
      'args.items[2]',
      'args.items.x',
      'args.customer[0]',
      'args.none.x',
    ]) {
      expect(readArgumentPath(args, path(text)), text).toEqual({ found: false });
    }
  });

  it("never reads JavaScript's own properties", () => {
    for (const text of [
      'args.constructor',
      'args.__proto__',
      'args.toString',
      'args.items.length',
      'args.amount.toFixed',
    ]) {
      expect(readArgumentPath(args, path(text)), text).toEqual({ found: false });
    }
  });
});
