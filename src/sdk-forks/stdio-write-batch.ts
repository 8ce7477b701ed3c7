import type { ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import type { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { Transport } from '@modelcontextprotocol/server';
import type { StdioServerTransport } from '@modelcontextprotocol/server/stdio';

/**
 * Makes an SDK stdio transport write every message sent in one turn of the event loop in one system call. The
 * SDK's stdio transports write each message on its own; with many calls in flight, those writes were an eighth of
 * the gateway's CPU per call (see README.md here). The stream is corked on the turn's first send and uncorked once
 * the turn's I/O callbacks have run (`setImmediate`), so no message waits for a timer and their order is unchanged.
 *
 * The patch replaces `transport.send` on this one instance, before the transport is started; nothing else of the
 * transport changes.
 *
 * - A `StdioServerTransport` (the gateway serving a stdio client) writes to `stdout`, the stream it was given
 *   (process.stdout by default): pass the same one.
 * - A `StdioClientTransport` (the gateway's connection to a stdio server) writes to its child's stdin, which
 *   exists only while the child runs and which the SDK keeps private (`_process`). It is looked up at each send;
 *   if a later SDK renames the field, messages are simply written one by one again, and
 *   test/sdk-forks/stdio-write-batch.test.ts fails so that it is noticed.
 */
export function batchStdioWrites(transport: StdioServerTransport, stdout: Writable): void;
export function batchStdioWrites(transport: StdioClientTransport): void;
export function batchStdioWrites(transport: StdioServerTransport | StdioClientTransport, stdout?: Writable): void {
  const streamOf = stdout
    ? () => stdout
    : () => (transport as unknown as { _process?: ChildProcess })._process?.stdin ?? undefined;
  const target: Pick<Transport, 'send'> = transport;
  const send = target.send.bind(transport);
  target.send = (message, options) => {
    const stream = streamOf();
    if (stream && !stream.writableCorked) {
      stream.cork();
      setImmediate(() => stream.uncork());
    }
    return send(message, options);
  };
}
