import { pipeline } from 'node:stream';
import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { errorResponse } from '../errors.js';
import type { Principal } from '../grants/principal.js';
import { batchStdioWrites } from '../sdk-forks/stdio-write-batch.js';
import { createMcpEndpoint, type DownstreamDeps } from './mcp-endpoint.js';
import { screenLines } from './message-lines.js';

/**
 * Serves the gateway on this process's stdin and stdout, for desktop clients that launch a command. The era is
 * chosen by the client's opening message. Resolves when the client closes its end (stdin ends), which is how
 * stdio clients say goodbye. A stdio client is one process on this machine: it runs as `principal` (a grant given
 * with `--grant`, else the local operator).
 *
 * A line that is no JSON-RPC message (not JSON, not JSON-RPC, too long, nested too deep) is answered with a
 * JSON-RPC error, with the request's id when it could be read and null otherwise, as over HTTP; a line longer
 * than `maxLineBytes` is dropped as it streams in, and the log says so. The connection and every other call on
 * it go on.
 */
export async function serveStdioEndpoint(
  deps: DownstreamDeps,
  principal: Principal,
  maxLineBytes: number,
): Promise<void> {
  const ended = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
  });
  const lines = screenLines({
    maxLineBytes,
    onRefused: (refusal, lineBytes) => {
      deps.log.warn({ code: refusal.code, lineBytes }, refusal.message);
      transport.send(errorResponse(refusal.code, refusal.message, refusal.id) as never).catch(() => undefined);
    },
  });
  // What the SDK's buffer may hold: one line within the bound, and its newline.
  const transport = new StdioServerTransport(lines, process.stdout, { maxBufferSize: maxLineBytes + 1 });
  // pipeline, not pipe: an error reading stdin reaches the transport (which closes), rather than going unhandled.
  pipeline(process.stdin, lines, () => undefined);
  batchStdioWrites(transport, process.stdout);
  const handle = serveStdio(({ era }) => createMcpEndpoint(deps, era, principal), { transport });
  await ended;
  await handle.close();
}
