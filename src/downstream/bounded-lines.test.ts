import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { boundLines, MAX_PIECE_BYTES } from './bounded-lines.js';

/** Runs `chunks` through boundLines: what came out, the size of each piece, and the lines it dropped. */
async function through(chunks: string[], max: number) {
  const dropped: number[] = [];
  const pieces: Buffer[] = [];
  const stream = Readable.from(chunks.map((chunk) => Buffer.from(chunk))).pipe(
    boundLines(max, (bytes) => dropped.push(bytes)),
  );
  // As the SDK's stdio transport reads: one 'data' event per piece (an async iterator would join them).
  stream.on('data', (piece: Buffer) => pieces.push(piece));
  await new Promise((resolve) => stream.once('end', resolve));
  return { text: Buffer.concat(pieces).toString(), sizes: pieces.map((piece) => piece.length), dropped };
}

describe('boundLines', () => {
  it('passes lines within the bound as they came, however they are cut into chunks', async () => {
    expect((await through(['{"a":1}\n{"b"', ':2}\n', '{"c":3}\n'], 7)).text).toBe('{"a":1}\n{"b":2}\n{"c":3}\n');
  });

  it('drops a longer line, in one chunk or across many, and says how long it was', async () => {
    const result = await through(['ok\n', 'x'.repeat(5), 'x'.repeat(5), 'x'.repeat(5), '\nfine\n'], 8);
    // What was passed of the long line before it was found too long is ended with a newline, so it cannot join
    // the next message.
    expect(result.text).toBe('ok\nxxxxx\nfine\n');
    expect(result.dropped).toEqual([15]);
    expect(await through([`a\n${'y'.repeat(20)}\nb\n${'z'.repeat(9)}\nc\n`], 8)).toMatchObject({
      text: 'a\nb\nc\n',
      dropped: [20, 9],
    });
  });

  it('passes a line at the bound in pieces, and drops a longer one without holding it', async () => {
    const max = 2 * MAX_PIECE_BYTES;
    const result = await through(
      [`${'a'.repeat(max)}\n${'x'.repeat(3 * MAX_PIECE_BYTES)}`, 'x'.repeat(MAX_PIECE_BYTES), '\nend\n'],
      max,
    );
    expect(result.text).toBe(`${'a'.repeat(max)}\nend\n`);
    expect(result.dropped).toEqual([4 * MAX_PIECE_BYTES]);
    expect(Math.max(...result.sizes)).toBeLessThanOrEqual(MAX_PIECE_BYTES);
  });
});
