import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, paginate } from './cursor.js';

describe('cursors', () => {
  it('round-trips an offset', () => {
    expect(decodeCursor(encodeCursor(0))).toBe(0);
    expect(decodeCursor(encodeCursor(12345))).toBe(12345);
  });

  it('rejects cursors it did not issue', () => {
    expect(decodeCursor('abc')).toBeUndefined();
    expect(decodeCursor('tg1.' + Buffer.from('-1').toString('base64url'))).toBeUndefined();
    expect(decodeCursor('tg1.' + Buffer.from('01').toString('base64url'))).toBeUndefined();
  });

  it('pages through a list and ends without a cursor', () => {
    const items = ['a', 'b', 'c', 'd', 'e'];
    const first = paginate(items, undefined, 2)!;
    expect(first.page).toEqual(['a', 'b']);
    const second = paginate(items, first.nextCursor, 2)!;
    expect(second.page).toEqual(['c', 'd']);
    const third = paginate(items, second.nextCursor, 2)!;
    expect(third).toEqual({ page: ['e'] });
    expect(paginate(items, encodeCursor(6), 2)).toBeUndefined();
  });
});
