import type {
  ClientCapabilities,
  JSONRPCRequest,
  LoggingLevel,
  Notification,
  RequestOptions,
} from '@modelcontextprotocol/client';
import { ProtocolError, SdkError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import type { ServerConfig } from '../config/load.js';
import { GatewayError, GatewayErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { RawResult } from '../raw-result.js';
import { capabilityKey, serverFacingCapabilities, type Caller } from './caller.js';
import { ServerConnection } from './server-connection.js';

/** One item of a server's list (a tool, resource, resource template or prompt), exactly as the server sent it. */
export type CatalogItem = RawResult;

/** Everything one server offers, as listed on one connection. */
export interface ServerCatalog {
  readonly tools: readonly CatalogItem[];
  readonly resources: readonly CatalogItem[];
  readonly resourceTemplates: readonly CatalogItem[];
  readonly prompts: readonly CatalogItem[];
}

const EMPTY_CATALOG: ServerCatalog = Object.freeze({ tools: [], resources: [], resourceTemplates: [], prompts: [] });

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

/** Where an upstream is in its life. */
export type UpstreamState = 'connecting' | 'ready' | 'down' | 'closed';

/** What an upstream tells the gateway. */
export interface UpstreamListener {
  /** The server's tools, resources or prompts changed (a list_changed, a reconnect, a crash). */
  catalogChanged(upstream: Upstream, kinds: ReadonlySet<CatalogKind>): void;
  /**
   * A notification from the server that is not tied to a request the gateway made: logging, resource
   * updates, custom notifications. `audience` is the client sessions it concerns.
   */
  notification(upstream: Upstream, notification: Notification, audience: readonly Caller[]): void;
}

/**
 * One configured MCP server and the gateway's connections to it.
 *
 * Connections are keyed by the server-facing capabilities of the client (sampling, elicitation, roots), because
 * a server learns a client's capabilities once, at connect. Clients that declare none of these share the
 * primary connection, which the gateway keeps open and reconnects with backoff. For HTTP servers, a client that
 * declares any of them gets a connection of its own, so that a server's request always reaches the client whose
 * call caused it. A stdio server is one process: its connections are shared by capability set, and a server
 * request is routed to the one client session with a call in flight; when calls of several sessions are in
 * flight the request cannot be attributed and is refused (fail closed: never show one user's prompt to another).
 */
export class Upstream {
  readonly config: ServerConfig;
  readonly #log: Logger;
  readonly #listener: UpstreamListener;
  readonly #pool = new Map<string, PooledConnection>();
  #state: UpstreamState = 'connecting';
  #lastError: string | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryDelayMs = INITIAL_RETRY_DELAY_MS;
  #primaryOpening: Promise<PooledConnection> | undefined;
  #lastKnown: ServerCatalog = EMPTY_CATALOG;
  #lastAttemptAt = 0;

  constructor(config: ServerConfig, listener: UpstreamListener, log: Logger) {
    this.config = config;
    this.#listener = listener;
    this.#log = log.child({ server: config.id });
  }

  get id(): string {
    return this.config.id;
  }

  get state(): UpstreamState {
    return this.#state;
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  /**
   * The catalog of the primary connection: what a client with no server-facing capabilities sees. While the
   * server is down, the last catalog it listed: its tools stay visible and answer with an error naming the server,
   * rather than vanishing and reappearing with every restart.
   */
  get catalog(): ServerCatalog {
    return this.#pool.get(PRIMARY_KEY)?.catalog ?? this.#lastKnown;
  }

  /** Starts connecting; resolves once the first attempt has succeeded or failed (failures schedule retries). */
  async start(): Promise<void> {
    await this.#openPrimary().catch(() => undefined);
  }

  /** The catalog a given client sees on this server (it may differ with the client's capabilities). */
  async catalogFor(caller: Caller | undefined): Promise<ServerCatalog> {
    if (this.#state === 'closed') return EMPTY_CATALOG;
    try {
      return (await this.#connectionFor(caller)).catalog;
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
    }
  }

  /** Drops a connection the server no longer knows; the next request opens a new one. */
  #discard(pooled: PooledConnection): void {
    for (const [key, entry] of this.#pool) {
      if (entry === pooled) this.#pool.delete(key);
    }
    void pooled.connection.close();
  }

  /** Sends a notification to the server on the connection `caller` uses (e.g. roots/list_changed). */
  async notify(caller: Caller | undefined, method: string, params?: Record<string, unknown>): Promise<void> {
    const pooled = await this.#connectionFor(caller);
    await pooled.connection.notify(method, params);
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

  /** Forgets a client session: its subscriptions end and its dedicated connections are closed. */
  detach(sessionId: string): void {
    for (const [key, pooled] of this.#pool) {
      pooled.attached.delete(sessionId);
      for (const uri of [...pooled.subscribers.keys()]) void this.#dropSubscriber(pooled, uri, sessionId);
      if (pooled.owner === sessionId) {
        this.#pool.delete(key);
        void pooled.connection.close();
      }
    }
  }

  /** Closes every connection and stops reconnecting. */
  async close(): Promise<void> {
    this.#state = 'closed';
    clearTimeout(this.#retryTimer);
    const pooled = [...this.#pool.values()];
    this.#pool.clear();
    await Promise.all(pooled.map((entry) => entry.connection.close()));
  }

  async #connectionFor(caller: Caller | undefined): Promise<PooledConnection> {
    const capabilities = caller ? serverFacingCapabilities(caller.capabilities) : {};
    const capsKey = capabilityKey(capabilities);
    if (capsKey === PRIMARY_KEY) {
      const primary = this.#pool.get(PRIMARY_KEY) ?? (await this.#openPrimaryNow());
      if (caller) primary.attached.set(caller.sessionId, caller.session ?? caller);
      return primary;
    }
    const owner = this.config.transport === 'stdio' ? undefined : caller?.sessionId;
    const key = owner === undefined ? capsKey : `${capsKey}#${owner}`;
    let pooled = this.#pool.get(key);
    if (!pooled || pooled.connection.closed) {
      if (this.#state !== 'ready') throw this.#unavailable();
      pooled = await this.#open(key, capabilities, owner);
    }
    if (caller) pooled.attached.set(caller.sessionId, caller.session ?? caller);
    return pooled;
  }

  async #openPrimaryNow(): Promise<PooledConnection> {
    if (this.#state === 'closed') throw this.#unavailable();
    // A request while the server is down does not wait for the backoff timer: it tries now, but not more than
    // once a second, so that busy clients cannot make a crashing server restart in a loop.
    if (this.#state === 'down' && !this.#primaryOpening && Date.now() - this.#lastAttemptAt < MIN_ATTEMPT_INTERVAL_MS) {
      throw this.#unavailable();
    }
    try {
      return await this.#openPrimary();
    } catch {
      throw this.#unavailable();
    }
  }

  #openPrimary(): Promise<PooledConnection> {
    if (!this.#primaryOpening) this.#lastAttemptAt = Date.now();
    this.#primaryOpening ??= this.#open(PRIMARY_KEY, {}, undefined)
      .then((pooled) => {
        this.#state = 'ready';
        this.#lastError = undefined;
        this.#retryDelayMs = INITIAL_RETRY_DELAY_MS;
        clearTimeout(this.#retryTimer);
        this.#retryTimer = undefined;
        this.#log.info({ era: pooled.connection.era, tools: pooled.catalog.tools.length }, 'server connected');
        this.#updateLastKnown(pooled.catalog);
        return pooled;
      })
      .catch((error: unknown) => {
        this.#markDown(error);
        throw error;
      })
      .finally(() => {
        this.#primaryOpening = undefined;
      });
    return this.#primaryOpening;
  }

  async #open(key: string, capabilities: ClientCapabilities, owner: string | undefined): Promise<PooledConnection> {
    const pooled = new PooledConnection(owner);
    pooled.connection = await ServerConnection.open(
      this.config,
      capabilities,
      {
        onNotification: (notification) => this.#onNotification(pooled, notification),
        onServerRequest: (request, ctx) => this.#onServerRequest(pooled, request, ctx.mcpReq.signal),
        onClose: () => this.#onConnectionClosed(key, pooled),
      },
      this.#log,
    );
    if (this.#state === 'closed') {
      await pooled.connection.close();
      throw this.#unavailable();
    }
    this.#pool.set(key, pooled);
    try {
      pooled.catalog = await listCatalog(pooled.connection, this.config.timeoutMs);
    } catch (error) {
      this.#pool.delete(key);
      await pooled.connection.close();
      throw error;
    }
    return pooled;
  }

  #onConnectionClosed(key: string, pooled: PooledConnection): void {
    if (this.#pool.get(key) !== pooled) return;
    this.#pool.delete(key);
    if (key !== PRIMARY_KEY || this.#state === 'closed') return;
    this.#markDown(new Error('connection closed'));
  }

  /** Records what the primary connection lists, and tells the gateway what changed since it last knew. */
  #updateLastKnown(catalog: ServerCatalog): void {
    const kinds = changedKinds(this.#lastKnown, catalog);
    this.#lastKnown = catalog;
    // Even with no visible change, the gateway must drop catalogs it aggregated while the server was down.
    this.#listener.catalogChanged(this, kinds);
  }

  #markDown(error: unknown): void {
    if (this.#state === 'closed') return;
    this.#state = 'down';
    this.#lastError = error instanceof Error ? error.message : String(error);
    const delay = this.#retryDelayMs;
    this.#retryDelayMs = Math.min(this.#retryDelayMs * 2, MAX_RETRY_DELAY_MS);
    this.#log.warn({ err: this.#lastError, retryInMs: delay }, 'server unavailable');
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => void this.#openPrimary().catch(() => undefined), delay);
    this.#retryTimer.unref();
  }

  #onNotification(pooled: PooledConnection, notification: Notification): void {
    const method = notification.method;
    this.#log.debug({ method }, 'notification from server');
    const changed = LIST_CHANGED_METHODS.get(method);
    if (changed) {
      void this.#refreshCatalog(pooled, changed);
      return;
    }
    const current = pooled.soleCaller();
    this.#listener.notification(this, notification, current ? [current] : [...pooled.attached.values()]);
  }

  /** Re-lists after a list_changed. The server's word is enough to tell clients, whatever the gateway sees. */
  async #refreshCatalog(pooled: PooledConnection, notified: CatalogKind): Promise<void> {
    try {
      const before = pooled.catalog;
      pooled.catalog = await listCatalog(pooled.connection, this.config.timeoutMs);
      if (this.#pool.get(PRIMARY_KEY) === pooled) this.#lastKnown = pooled.catalog;
      this.#listener.catalogChanged(this, changedKinds(before, pooled.catalog).add(notified));
    } catch (error) {
      this.#log.warn({ err: (error as Error).message }, 'could not refresh the catalog after list_changed');
    }
  }

  async #onServerRequest(pooled: PooledConnection, request: JSONRPCRequest, signal: AbortSignal): Promise<RawResult> {
    const caller = pooled.soleCaller() ?? (pooled.inFlightCount() === 0 ? pooled.soleAttached() : undefined);
    if (!caller) {
      throw new ProtocolError(
        INTERNAL_ERROR,
        `Toolgate cannot tell which client this ${request.method} request is for: several client sessions share this server connection`,
      );
    }
    return caller.request({ method: request.method, params: request.params }, { signal });
  }

  #translateError(error: unknown): unknown {
    if (error instanceof ProtocolError || error instanceof GatewayError) return error;
    if (error instanceof SdkError && error.code === SdkErrorCode.RequestTimeout) {
      return new GatewayError(GatewayErrorCode.ServerTimeout, `Server "${this.id}" did not answer in time`, {
        cause: error,
      });
    }
    if (error instanceof Error && error.name === 'AbortError') return error;
    return new GatewayError(
      GatewayErrorCode.ServerFailed,
      `Server "${this.id}" failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }

  #unavailable(): GatewayError {
    const why = this.#lastError ? `: ${this.#lastError}` : '';
    return new GatewayError(GatewayErrorCode.ServerUnavailable, `Server "${this.id}" is unavailable${why}`);
  }
}

const PRIMARY_KEY = capabilityKey({});
const INITIAL_RETRY_DELAY_MS = 500;
const MIN_ATTEMPT_INTERVAL_MS = 1_000;
const MAX_RETRY_DELAY_MS = 30_000;
const INTERNAL_ERROR = -32603;
const LIST_CHANGED_METHODS = new Map<string, CatalogKind>([
  ['notifications/tools/list_changed', 'tools'],
  ['notifications/resources/list_changed', 'resources'],
  ['notifications/prompts/list_changed', 'prompts'],
]);

/** A connection in the pool, with who uses it and what is in flight on it. */
class PooledConnection {
  connection!: ServerConnection;
  catalog: ServerCatalog = EMPTY_CATALOG;
  /**
   * Client sessions that used this connection, reached outside any call, for notifications and server requests
   * that no call caused.
   */
  readonly attached = new Map<string, Caller>();
  /** Resource URIs subscribed on this connection, and the client sessions that want their updates. */
  readonly subscribers = new Map<string, Set<string>>();
  readonly #inFlight = new Map<Caller, number>();
  readonly owner: string | undefined;

  constructor(owner: string | undefined) {
    this.owner = owner;
  }

  /** Records a call in flight; returns the function that ends it. */
  enter(caller: Caller | undefined): () => void {
    if (!caller) return () => undefined;
    this.#inFlight.set(caller, (this.#inFlight.get(caller) ?? 0) + 1);
    return () => {
      const left = (this.#inFlight.get(caller) ?? 1) - 1;
      if (left === 0) this.#inFlight.delete(caller);
      else this.#inFlight.set(caller, left);
    };
  }

  inFlightCount(): number {
    return this.#inFlight.size;
  }

  /** The one caller with calls in flight, if there is exactly one. */
  soleCaller(): Caller | undefined {
    if (this.#inFlight.size !== 1) return undefined;
    return this.#inFlight.keys().next().value;
  }

  /** The one attached session, if there is exactly one. */
  soleAttached(): Caller | undefined {
    if (this.attached.size !== 1) return undefined;
    return this.attached.values().next().value;
  }
}

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

/** Lists everything a server offers, following every cursor. */
async function listCatalog(connection: ServerConnection, timeoutMs: number): Promise<ServerCatalog> {
  const capabilities = connection.serverCapabilities;
  const [tools, resources, resourceTemplates, prompts] = await Promise.all([
    capabilities.tools ? listAll(connection, 'tools/list', 'tools', timeoutMs) : [],
    capabilities.resources ? listAll(connection, 'resources/list', 'resources', timeoutMs) : [],
    capabilities.resources ? listAll(connection, 'resources/templates/list', 'resourceTemplates', timeoutMs) : [],
    capabilities.prompts ? listAll(connection, 'prompts/list', 'prompts', timeoutMs) : [],
  ]);
  return Object.freeze({ tools, resources, resourceTemplates, prompts });
}

async function listAll(
  connection: ServerConnection,
  method: string,
  field: string,
  timeoutMs: number,
): Promise<CatalogItem[]> {
  const items: CatalogItem[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const result = await connection.request(method, cursor === undefined ? {} : { cursor }, { timeout: timeoutMs });
    const pageItems = result[field];
    if (Array.isArray(pageItems)) items.push(...(pageItems as CatalogItem[]));
    cursor = typeof result.nextCursor === 'string' ? result.nextCursor : undefined;
    if (cursor === undefined) return items;
  }
  throw new Error(`${method} returned more than ${MAX_LIST_PAGES} pages`);
}

/** A guard against a server whose cursors never end. */
const MAX_LIST_PAGES = 1000;
