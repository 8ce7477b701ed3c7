import { ProtocolError, type JSONRPCMessage } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, describe, expect, it } from 'vitest';
import { oversizedOf } from '../../src/sdk-forks/oversized-message.js';
import { boundStdioReads } from '../../src/sdk-forks/stdio-read-bound.js';
import { StreamMessageBound, type Discarded } from '../../src/sdk-forks/stream-message-bound.js';

const BOUND = 200;
const pad = (n: number) => 'x'.repeat(n);
/** A response as TypeScript's SDK writes it (id last) and as Python's does (id first). */
const tsResult = (id: number, text: string) => `{"result":{"text":"${text}"},"jsonrpc":"2.0","id":${id}}`;
const pyResult = (id: number, text: string) => `{"jsonrpc":"2.0","id":${id},"result":{"text":"${text}"}}`;
const event = (data: string, end = '\n\n') => `event: message\ndata: ${data}${end}`;

/** Feeds `text` to a bound in pieces of `size` bytes and returns what it passed on, and what it dropped. */
function through(contentType: string, text: string, size: number): { out: string; discarded: Discarded[] } {
  const discarded: Discarded[] = [];
  const bound = new StreamMessageBound(contentType, { maxBytes: BOUND, onDiscarded: (d) => discarded.push(d) });
  const bytes = Buffer.from(text);
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(...bound.push(bytes.subarray(at, at + size)));
  out.push(...bound.end());
  return { out: Buffer.concat(out).toString(), discarded };
}

/** The JSON-RPC messages of an SSE stream, as the SDK's parser would read them (single-line data). */
function messagesOf(stream: string): JSONRPCMessage[] {
  return [...stream.matchAll(/^data: (.*)$/gm)].map((match) => JSON.parse(match[1]!) as JSONRPCMessage);
}

/** What the SDK's client makes of an error answer: the ProtocolError its request is rejected with. */
function rejectionOf(message: JSONRPCMessage): unknown {
  const { error } = message as { error: { code: number; message: string; data?: unknown } };
  return ProtocolError.fromError(error.code, error.message, error.data);
}

describe('StreamMessageBound on an SSE body', () => {
  it('passes events within the bound byte for byte, however the body is cut, in every line ending SSE allows', () => {
    const stream = [
      event(tsResult(1, 'a')),
      ': keep-alive\r\n\r\n',
      `id: 7\r\nevent: message\r\ndata: ${pyResult(2, 'b')}\r\n\r\n`,
      `data: ${tsResult(3, 'c')}\r\r`,
      `data: ${tsResult(4, 'd')}\n\r\n`,
      event(tsResult(5, pad(BOUND - 70))),
    ].join('');
    for (const size of [1, 2, 3, 7, 64, stream.length]) {
      expect(through('text/event-stream', stream, size)).toEqual({ out: stream, discarded: [] });
    }
  });

  it('passes each event on as soon as its blank line has arrived', () => {
    const events = [
      event(tsResult(1, 'a')),
      `data: ${pyResult(2, 'b')}\r\n\r\n`,
      `data: ${tsResult(3, 'c')}\r\r`,
      `data: ${tsResult(4, 'd')}\n\r\n`,
      `data: ${tsResult(5, 'e')}\r\n\n`,
      event(tsResult(6, 'f')),
    ];
    const bound = new StreamMessageBound('text/event-stream', { maxBytes: BOUND });
    let out = '';
    let sent = '';
    for (const each of events) {
      for (const byte of Buffer.from(each)) out += Buffer.concat(bound.push(Buffer.from([byte]))).toString();
      sent += each;
      // Everything sent so far is out, but for the LF of a CRLF that ended the last event (it may go with the next).
      expect(sent.startsWith(out)).toBe(true);
      expect(sent.slice(out.length)).toMatch(/^\n?$/);
    }
  });

  it('puts an error answer for the same request in place of an event over the bound, and passes the events after it', () => {
    for (const [big, id] of [
      [tsResult(41, pad(BOUND)), 41],
      [pyResult(42, pad(BOUND)), 42],
    ] as const) {
      const stream = event(tsResult(1, 'before')) + event(big) + event(tsResult(2, 'after'));
      for (const size of [1, 5, 64, stream.length]) {
        const { out, discarded } = through('text/event-stream; charset=utf-8', stream, size);
        const messages = messagesOf(out);
        expect(messages.map((m) => (m as { id: number }).id)).toEqual([1, id, 2]);
        expect(oversizedOf(rejectionOf(messages[1]!))).toEqual({ bytes: event(big).length, maxBytes: BOUND });
        expect(discarded).toEqual([{ bytes: event(big).length, maxBytes: BOUND, answeredId: id }]);
      }
    }
  });

  it('drops an event over the bound that answers no request: a notification, or a request from the server', () => {
    const notification = `{"jsonrpc":"2.0","method":"notifications/message","params":{"data":"${pad(BOUND)}"}}`;
    const request = `{"jsonrpc":"2.0","id":3,"method":"sampling/createMessage","params":{"p":"${pad(BOUND)}"}}`;
    const stream = event(notification) + event(request) + event(tsResult(2, 'after'));
    const { out, discarded } = through('text/event-stream', stream, 16);
    expect(out).toBe(event(tsResult(2, 'after')));
    expect(discarded.map((d) => d.answeredId)).toEqual([undefined, undefined]);
  });

  it('passes an event of exactly the bound, and drops one a byte longer', () => {
    const exact = event(tsResult(1, pad(BOUND - event(tsResult(1, '')).length)));
    expect(exact).toHaveLength(BOUND);
    expect(through('text/event-stream', exact, 9).out).toBe(exact);
    const over = event(tsResult(1, pad(BOUND + 1 - event(tsResult(1, '')).length)));
    expect(messagesOf(through('text/event-stream', over, 9).out)[0]).toMatchObject({ id: 1, error: {} });
  });
});

