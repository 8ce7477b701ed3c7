import { Transform } from 'node:stream';

const NEWLINE = 0x0a;
/** The most this passes on at once: with a line's start already buffered downstream, it bounds that buffer too. */
export const MAX_PIECE_BYTES = 64 * 1024;

/**
 * Newline-delimited messages (the stdio transport's framing) with a bound on each line: a line longer than
 * `maxLineBytes` is dropped as it streams in, never held whole, and `onDropped` is told once it has ended. What
 * came before the line was found too long has been passed on already: a newline is passed after it, so that the
 * reader sees a cut line (which does not parse) and then the next message. The bytes of lines within the bound go
 * through as they came, without copies.
 */
export function boundLines(maxLineBytes: number, onDropped: (lineBytes: number) => void): Transform {
  /** Bytes of the current line so far, in the chunks before this one (the newline not counted). */
  let lineBytes = 0;
  let dropping = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      /** Where the bytes to pass on start: the chunk's bytes from here on are passed on unless a line is dropped. */
      let keptFrom = dropping ? -1 : 0;
      let start = 0;
      while (start < chunk.length) {
        const newline = chunk.indexOf(NEWLINE, start);
        const end = newline === -1 ? chunk.length : newline;
        if (!dropping && lineBytes + (end - start) > maxLineBytes) {
          pushPieces(this, chunk.subarray(keptFrom, start));
          // Ends what was passed on of the line, so that the reader drops it rather than joining it to the next.
          if (lineBytes > 0) this.push(Buffer.from('\n'));
          dropping = true;
          keptFrom = -1;
        }
        lineBytes += end - start;
        if (newline === -1) break;
        if (dropping) {
          onDropped(lineBytes);
          dropping = false;
          keptFrom = newline + 1;
        }
        lineBytes = 0;
        start = newline + 1;
      }
      if (keptFrom !== -1) pushPieces(this, chunk.subarray(keptFrom));
      done();
    },
  });
}

function pushPieces(stream: Transform, bytes: Buffer): void {
  for (let at = 0; at < bytes.length; at += MAX_PIECE_BYTES) stream.push(bytes.subarray(at, at + MAX_PIECE_BYTES));
}
