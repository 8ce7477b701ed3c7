import { deserializeMessage, type JSONRPCMessage } from '@modelcontextprotocol/client';
import type { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { DiscardedMessage, oversizedAnswer } from './oversized-message.js';
import type { MessageBoundOptions } from './stream-message-bound.js';

/**
 * Bounds each line a stdio server writes, by replacing the read buffer of one `StdioClientTransport` instance (its
 * private `_readBuffer`, read and written by the transport only through `append`, `readMessage` and `clear`).
 *
 * The SDK's buffer (`ReadBuffer`, `@modelcontextprotocol/client` 2.4.0) copies everything unread on every chunk,
 * and when a line passes `maxBufferSize` it throws, and the transport closes: the server process is stopped and
 * every call in flight on it fails. Here a line over the bound is dropped as it arrives and, when it answers a
 * request, an error answer for that request takes its place (see DiscardedMessage), so only that request fails;
 * the process, and every other call, go on. Lines within the bound are parsed as the SDK parses them.
 *
 * The instance is patched rather than a subclass used, because the SDK probes a stdio server's protocol era on a
 * sibling process only for its own class. Throws when the field is missing (a later SDK renamed it): a bound that
 * silently stopped applying would be worse than a server that does not start.
 */
export function boundStdioReads(transport: StdioClientTransport, options: MessageBoundOptions): void {
  const fields = transport as unknown as { _readBuffer?: unknown };
  if (fields._readBuffer === undefined) {
    throw new Error('StdioClientTransport has no _readBuffer any more: see src/sdk-forks/README.md');
  }
  fields._readBuffer = new BoundedLineReader(options);
}

const LF = 0x0a;

/** Newline-delimited JSON-RPC, each line at most `maxBytes` (the line feed not counted). */
class BoundedLineReader {
  readonly #options: MessageBoundOptions;
  /** The line read so far, while it is within the bound. */
  #pieces: Buffer[] = [];
  #length = 0;
  /** The line being dropped, once it went over the bound. */
  #discarding: DiscardedMessage | undefined;
  /** Complete lines, and answers made for dropped ones, in order, waiting to be read. */
  #ready: (Buffer | JSONRPCMessage)[] = [];

  constructor(options: MessageBoundOptions) {
    this.#options = options;
  }

  append(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(LF, start);
      this.#add(chunk.subarray(start, newline === -1 ? chunk.length : newline));
      if (newline === -1) return;
      this.#endLine();
      start = newline + 1;
    }
  }

  /** The next message, or null when no complete line is waiting. Lines that are not JSON are skipped, as the SDK does. */
  readMessage(): JSONRPCMessage | null {
    for (;;) {
      const next = this.#ready.shift();
      if (next === undefined) return null;
      if (!Buffer.isBuffer(next)) return next;
      try {
        return deserializeMessage(next.toString('utf8').replace(/\r$/, ''));
      } catch (error) {
        if (!(error instanceof SyntaxError)) throw error;
      }
    }
  }

  clear(): void {
    this.#pieces = [];
    this.#length = 0;
    this.#discarding = undefined;
    this.#ready = [];
  }

  #add(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.#discarding) {
      this.#discarding.add(bytes);
      return;
    }
    if (this.#length + bytes.length <= this.#options.maxBytes) {
      this.#pieces.push(bytes);
      this.#length += bytes.length;
      return;
    }
    this.#discarding = new DiscardedMessage();
    for (const piece of this.#pieces) this.#discarding.add(piece);
    this.#discarding.add(bytes);
    this.#pieces = [];
    this.#length = 0;
  }

  #endLine(): void {
    const discarded = this.#discarding;
    if (!discarded) {
      if (this.#length > 0) {
        this.#ready.push(this.#pieces.length === 1 ? this.#pieces[0]! : Buffer.concat(this.#pieces, this.#length));
      }
      this.#pieces = [];
      this.#length = 0;
      return;
    }
    this.#discarding = undefined;
    const oversized = { bytes: discarded.bytes, maxBytes: this.#options.maxBytes };
    const answeredId = discarded.answeredId('json');
    this.#options.onDiscarded?.({ ...oversized, answeredId });
    if (answeredId !== undefined) this.#ready.push(oversizedAnswer(answeredId, oversized));
  }
}