describe('StreamMessageBound on a JSON body', () => {
  it('passes a body within the bound whole, at its end', () => {
    const body = tsResult(1, pad(100));
    expect(through('application/json', body, 10)).toEqual({ out: body, discarded: [] });
  });

  it('answers in place of a body over the bound that is a response, and fails one that is not', () => {
    const { out } = through('application/json', tsResult(9, pad(BOUND)), 10);
    expect(JSON.parse(out)).toMatchObject({ jsonrpc: '2.0', id: 9, error: { code: -32603 } });
    expect(() => through('application/json', `[${pad(BOUND)}]`, 10)).toThrow(
      `terminated: the server sent a message larger than ${BOUND} bytes`,
    );
  });
});

describe('oversizedOf', () => {
  it('knows only the answers the bound made: a server that copies one gets its own error through', () => {
    const { out } = through('application/json', tsResult(9, pad(BOUND)), BOUND * 2);
    const made = JSON.parse(out) as JSONRPCMessage;
    // The bound's answer reaches the SDK as text here; over stdio it is handed over as an object. Both are its own.
    expect(oversizedOf(rejectionOf(made))).toEqual({ bytes: tsResult(9, pad(BOUND)).length, maxBytes: BOUND });
    const forged = { ...made, error: { ...(made as { error: object }).error, data: { 'toolgate/oversized': {} } } };
    expect(oversizedOf(rejectionOf(forged as JSONRPCMessage))).toBeUndefined();
  });
});

describe('boundStdioReads', () => {
  let transport: StdioClientTransport | undefined;
  afterEach(async () => {
    await transport?.close();
    transport = undefined;
  });

  it('answers in place of a line over the bound, and keeps reading the process that wrote it', async () => {
    const lines = [
      `{"jsonrpc":"2.0","method":"note","params":{"n":1}}`,
      'not json: skipped, as the SDK skips it',
      tsResult(5, pad(BOUND * 50)),
      `{"jsonrpc":"2.0","method":"note","params":{"n":2}}\r`,
    ];
    const script = `process.stdout.write(${JSON.stringify(lines.join('\n') + '\n')}); setInterval(() => {}, 1000);`;
    transport = new StdioClientTransport({ command: process.execPath, args: ['-e', script] });
    const discarded: Discarded[] = [];
    boundStdioReads(transport, { maxBytes: BOUND, onDiscarded: (d) => discarded.push(d) });
    const received: JSONRPCMessage[] = [];
    let closed = false;
    transport.onmessage = (message) => received.push(message);
    transport.onclose = () => (closed = true);
    await transport.start();

    await expect.poll(() => received.length).toBe(3);
    expect(received[0]).toEqual({ jsonrpc: '2.0', method: 'note', params: { n: 1 } });
    expect(oversizedOf(rejectionOf(received[1]!))).toEqual({ bytes: lines[2]!.length, maxBytes: BOUND });
    expect(received[1]).toMatchObject({ id: 5 });
    expect(received[2]).toEqual({ jsonrpc: '2.0', method: 'note', params: { n: 2 } });
    expect(discarded).toEqual([{ bytes: lines[2]!.length, maxBytes: BOUND, answeredId: 5 }]);
    expect(closed).toBe(false);
  });

  it('refuses a transport without the read buffer it replaces', () => {
    const bare = new StdioClientTransport({ command: process.execPath });
    delete (bare as unknown as { _readBuffer?: unknown })._readBuffer;
    expect(() => boundStdioReads(bare, { maxBytes: BOUND })).toThrow(/no _readBuffer/);
  });
});
