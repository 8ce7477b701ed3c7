import { pipeline } from 'node:stream';
import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { ErrorCode, unattributedError } from '../errors.js';
import type { Principal } from '../grants/principal.js';
import { batchStdioWrites } from '../sdk-forks/stdio-write-batch.js';
import { boundLines, MAX_PIECE_BYTES } from './bounded-lines.js';
import { createMcpEndpoint, type DownstreamDeps } from './mcp-endpoint.js';

/**
 * Serves the gateway on this process's stdin and stdout, for desktop clients that launch a command. The era is
 * chosen by the client's opening message. Resolves when the client closes its end (stdin ends), which is how
 * stdio clients say goodbye. A stdio client is one process on this machine: it runs as `principal` (a grant given
 * with `--grant`, else the local operator).
 *
 * A line longer than `maxLineBytes` (listen.maxBodyBytes, the HTTP body's bound) is dropped as it streams in: the
 * client is sent a JSON-RPC error with a null id (its request's id was in the line) and the log says so. The
 * connection and every other call on it go on.
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
  const lines = boundLines(maxLineBytes, (lineBytes) => {
    const message = `A message of ${lineBytes} bytes is over the ${maxLineBytes} Toolgate accepts (listen.maxBodyBytes): it was dropped.`;
    deps.log.warn({ code: ErrorCode.PayloadTooLarge, lineBytes, maxBodyBytes: maxLineBytes }, message);
    transport.send(unattributedError(ErrorCode.PayloadTooLarge, message) as never).catch(() => undefined);
  });
  // What the SDK's buffer may hold: the start of a line within the bound, and the piece that follows it.
  const transport = new StdioServerTransport(lines, process.stdout, {
    maxBufferSize: maxLineBytes + MAX_PIECE_BYTES + 1,
  });
  // pipeline, not pipe: an error reading stdin reaches the transport (which closes), rather than going unhandled.
  pipeline(process.stdin, lines, () => undefined);
  batchStdioWrites(transport, process.stdout);
  const handle = serveStdio(({ era }) => createMcpEndpoint(deps, era, principal), { transport });
  await ended;
  await handle.close();
}
