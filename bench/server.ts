/**
 * The benchmark's MCP server: as little work per call as the SDK allows, so that what the bench measures is
 * the path between client and server, not the server.
 *
 *     node dist/bench/server.js [--http] [--tools N]
 *
 * Flags:
 *   --http      serve Streamable HTTP on 127.0.0.1 (any free port) instead of stdio; prints
 *               `listening http://127.0.0.1:PORT/mcp` on stdout once ready
 *   --tools N   also list N filler tools (`tool_0` … `tool_{N-1}`, each with a small input schema), for the
 *               "many tools aggregated" memory cell
 *
 * Tools: `echo {text}` answers its text; `big {kb}` answers a text of kb × 1024 characters (built once per size).
 *
 * It speaks the 2025 protocol era only (the `initialize` handshake, sessions over HTTP), which every target
 * the bench compares (direct SDK clients, Toolgate, mcp-proxy, supergateway) can talk to, so every target
 * makes the server do the same work. It is started from `dist/` (the bench builds first) rather than through
 * tsx, because supergateway starts one of these per client session and a loader would only add start-up time.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { isInitializeRequest, ProtocolError, ProtocolErrorCode, Server, type Tool } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';

const { values: flags } = parseArgs({
  options: { http: { type: 'boolean', default: false }, tools: { type: 'string', default: '0' } },
  strict: true,
});
const fillerCount = Number(flags.tools);
if (!Number.isInteger(fillerCount) || fillerCount < 0 || fillerCount > 100_000) {
  throw new Error(`--tools must be an integer from 0 to 100000 (got ${flags.tools})`);
}

const TOOLS: Tool[] = [
  {
    name: 'echo',
    description: 'Answers its text.',
    inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  },
  {
    name: 'big',
    description: 'Answers a text of kb kibibytes.',
    inputSchema: { type: 'object', properties: { kb: { type: 'integer', minimum: 0, maximum: 10240 } } },
  },
];
for (let i = 0; i < fillerCount; i++) {
  TOOLS.push({
    name: `tool_${i}`,
    description: `Filler tool number ${i}, listed and never called.`,
    inputSchema: { type: 'object', properties: { value: { type: 'string', description: 'Any value.' } } },
  });
}

const bigTexts = new Map<number, string>();
function bigText(kb: number): string {
  let text = bigTexts.get(kb);
  if (text === undefined) {
    text = 'x'.repeat(kb * 1024);
    bigTexts.set(kb, text);
  }
  return text;
}

function buildServer(): Server {
  const server = new Server({ name: 'bench', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler('tools/list', () => ({ tools: TOOLS }));
  server.setRequestHandler('tools/call', (request) => {
    const args = request.params.arguments ?? {};
    switch (request.params.name) {
      case 'echo':
        return { content: [{ type: 'text', text: typeof args.text === 'string' ? args.text : '' }] };
      case 'big': {
        const kb = Number(args.kb ?? 100);
        if (!Number.isInteger(kb) || kb < 0 || kb > 10_240) {
          throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'kb must be an integer from 0 to 10240');
        }
        return { content: [{ type: 'text', text: bigText(kb) }] };
      }
      default:
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    }
  });
  return server;
}

async function serveStdio(): Promise<void> {
  await buildServer().connect(new StdioServerTransport());
}

/** One `NodeStreamableHTTPServerTransport` and one server instance per session, as a 2025 server does. */
async function serveHttp(): Promise<void> {
  const sessions = new Map<string, NodeStreamableHTTPServerTransport>();
  const httpServer = createServer((req, res) => {
    void (async () => {
      let body: unknown;
      if (req.method === 'POST') {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      }
      const sessionId = req.headers['mcp-session-id'];
      const existing = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
      if (existing) {
        await existing.handleRequest(req, res, body);
      } else if (sessionId === undefined && req.method === 'POST' && isInitializeRequest(body)) {
        const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => void sessions.set(id, transport),
        });
        transport.onclose = () => {
          if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
        };
        await buildServer().connect(transport);
        await transport.handleRequest(req, res, body);
      } else {
        res.writeHead(sessionId === undefined ? 400 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32_001, message: 'Session not found' }, id: null }));
      }
    })().catch((error: unknown) => {
      process.stderr.write(`[bench-server] ${String(error)}\n`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(0, '127.0.0.1', resolve);
  });
  const { port } = httpServer.address() as AddressInfo;
  process.stdout.write(`listening http://127.0.0.1:${port}/mcp\n`);
}

await (flags.http ? serveHttp() : serveStdio());
