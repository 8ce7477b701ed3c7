import type { ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import type { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { Transport } from '@modelcontextprotocol/server';

/**
 * Makes a stdio transport write every message sent in one turn of the event loop in one system call. The SDK's
 * stdio transports write each message on its own; with many calls in flight, those writes were an eighth of the
 * gateway's CPU per call. The messages are flushed once the turn's I/O callbacks have run (`setImmediate`), so
 * none waits for a timer and their order is unchanged.
 *
 * `streamOf` names the stream the transport writes to, at the time of each send (a server process's stdin exists
 * only while it runs).
 */
export function batchWrites(transport: Pick<Transport, 'send'>, streamOf: () => Writable | undefined): void {
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    const stream = streamOf();
    if (stream && !stream.writableCorked) {
      stream.cork();
      setImmediate(() => stream.uncork());
    }
    return send(message, options);
  };
}

/**
 * A stdio server's stdin, while it runs. The SDK does not expose it, so this reads the client transport's private
 * `_process`; if a later SDK renames it, messages are simply written one by one again (a test fails, so that it
 * is noticed).
 */
export function stdinOf(transport: StdioClientTransport): Writable | undefined {
  return (transport as unknown as { _process?: ChildProcess })._process?.stdin ?? undefined;
}
