import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import type { Gateway } from '../gateway.js';
import type { Grant } from '../grants/grant.js';
import { batchStdioWrites } from '../sdk-forks/stdio-write-batch.js';
import { createGatewayServer } from './gateway-server.js';

/**
 * Serves the gateway on this process's stdin and stdout, for desktop clients that launch a command. The era is
 * chosen by the client's opening message. Resolves when the client closes its end (stdin ends), which is how
 * stdio clients say goodbye. A stdio client is one process on this machine; it runs as `grant` when one is given.
 */
export async function serveGatewayOnStdio(gateway: Gateway, grant: Grant | undefined): Promise<void> {
  const ended = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
  });
  const transport = new StdioServerTransport();
  batchStdioWrites(transport, process.stdout);
  const handle = serveStdio(({ era }) => createGatewayServer(gateway, era, grant), { transport });
  await ended;
  await handle.close();
}
