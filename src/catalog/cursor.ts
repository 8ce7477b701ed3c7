/**
 * The gateway's own pagination cursors. Servers' cursors are opaque and mean nothing across servers, so the
 * gateway lists every server in full and pages through the merged list itself. A cursor is the offset of the
 * next page, encoded so that clients treat it as opaque.
 */

const PREFIX = 'tg1.';

/** Encodes the offset of the next page. */
export function encodeCursor(offset: number): string {
  return PREFIX + Buffer.from(String(offset)).toString('base64url');
}

/** Decodes a cursor; `undefined` when the cursor is not one the gateway issued. */
export function decodeCursor(cursor: string): number | undefined {
  if (!cursor.startsWith(PREFIX)) return undefined;
  const text = Buffer.from(cursor.slice(PREFIX.length), 'base64url').toString();
  if (!/^(0|[1-9][0-9]{0,9})$/.test(text)) return undefined;
  return Number(text);
}

/** One page of `items` starting at the cursor's offset, with the cursor of the next page if there is one. */
export function paginate<T>(
  items: readonly T[],
  cursor: string | undefined,
  pageSize: number,
): { page: readonly T[]; nextCursor?: string } | undefined {
  const offset = cursor === undefined ? 0 : decodeCursor(cursor);
  if (offset === undefined || offset > items.length) return undefined;
  const end = offset + pageSize;
  const page = items.slice(offset, end);
  return end < items.length ? { page, nextCursor: encodeCursor(end) } : { page };
}
