/**
 * The bench's load balancer, in front of several gateway replicas: what any load balancer in front of Toolgate
 * must do, and nothing more, so that the replicas cell measures the replicas and not a proxy's features.
 *
 *     node dist/bench/balancer.js http://127.0.0.1:PORT_A http://127.0.0.1:PORT_B ...
 *
 * Prints `listening http://127.0.0.1:PORT/mcp` on stdout once ready.
 *
 * - A request without an `Mcp-Session-Id` (an `initialize`, a 2026-07-28 request) goes to the next replica in
 *   turn (round robin).
 * - A 2025-era session lives in the replica that opened it (its transport, its GET stream, its server sessions):
 *   every request that carries its `Mcp-Session-Id` goes back there. The balancer learns the id from the
 *   answer to the `initialize` and forgets it when the client DELETEs the session.
 * - Bodies stream both ways, so SSE answers and GET streams pass as they are sent; connections to the replicas
 *   are kept alive, as a production balancer's are.
 */
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const backends = process.argv.slice(2).map((origin) => new URL(origin));
if (backends.length === 0) throw new Error('usage: balancer.js ORIGIN [ORIGIN ...]');

const agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 });
/** Which replica holds each open session, by its Mcp-Session-Id. */
const sessions = new Map<string, URL>();
let turn = 0;

function backendFor(sessionId: string | undefined): URL {
  const held = sessionId === undefined ? undefined : sessions.get(sessionId);
  if (held) return held;
  // An unknown id goes anywhere: the replica answers 404, and the client opens a new session, as it should.
  const next = backends[turn % backends.length]!;
  turn++;
  return next;
}

function forward(req: IncomingMessage, res: ServerResponse): void {
  const header = req.headers['mcp-session-id'];
  const sessionId = Array.isArray(header) ? header[0] : header;
  const backend = backendFor(sessionId);
  const upstream = request(
    {
      host: backend.hostname,
      port: backend.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent,
    },
    (answer) => {
      const opened = answer.headers['mcp-session-id'];
      if (typeof opened === 'string') sessions.set(opened, backend);
      if (req.method === 'DELETE' && sessionId !== undefined) sessions.delete(sessionId);
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`balancer: ${backend.host} failed: ${error.message}`);
  });
  // A client that goes away ends the request to the replica too (a closed GET stream, a cancelled call).
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

const server = createServer(forward);
server.keepAliveTimeout = 5_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`listening http://127.0.0.1:${port}/mcp\n`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
    agent.destroy();
    process.exit(0);
  });
}
