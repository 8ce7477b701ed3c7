import { randomUUID } from 'node:crypto';
import { ProtocolError, ProtocolErrorCode, type JSONRPCErrorResponse } from '@modelcontextprotocol/client';

/**
 * A server's message larger than its bound (`maxResultBytes`) is discarded as it arrives, never held whole. When it
 * is the answer to a request, that one request must still fail at once, and say why, while the connection and every
 * other request on it go on: so the bounded readers put an error answer for the same request id in its place,
 * which the SDK's client delivers to that request like any other answer.
 *
 * The id is found without parsing the message: a response starts with `"result"` or `"error"` (after `"jsonrpc"`
 * and `"id"`, in any order of those two), and its id is either before that key or the last key of the object.
 * Python's SDK writes `{"jsonrpc","id","result"}`, TypeScript's `{"result","jsonrpc","id"}`; so the first and the
 * last bytes of the message are kept, and the rest is dropped. A message that is not a response (a notification,
 * a request from the server), or whose id is elsewhere, has no answer made for it: it is dropped, and a request
 * it answered waits for its timeout.
 */
export class DiscardedMessage {
  /** Bytes seen, all told. */
  bytes = 0;
  readonly #head: Buffer[] = [];
  #headBytes = 0;
  #tail: Buffer = Buffer.alloc(0);

  add(bytes: Buffer): void {
    this.bytes += bytes.length;
    if (this.#headBytes < HEAD_BYTES) {
      const taken = bytes.subarray(0, HEAD_BYTES - this.#headBytes);
      this.#head.push(Buffer.from(taken));
      this.#headBytes += taken.length;
    }
    // Copied, not sliced: a slice would keep the whole chunk it came from alive.
    this.#tail =
      bytes.length >= TAIL_BYTES
        ? Buffer.from(bytes.subarray(bytes.length - TAIL_BYTES))
        : Buffer.concat([this.#tail, bytes]).subarray(-TAIL_BYTES);
  }

  /**
   * The id of the request this message answers, when it is a JSON-RPC response with a numeric id at either end
   * (the gateway's requests have numeric ids). `framing` says whether the JSON is the whole message (a stdio line,
   * an HTTP body) or the `data:` of an SSE event.
   */
  answeredId(framing: 'json' | 'sse'): number | undefined {
    let head = Buffer.concat(this.#head).toString('latin1');
    if (framing === 'sse') {
      const data = SSE_DATA.exec(head);
      if (!data) return undefined;
      head = head.slice(data.index + data[0].length);
    }
    const start = RESPONSE_START.exec(head);
    if (!start) return undefined;
    const id = start[1] ?? ID_AT_END.exec(this.#tail.toString('latin1'))?.[1];
    return id === undefined ? undefined : Number(id);
  }
}

/** How much of a discarded message's start and end is kept to find its id. */
const HEAD_BYTES = 1024;
const TAIL_BYTES = 256;
/** Where an SSE event's data begins: a `data:` field at the start of a line. */
const SSE_DATA = /(?:^|[\r\n])data: ?/;
/** The start of a JSON-RPC response: `jsonrpc` and `id` in any order, then `result` or `error`; group 1 the id. */
const RESPONSE_START =
  /^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?(?:"id"\s*:\s*(\d{1,15})\s*,\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?)?"(?:result|error)"\s*:/;
/** A top-level `"id"` that is the object's last key: it is followed by the one brace that closes the message. */
const ID_AT_END = /[,{]\s*"id"\s*:\s*(\d{1,15})\s*\}\s*$/;

/**
 * A key only this process knows, so that a server cannot forge the answer the readers make: a server's own error,
 * whatever it says, is the server's and passes through as such.
 */
const OVERSIZED = `toolgate/oversized/${randomUUID()}`;

/** How big a discarded message was, and the bound it broke. */
export interface Oversized {
  readonly bytes: number;
  readonly maxBytes: number;
}

/** The error answer put in place of a discarded response to request `id`. */
export function oversizedAnswer(id: number, oversized: Oversized): JSONRPCErrorResponse {
  return {
    jsonrpc: '2.0',
    id,
    error: {
      code: ProtocolErrorCode.InternalError,
      message: `The server's answer was ${oversized.bytes} bytes, more than the bound of ${oversized.maxBytes}`,
      data: { [OVERSIZED]: { bytes: oversized.bytes, maxBytes: oversized.maxBytes } },
    },
  };
}

/** The bound a request's failure broke, when it failed because its answer was discarded (see oversizedAnswer). */
export function oversizedOf(error: unknown): Oversized | undefined {
  if (!(error instanceof ProtocolError)) return undefined;
  const data = error.data as Record<string, Oversized | undefined> | undefined;
  return typeof data === 'object' && data !== null ? data[OVERSIZED] : undefined;
}
