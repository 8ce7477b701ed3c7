import { Transform } from 'node:stream';
import { ErrorCode } from '../errors.js';
import { parseMessageText, type MessageRefusal } from './message-text.js';

const NEWLINE = 0x0a;

/** What `screenLines` needs: its bounds, and who to tell of a line it refused. */
export interface LineScreen {
  /** Longest line, newline not counted (listen.maxBodyBytes, the HTTP body's bound). */
  readonly maxLineBytes: number;
  readonly onRefused: (refusal: MessageRefusal, lineBytes: number) => void;
}

/**
 * The client's side of a stdio connection (newline-delimited JSON-RPC), screened line by line before the SDK's
 * transport reads it: each line that is a JSON-RPC message goes on whole, with its newline; each other line is
 * dropped and `onRefused` says why (see parseMessageText), so that the client can be answered (JSON-RPC 2.0 wants an answer to a
 * malformed request; the SDK's transport would drop it without one). A line longer than `maxLineBytes` is
 * dropped as it streams in, never held whole. Blank lines are skipped.
 */
export function screenLines({ maxLineBytes, onRefused }: LineScreen): Transform {
  /** The current line's bytes so far, from earlier chunks; emptied once the line is found too long. */
  let pieces: Buffer[] = [];
  let lineBytes = 0;
  let dropping = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      let start = 0;
      while (start < chunk.length) {
        const newline = chunk.indexOf(NEWLINE, start);
        const end = newline === -1 ? chunk.length : newline;
        lineBytes += end - start;
        if (!dropping && lineBytes > maxLineBytes) {
          dropping = true;
          pieces = [];
        }
        if (newline === -1) {
          if (!dropping) pieces.push(chunk.subarray(start));
          break;
        }
        if (dropping) {
          onRefused(tooLong(lineBytes, maxLineBytes), lineBytes);
        } else {
          // A line within one chunk goes on as a view of it, with its newline: no copy.
          const line =
            pieces.length === 0
              ? chunk.subarray(start, newline + 1)
              : Buffer.concat([...pieces, chunk.subarray(start, newline + 1)]);
          pass(this, line, lineBytes);
        }
        pieces = [];
        lineBytes = 0;
        dropping = false;
        start = newline + 1;
      }
      done();
    },
  });

  /** Sends a complete line on if it is a JSON-RPC message. */
  function pass(stream: Transform, line: Buffer, bytes: number): void {
    const text = line.toString('utf8');
    if (text.trim() === '') return;
    const parsed = parseMessageText(text, true);
    if ('body' in parsed) stream.push(line);
    else onRefused(parsed, bytes);
  }

  function tooLong(bytes: number, max: number): MessageRefusal {
    return {
      code: ErrorCode.PayloadTooLarge,
      message: `A message of ${bytes} bytes is over the ${max} Toolgate accepts (listen.maxBodyBytes): it was dropped.`,
      id: null,
    };
  }
}
