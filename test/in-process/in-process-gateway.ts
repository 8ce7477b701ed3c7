import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type ClientCapabilities } from '@modelcontextprotocol/client';
import { InMemoryTransport, ProtocolError, Server, type Tool } from '@modelcontextprotocol/server';
import pino from 'pino';
import { composeGateway, type ComposedGateway } from '../../src/app.js';
import { SqliteApprovalStore } from '../../src/approvals/approval-store.js';
import type { AuditRecord } from '../../src/audit/audit-record.js';
import type { AuditSink } from '../../src/audit/audit-sink.js';
import type { Clock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { createMcpEndpoint } from '../../src/downstream/mcp-endpoint.js';
import type { Principal } from '../../src/grants/principal.js';
import { SqliteLimitStore } from '../../src/limits/sqlite-limit-store.js';
import { SqlitePinStore } from '../../src/pinning/sqlite-pin-store.js';
import type { Classify, ToolPins } from '../../src/pinning/tool-pins.js';
import { PinService } from '../../src/services/pin-service.js';
import type { UpstreamPool } from '../../src/upstream/upstream-pool.js';
import { openStateDb } from '../../src/state/state-db.js';

/**
 * A whole gateway in this process, for fast tests of the pipeline: one server built here (tools `echo`, `fail`
 * which answers a JSON-RPC error, `flaky` which answers an isError result, `remember` and `recall` which keep a
 * value in the server's session, `quit` which ends it; prompt `greet`; resource `mem://readme`), reached over an
 * in-memory transport (each connection a server instance of its own, as each stdio connection is a process), and
 * clients connected over in-memory transports too. Time is a test clock that the test moves; audit records are
 * kept in memory.
 */
export interface InProcessGateway {
  readonly records: AuditRecord[];
  readonly upstreams: UpstreamPool;
  /** How many server instances (sessions with the server) were ever started. */
  readonly sessionsStarted: () => number;
  readonly clock: Clock & { advance(ms: number): void };
  /** A client connected as `principal` (the local operator by default), declaring `capabilities`. */
  connect(principal?: Principal, capabilities?: ClientCapabilities): Promise<Client>;
  /** Writes a policy file and returns its path. */
  policy(document: object): string;
  /** The gateway's pinned definitions. */
  readonly pins: ToolPins;
  /** Accepting changes as the admin API does: in the gateway's process, audited with its calls. */
  readonly pinService: PinService;
  /**
   * Changes the server's tools as a server that changes a tool after it was trusted does: `change` gives a tool
   * new fields (or adds a tool of that name); every server instance tells the gateway its tool list changed.
   */
  changeTool(name: string, change: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export async function startInProcessGateway(
  config: {
    policy?: object;
    approvals?: object;
    pinning?: object;
    server?: Record<string, unknown>;
    classify?: Classify;
  } = {},
): Promise<InProcessGateway> {
  const folder = mkdtempSync(join(tmpdir(), 'toolgate-inproc-'));
  let files = 0;
  const policy = (document: object): string => {
    const file = join(folder, `policy-${++files}.json`);
    writeFileSync(file, JSON.stringify(document));
    return file;
  };
  const configFile = join(folder, 'toolgate.json');
  const configText = JSON.stringify({
    mcpServers: { mem: { command: 'in-memory', ...config.server } },
    ...(config.policy ? { policy: policy(config.policy) } : {}),
    ...(config.approvals ? { approvals: config.approvals } : {}),
    ...(config.pinning ? { pinning: config.pinning } : {}),
  });
  writeFileSync(configFile, configText);
  const gatewayConfig = parseConfig(configText, configFile);

  let now = Date.UTC(2026, 11, 1, 12);
  let elapsed = 0;
  const clock = {
    now: () => now,
    elapsed: () => elapsed,
    advance(ms: number) {
      now += ms;
      elapsed += ms;
    },
  };
  const records: AuditRecord[] = [];
  const audit: AuditSink = {
    write: (record) => void records.push(record),
    flush: async () => undefined,
    close: async () => undefined,
    stats: () => ({ written: records.length, pending: 0, dropped: 0, failedBatches: 0 }),
  };
  const db = openStateDb(':memory:');
  const limits = new SqliteLimitStore(db);
  const log = pino({ level: 'silent' });
  let sessionsStarted = 0;
  const pinStore = new SqlitePinStore(db);
  const tools = new MemoryTools();
  const gateway: ComposedGateway = composeGateway(
    gatewayConfig,
    log,
    { approvals: new SqliteApprovalStore(db), limits, audit, pins: pinStore, pinned: await pinStore.load() },
    {
      clock,
      transportFor: () => {
        const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
        sessionsStarted++;
        void memoryServer(tools).connect(serverSide);
        return clientSide;
      },
      ...(config.classify ? { classify: config.classify } : {}),
    },
  );
  await gateway.deps.upstreams.settled();
  const clients: Client[] = [];
  return {
    records,
    upstreams: gateway.deps.upstreams,
    sessionsStarted: () => sessionsStarted,
    clock,
    policy,
    pins: gateway.pins,
    pinService: new PinService(
      pinStore,
      gatewayConfig.pinning,
      clock,
      async (written) => written.forEach((record) => gateway.deps.audit.write(record)),
      gateway.pins,
    ),
    async changeTool(name, change) {
      await tools.change(name, change);
      // The gateway lists again when told; wait until it has, and has recorded what it found.
      const listed = () =>
        JSON.stringify(gateway.deps.upstreams.get('mem').catalog.tools) === JSON.stringify(tools.list);
      for (let turn = 0; !listed(); turn++) {
        if (turn > 1000) throw new Error('the gateway did not list the changed tools');
        await new Promise((resolve) => setImmediate(resolve));
      }
      await gateway.pins.settled();
    },
    async connect(
      principal = { via: 'local', id: null, label: null, policy: gatewayConfig.policy, servers: null },
      capabilities = {},
    ) {
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await createMcpEndpoint(gateway.deps, 'legacy', principal).connect(serverSide);
      const client = new Client({ name: 'test', version: '1' }, { capabilities });
      await client.connect(clientSide);
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()));
      await gateway.close();
      await limits.close();
      db.close();
    },
  };
}

/** The tools of the in-process server, shared by its instances, and changed by a test as a server would. */
class MemoryTools {
  list: Record<string, unknown>[] = ['echo', 'fail', 'flaky', 'remember', 'recall', 'quit'].map((name) => ({
    name,
    inputSchema: { type: 'object' as const, properties: { text: { type: 'string' } } },
  }));
  readonly servers = new Set<Server>();

  /** Changes (or adds) a tool, and waits until every instance has told its client that the list changed. */
  async change(name: string, change: Record<string, unknown>): Promise<void> {
    const known = this.list.some((tool) => tool.name === name);
    this.list = known
      ? this.list.map((tool) => (tool.name === name ? { ...tool, ...change } : tool))
      : [...this.list, { name, inputSchema: { type: 'object' }, ...change }];
    await Promise.all([...this.servers].map((server) => server.sendToolListChanged().catch(() => undefined)));
  }
}

/** The server behind the in-process gateway. */
function memoryServer(tools: MemoryTools): Server {
  const server = new Server(
    { name: 'mem', version: '1.0.0' },
    { capabilities: { tools: { listChanged: true }, prompts: {}, resources: {} } },
  );
  tools.servers.add(server);
  server.onclose = () => tools.servers.delete(server);
  let remembered = '(nothing)';
  server.setRequestHandler('tools/list', () => ({ tools: tools.list as Tool[] }));
  server.setRequestHandler('tools/call', (request) => {
    const given = (request.params.arguments as { text?: unknown } | undefined)?.text;
    const text = typeof given === 'string' ? given : '';
    switch (request.params.name) {
      case 'echo':
        return { content: [{ type: 'text', text: `echo: ${text}` }] };
      case 'flaky':
        return { content: [{ type: 'text', text: 'it went wrong' }], isError: true };
      case 'remember':
        remembered = text;
        return { content: [{ type: 'text', text: 'remembered' }] };
      case 'recall':
        return { content: [{ type: 'text', text: remembered }] };
      case 'quit':
        // The session ends with the call in flight, as a server that crashes does.
        return server.close().then(() => ({ content: [] }));
      default:
        throw new ProtocolError(-32602, `fail: ${text}`);
    }
  });
  server.setRequestHandler('prompts/list', () => ({ prompts: [{ name: 'greet' }] }));
  server.setRequestHandler('prompts/get', () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'hello' } }],
  }));
  server.setRequestHandler('resources/list', () => ({ resources: [{ uri: 'mem://readme', name: 'readme' }] }));
  server.setRequestHandler('resources/templates/list', () => ({ resourceTemplates: [] }));
  server.setRequestHandler('resources/read', (request) => ({
    contents: [{ uri: request.params.uri, text: 'read me' }],
  }));
  return server;
}
