import type {
  ClientCapabilities,
  PriorDiscovery,
  JSONRPCRequest,
  LoggingLevel,
  Notification,
  RequestOptions,
} from '@modelcontextprotocol/client';
import { ProtocolError, ProtocolErrorCode, SdkError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import type { ServerConfig } from '../config/load.js';
import { GatewayError, ErrorCode } from '../errors.js';
import { canSee } from '../grants/principal.js';
import type { Logger } from '../observability/log.js';
import type { RawResult } from '../raw-result.js';
import { capabilityKey, serverFacingCapabilities, type Caller } from './caller.js';
import {
  EMPTY_CATALOG,
  listCatalog,
  type CatalogItem,
  type ListFailure,
  type ServerCatalog,
} from './catalog-listing.js';
import { systemClock, type Clock } from '../clock.js';
import { ServerConnection, StartFailure, type TransportFactory } from './server-connection.js';
import { PooledConnection } from './pooled-connection.js';
import { oversizedOf } from '../sdk-forks/oversized-message.js';
import { clientPartition, partitionOf, SHARED_PARTITION } from './session-partition.js';

export type { CatalogItem, ServerCatalog } from './catalog-listing.js';

/** The lists a catalog holds, by the name their list_changed notifications use. */
export type CatalogKind = 'tools' | 'resources' | 'prompts';

/** Which lists differ between two catalogs. */
function changedKinds(before: ServerCatalog, after: ServerCatalog): Set<CatalogKind> {
  const same = (a: readonly CatalogItem[], b: readonly CatalogItem[]) => JSON.stringify(a) === JSON.stringify(b);
  const kinds = new Set<CatalogKind>();
  if (!same(before.tools, after.tools)) kinds.add('tools');
  if (!same(before.prompts, after.prompts)) kinds.add('prompts');
  if (!same(before.resources, after.resources) || !same(before.resourceTemplates, after.resourceTemplates)) {
    kinds.add('resources');
  }
  return kinds;
}

/**
 * Where an upstream is in its life: starting (launching, or connecting, up to the end of MCP initialization and
 * its first listing), up, down (waiting to retry), or closed with the gateway.
 */
export type UpstreamState = 'starting' | 'up' | 'down' | 'closed';

/** Where a server failed: while starting, or later, when its connection closed. */
export type FailureStep = 'start' | 'connection';

/** One server as /healthz, /readyz and the start-up log show it. */
export interface ServerHealth {
  readonly id: string;
  readonly state: UpstreamState;
  /** When the server entered this state (ISO 8601). */
  readonly since: string;
  /** The protocol era agreed with the server, once up. */
  readonly era?: string;
  readonly tools?: number;
  /** Why the server is down, or why its last attempt failed. */
  readonly step?: FailureStep;
  readonly error?: string;
  /** The server's last lines on stderr before it failed (operators only: never shown to agents). */
  readonly stderr?: readonly string[];
  /** List methods that did not answer usefully (their lists are empty); the server's calls still work. */
  readonly lists?: readonly ListFailure[];
  /** Sessions open with the server: the catalog's, and those of the grants or clients that have their own. */
  readonly sessions: number;
}

/** What an upstream tells the gateway. */
export interface UpstreamListener {
  /** The server's tools, resources or prompts changed (a list_changed, a reconnect, a crash). */
  catalogChanged(upstream: Upstream, kinds: ReadonlySet<CatalogKind>): void;
  /**
   * A notification from the server that is not tied to a request the gateway made: logging, resource
   * updates, custom notifications. `audience` is the client sessions it concerns: for a resource update, the
   * sessions that subscribed to that URI on this connection; otherwise the one session with calls in flight on
   * the connection, or every session that uses it. The listener still checks that each may see the server.
   */
  notification(upstream: Upstream, notification: Notification, audience: readonly Caller[]): void;
}

/**
 * One configured MCP server and the gateway's connections to it.
 *
 * A connection is one session with the server, and the server may keep state per session (a login, a working
 * folder). So connections are keyed first by partition (see session-partition.ts): under `per-grant` each
 * principal, under `per-client` each client session, has connections of its own, and nothing one partition's
 * connection carries (results, notifications, server requests) reaches another's clients. A Streamable HTTP server
 * that gave no session id cannot tell one connection from another, so it is shared whatever the setting.
 *
 * Within a partition, connections are keyed by the server-facing capabilities of the client (sampling,
 * elicitation, roots), because a server learns a client's capabilities once, at connect. The primary connection
 * (no such capabilities) is the one the gateway opens at start, lists the catalog on, and reconnects with backoff;
 * the first partition to send a request through it takes it over, so one agent costs no second session, and
 * every other partition opens its own on its first request. For HTTP servers, a client that declares any of those
 * capabilities gets a connection of its own, so that a server's request always reaches the client whose call
 * caused it. A stdio server is one process per connection: connections are shared by capability set within a
 * partition, and a server request is routed to the one client session with a call in flight; when calls of
 * several sessions are in flight the request cannot be attributed and is refused (fail closed: never show one
 * user's prompt to another).
 *
 * Bounded: at most `maxSessions` connections (a request that needs one more is refused), and a connection other
 * than the primary that no request has used for `sessionIdleMs` is closed by `closeIdle`.
 */
export class Upstream {
  readonly config: ServerConfig;
  readonly #log: Logger;
  readonly #listener: UpstreamListener;
  readonly #pool = new Map<string, PooledConnection>();
  /** Connections being opened, by pool key, so that concurrent first requests of a partition open one. */
  readonly #opening = new Map<string, Promise<PooledConnection>>();
  /**
   * Whether the server keeps sessions, so that partitions matter: a stdio or SSE server always does; a Streamable
   * HTTP server does when its primary connection was given a session id (unknown, and so assumed, until then).
   */
  #keepsSessions: boolean;
  #state: UpstreamState = 'starting';
  #since: number;
  #failure: { step: FailureStep; error: string; stderr?: readonly string[] } | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryDelayMs = INITIAL_RETRY_DELAY_MS;
  #primaryOpening: Promise<PooledConnection> | undefined;
  #lastKnown: ServerCatalog = EMPTY_CATALOG;
  #instructions: string | undefined;
  #lastAttemptAt = 0;
  /** The lists the primary connection could not read, by method; each is logged once when it starts failing. */
  #listFailures: readonly ListFailure[] = [];
  readonly #warnedLists = new Set<string>();
  /**
   * The era a stdio server settled on at its first start, adopted by every later connection: the era then never
   * depends on how fast a restart or a second process happens to answer the probe.
   */
  #prior: PriorDiscovery | undefined;
  readonly #firstStart: Promise<void>;
  #firstStartSettled!: () => void;

  readonly #transportFor: TransportFactory | undefined;
  readonly #clock: Clock;

  constructor(
    config: ServerConfig,
    listener: UpstreamListener,
    log: Logger,
    options: { readonly clock?: Clock; readonly transportFor?: TransportFactory } = {},
  ) {
    this.config = config;
    this.#transportFor = options.transportFor;
    this.#clock = options.clock ?? systemClock;
    this.#since = this.#clock.now();
    this.#listener = listener;
    this.#log = log.child({ serverId: config.id });
    this.#firstStart = new Promise((settle) => (this.#firstStartSettled = settle));
    this.#keepsSessions = true;
  }

  get id(): string {
    return this.config.id;
  }

  get state(): UpstreamState {
    return this.#state;
  }

  get lastError(): string | undefined {
    return this.#failure?.error;
  }

  /** The server's instructions for the model, from its latest successful start. */
  get instructions(): string | undefined {
    return this.#instructions;
  }

  /** True once the server has listed its catalog at least once (since the gateway started). */
  get hasListed(): boolean {
    return this.#lastKnown !== EMPTY_CATALOG;
  }

  health(): ServerHealth {
    const primary = this.#pool.get(PRIMARY_KEY);
    return {
      id: this.id,
      state: this.#state,
      since: new Date(this.#since).toISOString(),
      ...(primary?.connection.era === undefined ? {} : { era: primary.connection.era }),
      ...(this.hasListed || primary ? { tools: this.catalog.tools.length } : {}),
      ...(this.#failure ?? {}),
      ...(this.#listFailures.length === 0 ? {} : { lists: this.#listFailures }),
      sessions: this.#pool.size,
    };
  }

  /** Resolves once the first start has come out, up or down (a server that is down is retried after). */
  settled(): Promise<void> {
    return this.#firstStart;
  }

  /**
   * The catalog of the primary connection: what a client with no server-facing capabilities sees. While the
   * server is down, the last catalog it listed: its tools stay visible and answer with an error naming the server,
   * rather than vanishing and reappearing with every restart.
   */
  get catalog(): ServerCatalog {
    return this.#pool.get(PRIMARY_KEY)?.catalog ?? this.#lastKnown;
  }

  /**
   * Starts the server in the background: the gateway takes clients at once, and a server that comes up later
   * tells them with list_changed. A failed start schedules retries.
   */
  start(): void {
    this.#log.info({ startTimeoutMs: this.config.startTimeoutMs }, 'server starting');
    void this.#openPrimary().catch(() => undefined);
  }

  /**
   * The catalog a given client sees on this server (it may differ with the client's capabilities). A server
   * that is starting is waited for a little (LIST_WAIT_MS), so that a client's first list right after the gateway
   * starts usually holds every server; a server slower than that joins the list later, with list_changed.
   */
  async catalogFor(caller: Caller | undefined): Promise<ServerCatalog> {
    if (this.#state === 'closed') return EMPTY_CATALOG;
    if (caller === undefined || capabilityKey(serverFacingCapabilities(caller.capabilities)) === PRIMARY_KEY) {
      if (!this.#pool.has(PRIMARY_KEY)) {
        const attempt = this.#primaryOpening ?? (this.#mayAttemptNow() ? this.#openPrimary() : undefined);
        if (attempt) await settledWithin(attempt, LIST_WAIT_MS);
      }
      const primary = this.#pool.get(PRIMARY_KEY);
      if (!primary) return this.#lastKnown;
      if (primary.refreshing) await settledWithin(primary.refreshing, LIST_WAIT_MS);
      // Every partition lists here (a server's lists rarely differ between sessions), but listing takes nothing
      // over: the lister hears the server's notifications on it only while no other partition has taken it.
      const partition = this.#partitionFor(caller);
      if (caller && primary.serves(partition)) primary.attach(caller, partition);
      return primary.catalog;
    }
    try {
      const pooled = await this.#connectionFor(caller);
      if (pooled.refreshing) await settledWithin(pooled.refreshing, LIST_WAIT_MS);
      return pooled.catalog;
    } catch {
      return this.#lastKnown;
    }
  }

  /**
   * Forwards one request from `caller` to the server and resolves with the server's raw result. A JSON-RPC
   * error from the server rejects with that error unchanged; a transport failure rejects with a GatewayError
   * naming the server.
   */
  async request(
    caller: Caller | undefined,
    method: string,
    params: Record<string, unknown> | undefined,
    options: Pick<RequestOptions, 'signal' | 'onprogress'>,
  ): Promise<RawResult> {
    let pooled = await this.#connectionFor(caller);
    try {
      return await this.#requestOn(pooled, caller, method, params, options);
    } catch (error) {
      if (!(error instanceof SdkHttpError && error.status === 404)) throw this.#translateError(error);
      // The server forgot the session (restart, expiry). It never saw the request, so one retry on a new
      // session is safe.
      this.#log.info('server session expired; starting a new one');
      this.#discard(pooled);
      pooled = await this.#connectionFor(caller);
      try {
        return await this.#requestOn(pooled, caller, method, params, options);
      } catch (retryError) {
        throw this.#translateError(retryError);
      }
    }
  }

  async #requestOn(
    pooled: PooledConnection,
    caller: Caller | undefined,
    method: string,
    params: Record<string, unknown> | undefined,
    options: Pick<RequestOptions, 'signal' | 'onprogress'>,
  ): Promise<RawResult> {
    const release = pooled.enter(caller);
    pooled.lastUsed = this.#clock.now();
    try {
      return await pooled.connection.request(method, withLogLevel(params, pooled.connection.era, caller?.logLevel), {
        ...options,
        timeout: this.config.timeoutMs,
        resetTimeoutOnProgress: true,
        ...(this.config.maxTotalTimeoutMs === undefined ? {} : { maxTotalTimeout: this.config.maxTotalTimeoutMs }),
        // The SDK sends a progress token only when there is a progress callback; without one a long call that
        // reports progress would still die at its timeout. Always listen, and let the caller decide what to show.
        onprogress: options.onprogress ?? (() => undefined),
      });
    } finally {
      release();
      pooled.lastUsed = this.#clock.now();
    }
  }

  /** Drops a connection the server no longer knows; the next request opens a new one. */
  #discard(pooled: PooledConnection): void {
    for (const [key, entry] of this.#pool) {
      if (entry === pooled) this.#pool.delete(key);
    }
    void pooled.connection.close();
  }

  /**
   * A client's roots changed: tells the server on each 2025-era connection that session uses and that declared
   * `roots.listChanged` to it, so the server asks for the roots again. A server the session has not used yet
   * has nothing to refresh, and a 2026-07-28 server is given the roots with each request that needs them.
   */
  rootsChanged(sessionId: string): void {
    for (const pooled of this.#pool.values()) {
      const { connection } = pooled;
      if (!pooled.isAttached(sessionId) || !pooled.capabilities.roots?.listChanged) continue;
      if (connection.closed || connection.era !== 'legacy') continue;
      connection.notify('notifications/roots/list_changed').catch((error: unknown) => {
        this.#log.debug({ err: (error as Error).message }, 'could not forward roots/list_changed');
      });
    }
  }

  /** Subscribes `caller` to updates of a resource; one server subscription serves every session on a connection. */
  async subscribe(caller: Caller, uri: string): Promise<void> {
    const pooled = await this.#connectionFor(caller);
    const subscribers = pooled.subscribers.get(uri) ?? new Set<string>();
    pooled.subscribers.set(uri, subscribers);
    const first = subscribers.size === 0;
    subscribers.add(caller.sessionId);
    if (!first) return;
    try {
      await pooled.connection.watch(uri, true, this.config.timeoutMs);
    } catch (error) {
      subscribers.delete(caller.sessionId);
      if (subscribers.size === 0) pooled.subscribers.delete(uri);
      throw this.#translateError(error);
    }
  }

  /** Ends `caller`'s subscription; the server subscription ends with the last subscriber. */
  async unsubscribe(caller: Caller, uri: string): Promise<void> {
    for (const pooled of this.#pool.values()) await this.#dropSubscriber(pooled, uri, caller.sessionId);
  }

  async #dropSubscriber(pooled: PooledConnection, uri: string, sessionId: string): Promise<void> {
    const subscribers = pooled.subscribers.get(uri);
    if (!subscribers?.delete(sessionId) || subscribers.size > 0) return;
    pooled.subscribers.delete(uri);
    if (pooled.connection.closed) return;
    await pooled.connection.watch(uri, false, this.config.timeoutMs).catch((error: unknown) => {
      this.#log.debug({ uri, err: (error as Error).message }, 'could not end a resource subscription');
    });
  }

  /**
   * Forgets a client session: its subscriptions end and its own connections are closed, and with them what the
   * server kept for it. When it had taken over the primary connection, a new primary is opened for the catalog
   * and the old one closed after, so that no other client ever inherits its session.
   */
  detach(sessionId: string): void {
    const ended = clientPartition(sessionId);
    for (const [key, pooled] of this.#pool) {
      pooled.detach(sessionId);
      for (const uri of [...pooled.subscribers.keys()]) void this.#dropSubscriber(pooled, uri, sessionId);
      if (key === PRIMARY_KEY && pooled.partition === ended) {
        this.#replacePrimary(pooled);
      } else if (pooled.owner === sessionId || pooled.partition === ended) {
        this.#pool.delete(key);
        void pooled.connection.close();
      }
    }
  }

  /**
   * Closes every connection but the primary that no request has used for `sessionIdleMs` and that has neither a
   * request in flight nor a resource subscription; returns how many. The server forgets what it kept for them.
   */
  closeIdle(): number {
    const now = this.#clock.now();
    let closed = 0;
    for (const [key, pooled] of this.#pool) {
      if (key === PRIMARY_KEY || !pooled.idle(now, this.config.sessionIdleMs)) continue;
      this.#pool.delete(key);
      void pooled.connection.close();
      closed++;
    }
    if (closed > 0) this.#log.info({ closed, open: this.#pool.size }, 'idle server sessions closed');
    return closed;
  }

  /** Closes every connection and stops reconnecting. */
  async close(): Promise<void> {
    this.#setState('closed');
    this.#firstStartSettled();
    clearTimeout(this.#retryTimer);
    const pooled = [...this.#pool.values()];
    this.#pool.clear();
    await Promise.all(pooled.map((entry) => entry.connection.close()));
  }

  /** The partition a caller's requests to this server use. */
  #partitionFor(caller: Caller | undefined): string {
    return this.#keepsSessions ? partitionOf(this.config.sessions, caller) : SHARED_PARTITION;
  }

  /** The connection `caller`'s requests go on: its partition's, for its capabilities, opened if need be. */
  async #connectionFor(caller: Caller | undefined): Promise<PooledConnection> {
    const capabilities = caller ? serverFacingCapabilities(caller.capabilities) : {};
    const capsKey = capabilityKey(capabilities);
    const primary =
      capsKey === PRIMARY_KEY ? (this.#pool.get(PRIMARY_KEY) ?? (await this.#openPrimaryNow())) : undefined;
    const partition = this.#partitionFor(caller);
    if (primary?.serves(partition, { claim: true })) {
      if (caller) primary.attach(caller, partition);
      return primary;
    }
    const owner = primary || this.config.transport === 'stdio' ? undefined : caller?.sessionId;
    const key = `${partition}\n${capsKey}${owner === undefined ? '' : `#${owner}`}`;
    let pooled = this.#pool.get(key);
    if (!pooled || pooled.connection.closed) {
      if (this.#state !== 'up') throw this.#unavailable();
      // A connection with the primary's capabilities shows the primary's catalog: it only carries requests.
      pooled = await this.#openFor(key, capabilities, owner, partition, !primary);
    }
    if (caller) pooled.attach(caller, partition);
    return pooled;
  }

  /**
   * Opens a connection of a partition, at most one per key at a time, within `maxSessions` (idle connections are
   * closed first). A failure is the server's unavailability for this request only: other partitions go on.
   */
  #openFor(
    key: string,
    capabilities: ClientCapabilities,
    owner: string | undefined,
    partition: string,
    list: boolean,
  ): Promise<PooledConnection> {
    const opening = this.#opening.get(key);
    if (opening) return opening;
    if (this.#pool.size + this.#opening.size >= this.config.maxSessions) this.closeIdle();
    if (this.#pool.size + this.#opening.size >= this.config.maxSessions) {
      this.#log.warn({ maxSessions: this.config.maxSessions }, 'server session limit reached; request refused');
      return Promise.reject(
        new GatewayError(
          ErrorCode.ServerSessionLimit,
          `Server "${this.id}" has its ${this.config.maxSessions} sessions (maxSessions) in use by other grants or clients; retry later`,
        ),
      );
    }
    const attempt = this.#open(key, capabilities, owner, partition, list)
      .catch((error: unknown) => {
        const why = error instanceof Error ? error.message : String(error);
        this.#log.warn({ err: why }, 'could not open a session with the server');
        if (error instanceof GatewayError) throw error;
        throw new GatewayError(ErrorCode.ServerUnavailable, `Server "${this.id}" could not open a session: ${why}`, {
          cause: error,
        });
      })
      .finally(() => this.#opening.delete(key));
    this.#opening.set(key, attempt);
    return attempt;
  }

  /**
   * A request while the server is down does not wait for the backoff timer: it tries now, but not more than
   * once a second, so that busy clients cannot make a crashing server restart in a loop. A start in progress is
   * joined, never replaced: a second launch would kill a slow first one (a cold `npx` install) halfway.
   */
  #mayAttemptNow(): boolean {
    return this.#state === 'down' && this.#clock.now() - this.#lastAttemptAt >= MIN_ATTEMPT_INTERVAL_MS;
  }

  async #openPrimaryNow(): Promise<PooledConnection> {
    if (this.#state === 'closed') throw this.#unavailable();
    if (!this.#primaryOpening && !this.#mayAttemptNow() && this.#state === 'down') throw this.#unavailable();
    try {
      return await this.#openPrimary();
    } catch {
      throw this.#unavailable();
    }
  }

  #openPrimary(): Promise<PooledConnection> {
    if (this.#primaryOpening) return this.#primaryOpening;
    // A retry leaves the state as it is: a server that keeps failing stays "down" (with its reason) rather than
    // flickering between starting and down with every attempt.
    this.#lastAttemptAt = this.#clock.now();
    this.#primaryOpening = this.#open(PRIMARY_KEY, {}, undefined, undefined, true)
      .then((pooled) => {
        const replaced = this.#state === 'up';
        this.#setState('up');
        this.#failure = undefined;
        this.#retryDelayMs = INITIAL_RETRY_DELAY_MS;
        clearTimeout(this.#retryTimer);
        this.#retryTimer = undefined;
        this.#instructions = pooled.connection.instructions;
        if (this.config.transport === 'stdio') this.#prior ??= pooled.connection.discovery;
        this.#keepsSessions = pooled.connection.keepsSessions;
        const { catalog } = pooled;
        this.#log.info(
          {
            era: pooled.connection.era,
            sessions: this.#keepsSessions ? this.config.sessions : 'shared (the server keeps no session)',
            version: pooled.connection.serverInfo?.version,
            tools: catalog.tools.length,
            resources: catalog.resources.length,
            resourceTemplates: catalog.resourceTemplates.length,
            prompts: catalog.prompts.length,
            ...(this.#listFailures.length === 0 ? {} : { unavailableLists: this.#listFailures.map((f) => f.method) }),
          },
          replaced ? 'catalog session replaced' : 'server up',
        );
        this.#updateLastKnown(catalog);
        return pooled;
      })
      .catch((error: unknown) => {
        this.#markDown(this.#state === 'up' ? 'connection' : 'start', error);
        throw error;
      })
      .finally(() => {
        this.#primaryOpening = undefined;
        this.#firstStartSettled();
      });
    return this.#primaryOpening;
  }

  /**
   * Opens a connection and, when its catalog is one clients see (`list`), lists it; it joins the pool only then,
   * so that nobody is shown a catalog half listed. `partition` is undefined for a primary connection no partition
   * has taken over yet.
   */
  async #open(
    key: string,
    capabilities: ClientCapabilities,
    owner: string | undefined,
    partition: string | undefined,
    list: boolean,
  ): Promise<PooledConnection> {
    const pooled = new PooledConnection(capabilities, owner, partition, list, this.#clock.now());
    pooled.connection = await ServerConnection.open(
      this.config,
      capabilities,
      {
        onNotification: (notification) => this.#onNotification(pooled, notification),
        onServerRequest: (request, ctx) => this.#onServerRequest(pooled, request, ctx.mcpReq.signal),
        onClose: () => this.#onConnectionClosed(pooled),
      },
      this.#log,
      this.config.transport === 'stdio' ? this.#prior : undefined,
      this.#transportFor,
    );
    if (list) pooled.catalog = await this.#list(pooled, key === PRIMARY_KEY);
    if (this.#state === 'closed' || pooled.connection.closed) {
      await pooled.connection.close();
      throw this.#state === 'closed'
        ? this.#unavailable()
        : new StartFailure('connection closed', pooled.connection.stderrTail);
    }
    this.#pool.set(key, pooled);
    return pooled;
  }

  /**
   * The client session that had taken over the primary connection ended, and the server's session holds its
   * state: the catalog moves to a new primary, and the old one is closed once it has (or at once, if that fails,
   * and the primary is then reopened as after any failure). Meanwhile no other partition may take it over.
   */
  #replacePrimary(old: PooledConnection): void {
    old.retire();
    const close = () => void old.connection.close();
    this.#openPrimary().then(close, close);
  }

  /** Lists a connection's catalog; the primary connection's list failures are what /healthz reports. */
  async #list(pooled: PooledConnection, primary: boolean): Promise<ServerCatalog> {
    const { catalog, failures } = await listCatalog(pooled.connection, this.config.timeoutMs);
    for (const failure of failures) {
      const key = `${failure.method}\n${failure.error}`;
      if (this.#warnedLists.has(key)) continue;
      this.#warnedLists.add(key);
      this.#log.warn(
        { method: failure.method, err: failure.error },
        `${failure.method} failed: that list stays empty; the server's other lists and its calls still work`,
      );
    }
    if (primary) this.#listFailures = failures;
    return catalog;
  }

  #onConnectionClosed(pooled: PooledConnection): void {
    for (const [key, entry] of this.#pool) {
      if (entry !== pooled) continue;
      this.#pool.delete(key);
      if (key !== PRIMARY_KEY || this.#state === 'closed') return;
      this.#markDown('connection', new StartFailure('connection closed', pooled.connection.stderrTail));
      return;
    }
  }

  /** Records what the primary connection lists, and tells the gateway what changed since it last knew. */
  #updateLastKnown(catalog: ServerCatalog): void {
    const kinds = changedKinds(this.#lastKnown, catalog);
    this.#lastKnown = catalog;
    // Even with no visible change, the gateway must drop catalogs it aggregated while the server was down.
    this.#listener.catalogChanged(this, kinds);
  }

  #setState(state: UpstreamState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#since = this.#clock.now();
  }

  #markDown(step: FailureStep, error: unknown): void {
    if (this.#state === 'closed') return;
    this.#setState('down');
    const message = error instanceof Error ? error.message : String(error);
    const stderr = error instanceof StartFailure && error.stderr.length > 0 ? error.stderr : undefined;
    // Each new way of failing is a warning; the same failure again, retry after retry, is not news.
    const repeated = this.#failure?.step === step && this.#failure.error === message;
    this.#failure = { step, error: message, ...(stderr ? { stderr } : {}) };
    const delay = this.#retryDelayMs;
    this.#retryDelayMs = Math.min(this.#retryDelayMs * 2, MAX_RETRY_DELAY_MS);
    const fields = { step, err: message, ...(stderr ? { stderr } : {}), retryInMs: delay };
    if (repeated) this.#log.info(fields, 'server still down');
    else this.#log.warn(fields, 'server down');
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => void this.#openPrimary().catch(() => undefined), delay);
    this.#retryTimer.unref();
  }

  #onNotification(pooled: PooledConnection, notification: Notification): void {
    const method = notification.method;
    this.#log.debug({ method }, 'notification from server');
    const changed = LIST_CHANGED_METHODS.get(method);
    if (changed) {
      // A connection that carries only one partition's requests lists nothing: clients see the primary's
      // catalog, and a list that changes for one session alone (rare) does not reach the others' lists.
      if (pooled.lists) void this.#refreshCatalog(pooled, changed);
      return;
    }
    if (method === 'notifications/resources/updated') {
      // To the client sessions that subscribed to it on this connection, and so only within its partition.
      const uri = notification.params?.uri;
      this.#listener.notification(this, notification, typeof uri === 'string' ? pooled.subscribersOf(uri) : []);
      return;
    }
    const current = pooled.soleCaller();
    this.#listener.notification(this, notification, current ? [current] : pooled.attachedCallers());
  }

  /**
   * Re-lists after a list_changed. The server's word is enough to tell clients, and they are told at once, not
   * after the re-listing (which a busy server can make slow): a client that lists meanwhile waits for the new
   * list (see `refreshing`). Other lists found changed on the way are told after.
   */
  async #refreshCatalog(pooled: PooledConnection, notified: CatalogKind): Promise<void> {
    const before = pooled.catalog;
    const primary = this.#pool.get(PRIMARY_KEY) === pooled;
    const listing = this.#list(pooled, primary);
    pooled.refreshing = listing;
    this.#listener.catalogChanged(this, new Set([notified]));
    try {
      pooled.catalog = await listing;
      if (primary) this.#lastKnown = pooled.catalog;
      const others = changedKinds(before, pooled.catalog);
      others.delete(notified);
      // Told even when nothing else changed: the aggregated catalogs made meanwhile are dropped.
      this.#listener.catalogChanged(this, others);
    } catch (error) {
      this.#log.warn({ err: (error as Error).message }, 'could not refresh the catalog after list_changed');
    } finally {
      if (pooled.refreshing === listing) pooled.refreshing = undefined;
    }
  }

  async #onServerRequest(pooled: PooledConnection, request: JSONRPCRequest, signal: AbortSignal): Promise<RawResult> {
    const caller = pooled.soleCaller() ?? (pooled.inFlightCount() === 0 ? pooled.soleAttached() : undefined);
    if (!caller) {
      // The answer goes to the server, as a JSON-RPC error: numeric code, the catalogue's code in its data.
      throw new ProtocolError(
        ProtocolErrorCode.InternalError,
        `Toolgate cannot tell which client this ${request.method} request is for: several client sessions share this server connection`,
        { code: ErrorCode.UnroutableServerRequest },
      );
    }
    if (!canSee(caller.principal, this.id)) {
      // The one client session on the connection no longer may see this server (its grant changed).
      throw new ProtocolError(
        ProtocolErrorCode.InternalError,
        `Toolgate has no client this server may ask ${request.method}`,
        { code: ErrorCode.UnroutableServerRequest },
      );
    }
    return caller.request({ method: request.method, params: request.params }, { signal });
  }

  #translateError(error: unknown): unknown {
    const oversized = oversizedOf(error);
    if (oversized) {
      return new GatewayError(
        ErrorCode.ServerFailed,
        `Server "${this.id}" answered with ${oversized.bytes} bytes, more than its maxResultBytes (${oversized.maxBytes} bytes): Toolgate dropped the answer`,
        { cause: error, data: { maxResultBytes: oversized.maxBytes } },
      );
    }
    if (error instanceof ProtocolError || error instanceof GatewayError) return error;
    if (error instanceof SdkError && error.code === SdkErrorCode.RequestTimeout) {
      return new GatewayError(ErrorCode.ServerTimeout, `Server "${this.id}" did not answer in time`, {
        cause: error,
      });
    }
    if (error instanceof Error && error.name === 'AbortError') return error;
    return new GatewayError(
      ErrorCode.ServerFailed,
      `Server "${this.id}" failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }

  #unavailable(): GatewayError {
    return new GatewayError(ErrorCode.ServerUnavailable, `Server "${this.id}" is ${this.describe()}`);
  }

  /** The server's state in a few words, for messages to clients: "starting", "unavailable: <why>". */
  describe(): string {
    if (this.#state === 'starting') return 'starting';
    if (this.#state === 'up') return 'up';
    const why = this.#failure ? `: ${this.#failure.error}` : '';
    return `unavailable${why}`;
  }
}

const PRIMARY_KEY = capabilityKey({});
/**
 * How long a list waits for a server that is starting. Long enough for a server that starts as usual, so that a
 * client's first list right after the gateway starts holds it; short enough that a slow one (a cold `npx`
 * install) never holds up a client, which then learns of the server's tools by list_changed.
 */
const LIST_WAIT_MS = 10_000;
const INITIAL_RETRY_DELAY_MS = 500;
const MIN_ATTEMPT_INTERVAL_MS = 1_000;
const MAX_RETRY_DELAY_MS = 30_000;
const LIST_CHANGED_METHODS = new Map<string, CatalogKind>([
  ['notifications/tools/list_changed', 'tools'],
  ['notifications/resources/list_changed', 'resources'],
  ['notifications/prompts/list_changed', 'prompts'],
]);

/**
 * A 2026-07-28 server logs only when the request says at what level; a 2025-era server was told once, with
 * logging/setLevel, and filters by itself. So on a modern connection the client's level travels with each request.
 */
function withLogLevel(
  params: Record<string, unknown> | undefined,
  era: string | undefined,
  level: LoggingLevel | undefined,
): Record<string, unknown> | undefined {
  if (era !== 'modern' || level === undefined) return params;
  const meta = (params?._meta ?? {}) as Record<string, unknown>;
  return { ...params, _meta: { ...meta, [LOG_LEVEL_META_KEY]: level } };
}

/** The request `_meta` key that carries a 2026-07-28 client's log level. */
const LOG_LEVEL_META_KEY = 'io.modelcontextprotocol/logLevel';

/** Runs `promise` to its end in the background, but waits for it no longer than `ms`. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((done) => {
    timer = setTimeout(done, ms);
    timer.unref();
  });
  await Promise.race([
    promise.then(
      () => undefined,
      () => undefined,
    ),
    waited,
  ]);
  clearTimeout(timer);
}
