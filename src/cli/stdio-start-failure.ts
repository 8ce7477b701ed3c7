import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/** JSON-RPC's "Internal error": the server could not do what was asked because of itself, not the request. */
const INTERNAL_ERROR = -32603;

/**
 * What `toolgate stdio` does when it cannot start (a config error, an unset variable, a policy that does not
 * load): it answers every request of its client with a JSON-RPC error carrying `message`, until the client
 * closes stdin. A client that launches a command and sees it exit at once reports only "Connection closed";
 * this way it reports why, starting with the answer to its `initialize` (or, in the 2026-07-28 era, its first
 * request). Notifications and lines that are not JSON-RPC requests get no answer, as the protocol says.
 * Resolves when `input` ends.
 */
export async function serveStartFailure(
  message: string,
  input: Readable = process.stdin,
  output: Writable = process.stdout,
): Promise<void> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    const id = requestIdOf(line);
    if (id === undefined) continue;
    output.write(`${JSON.stringify({ jsonrpc: '2.0', id, error: { code: INTERNAL_ERROR, message } })}\n`);
  }
}

/** The id of a JSON-RPC request on one line of stdio; undefined for anything else. */
function requestIdOf(line: string): string | number | undefined {
  let message: unknown;
  try {
    message = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof message !== 'object' || message === null || !('method' in message) || !('id' in message)) {
    return undefined;
  }
  const { id } = message;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}
