import { Client, SdkHttpError, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type {
  PriorDiscovery,
  McpSubscription,
  ClientCapabilities,
  ClientContext,
  Implementation,
  JSONRPCRequest,
  Notification,
  ProtocolEra,
  RequestOptions,
  ServerCapabilities,
  Transport,
} from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { ServerConfig } from '../config/load.js';
import type { Logger } from '../observability/log.js';
import { rawResult, type RawResult } from '../raw-result.js';
import { createNodeFetch } from '../sdk-forks/node-fetch.js';
import { batchStdioWrites } from '../sdk-forks/stdio-write-batch.js';
import { boundStdioReads } from '../sdk-forks/stdio-read-bound.js';
import { boundedFetch, type MessageBoundOptions } from '../sdk-forks/stream-message-bound.js';
import { repairServerMessages } from './server-quirks.js';

/** What a connection reports to its owner. */
export interface ConnectionHooks {
  /** Any notification from the server (progress is consumed by the request that asked for it). */
  onNotification(notification: Notification): void;
  /** A request from the server to the client side: sampling, elicitation, roots. */
  onServerRequest(request: JSONRPCRequest, ctx: ClientContext): Promise<RawResult>;
  /** The transport closed: the process exited, the HTTP session ended or the stream broke. */
  onClose(): void;
}

/**
 * One MCP session between the gateway and one server, through the SDK's `Client`. It forwards raw JSON in
 * both directions: results are not parsed against the SDK's typed schemas, because those strip unknown
 * fields and reject `structuredContent` that does not match an output schema, and a proxy must pass both.
 */
export class ServerConnection {
  readonly #client: Client;
  readonly #transport: Transport;
  #closed = false;
  /** Resource URIs watched on a 2026-07-28 connection, and the listen stream that carries their updates. */
  readonly #watched = new Set<string>();
  #resourceStream: McpSubscription | undefined;
  /** Subscription changes run one at a time, so a stream is never replaced by an older filter. */
  #watchQueue: Promise<void> = Promise.resolve();

  /** The last lines the server wrote to stderr: what a server that exits at start usually says about why. */
  readonly #stderrTail: readonly string[];

  private constructor(client: Client, transport: Transport, stderrTail: readonly string[]) {
    this.#client = client;
    this.#transport = transport;
    this.#stderrTail = stderrTail;
  }

  /** The server's last lines on stderr: what a server that exits usually says about why. */
  get stderrTail(): readonly string[] {
    return [...this.#stderrTail];
  }

  /**
   * Connects to `server`, declaring exactly `capabilities` as the client's. Rejects when the server cannot be
   * reached or does not complete the handshake within the server's `startTimeoutMs`.
   *
   * The era is settled by a `server/discover` probe unless `prior` gives it. The probe may wait as long as the
   * start itself: a shorter probe timeout would make a slow start (a cold `npx` install, a busy machine) look like
   * a silent legacy server, and the era would depend on the machine's load.
   */
  static async open(
    server: ServerConfig,
    capabilities: ClientCapabilities,
    hooks: ConnectionHooks,
    log: Logger,
    prior?: PriorDiscovery,
    transportFor: TransportFactory = createTransport,
  ): Promise<ServerConnection> {
    const client = new Client(
      { name: 'toolgate', version: GATEWAY_VERSION },
      {
        capabilities,
        versionNegotiation: { mode: 'auto', probe: { timeoutMs: server.startTimeoutMs } },
        // A pass-through gateway hands input_required results to its own client instead of answering them.
        inputRequired: { autoFulfill: false },
        // 0: no cap on the pages a server may return; the gateway follows cursors itself.
        listMaxPages: 0,
      },
    );
    client.fallbackNotificationHandler = async (notification) => hooks.onNotification(notification);
    client.fallbackRequestHandler = (request, ctx) => hooks.onServerRequest(request, ctx);
    const stderrTail: string[] = [];
    const transport = transportFor(server, log, (line) => keepTail(stderrTail, line));
    repairServerMessages(transport);
    const connection = new ServerConnection(client, transport, stderrTail);
    client.onclose = () => {
      if (connection.#closed) return;
      connection.#closed = true;
      hooks.onClose();
    };
    client.onerror = (error) => log.debug({ serverId: server.id, err: error.message }, 'server connection error');
    // One deadline for the whole start: the probe and the handshake would otherwise each get the full timeout.
    const deadline = AbortSignal.timeout(server.startTimeoutMs);
    try {
      await client.connect(transport, {
        timeout: server.startTimeoutMs,
        signal: deadline,
        ...(prior ? { prior } : {}),
      });
    } catch (error) {
      connection.#closed = true;
      await transport.close().catch(() => undefined);
      if (!prior && !deadline.aborted && server.transport === 'http' && httpStatusOf(error) !== undefined) {
        // The server answered the era probe (a POST without a session) with an HTTP error, as some 2025-era
        // servers do (HTTP 500 "no session"): that is an answer, not an outage, and they speak 2025 only.
        log.debug(
          { serverId: server.id, status: httpStatusOf(error) },
          'era probe refused; connecting in the 2025 era',
        );
        return ServerConnection.open(server, capabilities, hooks, log, { kind: 'legacy' }, transportFor);
      }
      const why = deadline.aborted
        ? `did not finish starting within ${server.startTimeoutMs} ms (startTimeoutMs)`
        : startFailureText(error, server);
      throw new StartFailure(why, [...stderrTail], { cause: error });
    }
    await connection.#listenForListChanges(log.child({ serverId: server.id }));
    return connection;
  }

  /**
   * A 2026-07-28 server sends list_changed only on a `subscriptions/listen` stream, which the SDK does not open by
   * itself; a 2025-era server sends them unprompted.
   */
  async #listenForListChanges(log: Logger): Promise<void> {
    if (this.era !== 'modern') return;
    const { tools, prompts, resources } = this.serverCapabilities;
    const filter = {
      ...(tools?.listChanged ? { toolsListChanged: true } : {}),
      ...(prompts?.listChanged ? { promptsListChanged: true } : {}),
      ...(resources?.listChanged ? { resourcesListChanged: true } : {}),
    };
    if (Object.keys(filter).length === 0) return;
    try {
      await this.#client.listen(filter);
    } catch (error) {
      // Without the stream the gateway still works; it just learns of list changes on reconnect.
      log.warn({ err: (error as Error).message }, 'could not open a subscriptions/listen stream');
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Whether the server can keep state for this connection alone: a stdio process and an SSE stream always can; a
   * Streamable HTTP server can when it gave a session id, and one that gave none cannot tell connections apart.
   */
  get keepsSessions(): boolean {
    return !(this.#transport instanceof StreamableHTTPClientTransport) || this.#transport.sessionId !== undefined;
  }

  get era(): ProtocolEra | undefined {
    return this.#client.getProtocolEra();
  }

  get serverCapabilities(): ServerCapabilities {
    return this.#client.getServerCapabilities() ?? {};
  }

  get serverInfo(): Implementation | undefined {
    return this.#client.getServerVersion();
  }

  get instructions(): string | undefined {
    return this.#client.getInstructions();
  }

  /** The era this connection settled on, in the form a later connection to the same server can adopt. */
  get discovery(): PriorDiscovery | undefined {
    if (this.era === 'legacy') return { kind: 'legacy' };
    const discover = this.#client.getDiscoverResult();
    return this.era === 'modern' && discover ? { kind: 'modern', discover } : undefined;
  }

  /** Sends a request and resolves with the server's result exactly as received. */
  request(method: string, params: Record<string, unknown> | undefined, options: RequestOptions): Promise<RawResult> {
    return this.#client.request({ method, params } as never, rawResult, { ...options, allowInputRequired: true });
  }

  /**
   * Starts or stops receiving `notifications/resources/updated` for `uri`. A 2025-era server is asked with
   * resources/subscribe and resources/unsubscribe; a 2026-07-28 server has no such methods, so the connection keeps
   * one `subscriptions/listen` stream whose filter names every watched URI, and replaces it when the set changes.
   */
  watch(uri: string, on: boolean, timeoutMs: number): Promise<void> {
    const step = this.#watchQueue.then(async () => {
      if (this.era !== 'modern') {
        await this.request(on ? 'resources/subscribe' : 'resources/unsubscribe', { uri }, { timeout: timeoutMs });
        return;
      }
      const wanted = new Set(this.#watched);
      if (on) wanted.add(uri);
      else wanted.delete(uri);
      const previous = this.#resourceStream;
      this.#resourceStream =
        wanted.size === 0
          ? undefined
          : await this.#client.listen({ resourceSubscriptions: [...wanted] }, { timeout: timeoutMs });
      this.#watched.clear();
      for (const watched of wanted) this.#watched.add(watched);
      await previous?.close();
    });
    this.#watchQueue = step.catch(() => undefined);
    return step;
  }

  /** Sends a notification to the server. */
  notify(method: string, params?: Record<string, unknown>): Promise<void> {
    return this.#client.notification({ method, params });
  }

  /** Ends the session: an HTTP session is terminated; a stdio process gets stdin closed, SIGTERM, then SIGKILL. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#transport instanceof StreamableHTTPClientTransport) {
      await this.#transport.terminateSession().catch(() => undefined);
    }
    await this.#client.close().catch(() => undefined);
  }
}

/**
 * A server that did not start, with its last lines on stderr. Those lines are for the operator (/healthz, the
 * log), never for agents: a server may print secrets there.
 */
export class StartFailure extends Error {
  override readonly name = 'StartFailure';
  readonly stderr: readonly string[];

  constructor(message: string, stderr: readonly string[], options?: ErrorOptions) {
    super(message, options);
    this.stderr = stderr;
  }
}

/** The HTTP status an error carries, anywhere in its chain of causes. */
function httpStatusOf(error: unknown): number | undefined {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof SdkHttpError) return cause.status;
  }
  return undefined;
}

/** Why a start failed, with the causes the SDK wraps ("fetch failed" says little without its ECONNREFUSED). */
function startFailureText(error: unknown, server: ServerConfig): string {
  const parts: string[] = [];
  for (let cause: unknown = error; cause instanceof Error && parts.length < 4; cause = cause.cause) {
    if (!parts.some((part) => part.includes(cause.message))) parts.push(cause.message);
  }
  const text = parts.length === 0 ? String(error) : parts.join(': ');
  if (server.transport === 'stdio' && /\bENOENT\b/.test(text)) {
    return `${text} (command "${server.command}" not found: give its absolute path, or check the PATH Toolgate runs with)`;
  }
  return text;
}

/** The version the gateway reports as its own, to clients and to servers. */
export const GATEWAY_VERSION = '0.1.0';

/** How much of a server's stderr an error message quotes. */
const STDERR_TAIL_LINES = 3;
const STDERR_LINE_MAX = 300;

function keepTail(tail: string[], line: string): void {
  if (line.trim() === '') return;
  tail.push(line.length > STDERR_LINE_MAX ? `${line.slice(0, STDERR_LINE_MAX)}…` : line);
  if (tail.length > STDERR_TAIL_LINES) tail.shift();
}

/**
 * Makes the transport to a server from its config. Tests that run the gateway in one process pass their own, an
 * in-memory pair, so that the pipeline is exercised without spawning anything.
 */
export type TransportFactory = (server: ServerConfig, log: Logger, onStderrLine: (line: string) => void) => Transport;

function createTransport(server: ServerConfig, log: Logger, onStderrLine: (line: string) => void): Transport {
  const bound: MessageBoundOptions = {
    maxBytes: server.maxResultBytes,
    onDiscarded: ({ bytes, answeredId }) =>
      log.warn(
        { bytes, maxResultBytes: server.maxResultBytes, answered: answeredId !== undefined },
        answeredId === undefined
          ? 'dropped a message larger than maxResultBytes that answers no request it names'
          : 'dropped an answer larger than maxResultBytes; its call fails',
      ),
  };
  switch (server.transport) {
    case 'stdio': {
      const transport = new StdioClientTransport({
        command: server.command,
        args: server.args,
        env: server.env,
        ...(server.cwd === undefined ? {} : { cwd: server.cwd }),
        stderr: 'pipe',
      });
      batchStdioWrites(transport);
      boundStdioReads(transport, bound);
      const stderr = transport.stderr;
      if (stderr) {
        // A server's stderr is its log: one gateway log line per line, tagged with the server, never dropped.
        createInterface({ input: stderr as Readable }).on('line', (line) => {
          log.info({ stream: 'stderr' }, line);
          onStderrLine(line);
        });
      }
      return transport;
    }
    case 'http':
      return new StreamableHTTPClientTransport(new URL(server.url), {
        fetch: createNodeFetch(server.headers, { maxMessageBytes: bound.maxBytes, onDiscarded: bound.onDiscarded }),
      });
    case 'sse':
      // EventSource relies on fetch to follow redirects, which createNodeFetch leaves to its caller.
      return new SSEClientTransport(new URL(server.url), {
        fetch: boundedFetch(fetchWithHeaders(server.headers), bound),
      });
  }
}

/**
 * The configured static headers, added to every request the transport makes (the SSE stream included). The
 * transport's own headers win, so a configured header cannot break the protocol's.
 */
function fetchWithHeaders(headers: Readonly<Record<string, string>>): typeof fetch {
  if (Object.keys(headers).length === 0) return fetch;
  return (input, init) => {
    const merged = new Headers(headers);
    new Headers(init?.headers).forEach((value, key) => merged.set(key, value));
    return fetch(input, { ...init, headers: merged });
  };
}
