import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { screenLines } from './message-lines.js';
import type { MessageRefusal } from './message-text.js';

const ping = (id: number | string) => JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' });

/** Runs `chunks` through screenLines: the lines that came out, and what it refused. */
async function through(chunks: string[], maxLineBytes: number) {
  const refused: Array<MessageRefusal & { lineBytes: number }> = [];
  const pieces: Buffer[] = [];
  const stream = Readable.from(chunks.map((chunk) => Buffer.from(chunk))).pipe(
    screenLines({ maxLineBytes, onRefused: (refusal, lineBytes) => refused.push({ ...refusal, lineBytes }) }),
  );
  // As the SDK's stdio transport reads: one 'data' event per piece.
  stream.on('data', (piece: Buffer) => pieces.push(piece));
  await new Promise((resolve) => stream.once('end', resolve));
  return { lines: pieces.map((piece) => piece.toString()), refused };
}

describe('screenLines', () => {
  it('passes each message whole, with its newline, however it is cut into chunks', async () => {
    const [a, b] = [ping(1), ping('two')];
    const { lines, refused } = await through([`${a}\n${b.slice(0, 9)}`, b.slice(9, 20), `${b.slice(20)}\n\n  \n`], 100);
    expect(lines).toEqual([`${a}\n`, `${b}\n`]);
    expect(refused).toEqual([]);
  });

  it('refuses a line that is not JSON, or not JSON-RPC, with the id it can read, and goes on', async () => {
    const { lines, refused } = await through(
      ['not json\n', '{"jsonrpc":"2.0","id":"p","method":"tools/call","params":[]}\n', `${ping(3)}\n`],
      1000,
    );
    expect(lines).toEqual([`${ping(3)}\n`]);
    expect(refused.map(({ code, id }) => [code, id])).toEqual([
      ['GW_PARSE_ERROR', null],
      ['GW_BAD_REQUEST', 'p'],
    ]);
  });

  it('drops a line over the bound as it streams in, in one chunk or many, and says how long it was', async () => {
    const { lines, refused } = await through(
      [`${ping(1)}\n`, 'x'.repeat(50), 'x'.repeat(50), 'x'.repeat(50), `\n${ping(2)}\n`],
      ping(1).length,
    );
    expect(lines).toEqual([`${ping(1)}\n`, `${ping(2)}\n`]);
    expect(refused).toMatchObject([{ code: 'GW_PAYLOAD_TOO_LARGE', id: null, lineBytes: 150 }]);
  });
});
