import { DiscardedMessage, oversizedAnswer, type Oversized } from './oversized-message.js';

/** A message a bound discarded: its size, and the request it answered, if that could be told. */
export interface Discarded extends Oversized {
  readonly answeredId: number | undefined;
}

/** What a bounded reader needs: its bound, and whom to tell of a message it discarded (for the log). */
export interface MessageBoundOptions {
  readonly maxBytes: number;
  readonly onDiscarded?: (discarded: Discarded) => void;
}

/**
 * Bounds the messages of one HTTP response body as its bytes arrive: each SSE event of a `text/event-stream`
 * body, or the whole of any other body (a JSON response is one message). A message within the bound passes on
 * whole, in order; bytes are only re-chunked, never changed. A message over the bound is dropped as it arrives
 * (see DiscardedMessage): an answer to a request is replaced by an error answer for the same request, so that
 * request fails at once and the stream, and the session, go on. A whole body over the bound that answers no
 * request it can name fails the body (`terminated: …`), as a broken connection would.
 *
 * Holding a message until it is complete costs no latency that matters: the SDK's parser cannot use part of an
 * event either.
 */
export class StreamMessageBound {
  readonly #options: MessageBoundOptions;
  readonly #framing: 'sse' | 'json';
  /** Where the SSE events end (undefined for a body that is one message). */
  readonly #eventEnds: EventEnds | undefined;
  /** The message read so far, while it is within the bound. */
  #held: Buffer[] = [];
  #heldBytes = 0;
  /** The message being dropped, once it went over the bound. */
  #discarding: DiscardedMessage | undefined;

  /** `contentType`: the response's; `text/event-stream` is read as events, anything else as one message. */
  constructor(contentType: string | null | undefined, options: MessageBoundOptions) {
    this.#options = options;
    this.#framing = /^\s*text\/event-stream\s*(?:;|$)/i.test(contentType ?? '') ? 'sse' : 'json';
    this.#eventEnds = this.#framing === 'sse' ? new EventEnds() : undefined;
  }

  /** The bytes to pass on for `chunk`: complete messages only. */
  push(chunk: Buffer): Buffer[] {
    if (!this.#eventEnds) {
      this.#add(chunk);
      return [];
    }
    const out: Buffer[] = [];
    let start = 0;
    for (const end of this.#eventEnds.scan(chunk)) {
      this.#add(chunk.subarray(start, end));
      this.#endMessage(out);
      start = end;
    }
    if (start < chunk.length) this.#add(chunk.subarray(start));
    return out;
  }

  /** The bytes to pass on when the body ends; throws when a body over the bound has nothing to be replaced by. */
  end(): Buffer[] {
    const out: Buffer[] = [];
    this.#endMessage(out);
    return out;
  }

  #add(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.#discarding) {
      this.#discarding.add(bytes);
      return;
    }
    if (this.#heldBytes + bytes.length <= this.#options.maxBytes) {
      this.#held.push(bytes);
      this.#heldBytes += bytes.length;
      return;
    }
    this.#discarding = new DiscardedMessage();
    for (const held of this.#held) this.#discarding.add(held);
    this.#discarding.add(bytes);
    this.#held = [];
    this.#heldBytes = 0;
  }

  #endMessage(out: Buffer[]): void {
    const discarded = this.#discarding;
    if (!discarded) {
      if (this.#heldBytes > 0) out.push(this.#held.length === 1 ? this.#held[0]! : Buffer.concat(this.#held));
      this.#held = [];
      this.#heldBytes = 0;
      return;
    }
    this.#discarding = undefined;
    const oversized = { bytes: discarded.bytes, maxBytes: this.#options.maxBytes };
    const answeredId = discarded.answeredId(this.#framing);
    this.#options.onDiscarded?.({ ...oversized, answeredId });
    if (answeredId === undefined) {
      if (this.#framing === 'json') {
        throw new TypeError(`terminated: the server sent a message larger than ${oversized.maxBytes} bytes`);
      }
      return;
    }
    const answer = JSON.stringify(oversizedAnswer(answeredId, oversized));
    out.push(Buffer.from(this.#framing === 'sse' ? `event: message\ndata: ${answer}\n\n` : answer));
  }
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Finds where SSE events end in a byte stream cut into chunks anywhere: an event ends with an empty line, and a
 * line ends with CRLF, LF or CR (the SSE grammar), so every way of writing the blank line is seen, across chunks.
 */
class EventEnds {
  /** The next byte starts a line. */
  #atLineStart = true;
  /** The last byte was a CR: an LF right after it ends the same line. */
  #afterCr = false;

  /** The offsets in `chunk` just after each event's end. */
  scan(chunk: Buffer): number[] {
    const ends: number[] = [];
    let nextLf = chunk.indexOf(LF);
    let nextCr = chunk.indexOf(CR);
    let at = 0;
    while (nextLf !== -1 || nextCr !== -1) {
      const i = nextCr === -1 || (nextLf !== -1 && nextLf < nextCr) ? nextLf : nextCr;
      if (i > at) {
        // Other bytes first: the terminator at i ends a line that is not empty.
        this.#atLineStart = false;
        this.#afterCr = false;
      }
      const isCr = chunk[i] === CR;
      if (!isCr && this.#afterCr) {
        this.#afterCr = false;
      } else {
        if (this.#atLineStart) ends.push(i + 1);
        this.#atLineStart = true;
        this.#afterCr = isCr;
      }
      at = i + 1;
      if (isCr) nextCr = chunk.indexOf(CR, at);
      else nextLf = chunk.indexOf(LF, at);
    }
    if (at < chunk.length) {
      this.#atLineStart = false;
      this.#afterCr = false;
    }
    return ends;
  }
}

/**
 * A `fetch` whose response bodies are bounded by StreamMessageBound, for a transport whose fetch is given as an
 * option but is not createNodeFetch (the legacy SSE transport, whose EventSource needs redirects followed).
 */
export function boundedFetch(fetchImpl: typeof fetch, options: MessageBoundOptions): typeof fetch {
  return async (input, init) => {
    const response = await fetchImpl(input, init);
    if (!response.body) return response;
    const bound = new StreamMessageBound(response.headers.get('content-type'), options);
    const body = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          for (const bytes of bound.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))) {
            controller.enqueue(bytes);
          }
        },
        flush(controller) {
          for (const bytes of bound.end()) controller.enqueue(bytes);
        },
      }),
    );
    const bounded = new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
    // EventSource reads these to follow redirects; a new Response has neither.
    Object.defineProperties(bounded, {
      url: { value: response.url },
      redirected: { value: response.redirected },
    });
    return bounded;
  };
}
