import type { ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import type { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

/**
 * Makes a stdio server's transport write every message sent in one turn of the event loop to the server's stdin
 * in one system call. The SDK writes each message on its own; with many clients' calls in flight, those
 * writes were an eighth of the gateway's CPU per call. The messages are flushed when the turn's I/O callbacks
 * have run (`setImmediate`), so a message waits for no timer and their order is unchanged.
 *
 * The SDK does not expose the child's stdin, so this reads the transport's private `_process`; if a later SDK
 * renames it, messages are simply written one by one again (a test fails, so that it is noticed).
 */
export function batchStdioWrites(transport: StdioClientTransport): void {
  const send = transport.send.bind(transport);
  transport.send = (message) => {
    const stdin = stdinOf(transport);
    if (stdin && !stdin.writableCorked) {
      stdin.cork();
      setImmediate(() => stdin.uncork());
    }
    return send(message);
  };
}

/** The server process's stdin, while it runs. */
export function stdinOf(transport: StdioClientTransport): Writable | undefined {
  return (transport as unknown as { _process?: ChildProcess })._process?.stdin ?? undefined;
}
