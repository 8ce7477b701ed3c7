import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import type { Principal } from '../grants/principal.js';
import { batchStdioWrites } from '../sdk-forks/stdio-write-batch.js';
import { createMcpEndpoint, type DownstreamDeps } from './mcp-endpoint.js';

/**
 * Serves the gateway on this process's stdin and stdout, for desktop clients that launch a command. The era is
 * chosen by the client's opening message. Resolves when the client closes its end (stdin ends), which is how
 * stdio clients say goodbye. A stdio client is one process on this machine: it runs as `principal` (a grant given
 * with `--grant`, else the local operator).
 */
export async function serveStdioEndpoint(deps: DownstreamDeps, principal: Principal): Promise<void> {
  const ended = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
  });
  const transport = new StdioServerTransport();
  batchStdioWrites(transport, process.stdout);
  const handle = serveStdio(({ era }) => createMcpEndpoint(deps, era, principal), { transport });
  await ended;
  await handle.close();
}
