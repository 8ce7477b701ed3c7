import { ApprovalGate } from './approvals/approval-gate.js';
import { ApprovalQueue } from './approvals/approval-queue.js';
import type { ApprovalSignal } from './approvals/approval-signal.js';
import type { ApprovalStore } from './approvals/approval-store.js';
import { deliverWebhook } from './approvals/approval-webhook.js';
import { startAuditRetention, type AuditRetention } from './audit/audit-retention.js';
import type { AuditSink } from './audit/audit-sink.js';
import { JsonlFileSink } from './audit/jsonl-file-sink.js';
import { DEFAULT_REDACT_KEYS } from './audit/redact.js';
import { TeeAuditSink } from './audit/tee-audit-sink.js';
import { CatalogService } from './catalog/catalog-service.js';
import { systemClock, type Clock } from './clock.js';
import { outlineOf, type GatewayConfig } from './config/load.js';
import { adminPort } from './config/gateway-config.js';
import { PolicyFiles } from './config/policy-files.js';
import { EraBridge } from './downstream/era-bridge.js';
import type { DownstreamDeps } from './downstream/mcp-endpoint.js';
import { startHttpEndpoint, type HttpEndpoint } from './downstream/http-endpoint.js';
import { startAdminListener, type AdminListener } from './admin/admin-listener.js';
import type { AdminContext } from './admin/admin-context.js';
import { stdioCommand } from './config/stdio-command.js';
import { serveStdioEndpoint } from './downstream/stdio-endpoint.js';
import { Authenticator } from './grants/authenticate.js';
import type { GrantStore } from './grants/grant-store.js';
import { grantPrincipal, localPrincipal } from './grants/principal.js';
import { isLoopbackHost } from './config/listen-address.js';
import { createLogger, type Logger } from './observability/log.js';
import type { LimitStore } from './limits/limit-store.js';
import { openCounters } from './stores/counters.js';
import { openPostgresStores } from './stores/postgres-stores.js';
import { sqliteStores } from './stores/sqlite-stores.js';
import type { StateStores } from './stores/state-stores.js';
import { GatewayMetrics } from './observability/metrics.js';
import { changePayload } from './pinning/change-record.js';
import type { PinSnapshot, PinStore } from './pinning/pin-store.js';
import { ToolPins, type Classify } from './pinning/tool-pins.js';
import { SessionRegistry } from './sessions/session-registry.js';
import { LocalReplicaRelay, type ReplicaRelay } from './sessions/replica-relay.js';
import { RedisReplicaRelay } from './sessions/redis-replica-relay.js';
import { classifyTool } from './risk/classify-tool.js';
import { poolListings } from './services/server-listings.js';
import { servicesOn, type Services } from './services/services.js';
import { StateLockedError } from './state/lock-wait.js';
import { openStateDb, proveWritable, type StateDb } from './state/state-db.js';
import type { TransportFactory } from './upstream/server-connection.js';
import { UpstreamPool } from './upstream/upstream-pool.js';
import type { Upstream, UpstreamListener } from './upstream/upstream.js';

/**
 * How often spent counter events are dropped, and the least they are kept: a policy loaded later (a grant's
 * first call) may have a window as long as a day and must find its counters whole.
 */
const PRUNE_INTERVAL_MS = 60_000;
const MIN_COUNTER_KEEP_MS = 24 * 60 * 60_000;
/** How often pending approvals past their time are marked expired. */
const APPROVAL_SWEEP_MS = 5_000;
/** How often the gateway looks for pin changes other processes recorded (an acceptance made with the CLI). */
const PIN_POLL_MS = 1_000;
/** How long a bridged call waits for its client to come back with an answer. */
const BRIDGE_IDLE_TIMEOUT_MS = 5 * 60_000;
/** Room for what the relay wraps around a client's message or a server's result. */
const RELAY_ENVELOPE_BYTES = 64 * 1024;

/** A started gateway with its HTTP endpoint. */
export interface RunningGateway {
  readonly upstreams: UpstreamPool;
  readonly http: HttpEndpoint;
  /** The console and admin API, unless `admin.console` is false. */
  readonly admin?: AdminListener;
  stop(): Promise<void>;
}

/**
 * Starts the gateway behind an HTTP endpoint. Tokenless callers are served only where the operator said so and
 * only on loopback (checked here too, as `--host` overrides the file after it was validated).
 */
export async function startGateway(
  config: GatewayConfig,
  log: Logger = createLogger(config.log.level),
): Promise<RunningGateway> {
  if (config.listen.allowTokenless && !isLoopbackHost(config.listen.host)) {
    throw new Error(
      `Refusing to listen on ${config.listen.host} with listen.allowTokenless: tokenless callers are served only on ` +
        'loopback. Give each client a grant (toolgate grants create), or listen on 127.0.0.1 (the default).',
    );
  }
  const state = await openState(config, log);
  try {
    if (!config.listen.allowTokenless && !(await state.grants.hasActiveGrants())) {
      log.warn(
        'no active grant, and listen.allowTokenless is off: every HTTP client is refused (401) until one is created with `toolgate grants create`',
      );
    }
    const relay = replicaRelayOf(config, log);
    let gateway: ComposedGateway;
    try {
      await relay.ready();
      gateway = composeGateway(config, log, state, { relay });
    } catch (error) {
      await relay.close();
      throw error;
    }
    let http: HttpEndpoint | undefined;
    let admin: AdminListener | undefined;
    const adminContext: AdminContext = {
      services: state.services(gateway),
      clock: systemClock,
      servers: () => gateway.deps.upstreams.servers(),
      clients: {
        mcpUrl: () => http?.url ?? '',
        stdioCommand: (grant) => stdioCommand(config.file ?? 'toolgate.json', grant),
      },
    };
    try {
      http = await startHttpEndpoint({
        config,
        downstream: gateway.deps,
        authenticator: new Authenticator(state.grants, {
          allowTokenless: config.listen.allowTokenless,
          localPolicy: config.policy,
        }),
        metrics: gateway.metrics,
        admin: adminContext,
        clock: systemClock,
        relay,
      });
      if (config.admin.console) admin = await startAdminListener(config.admin, adminPort(config), adminContext, log);
    } catch (error) {
      await http?.close();
      await gateway.close();
      throw error;
    }
    const endpoint = http;
    log.info({ url: endpoint.url, servers: gateway.deps.upstreams.servers().map((s) => s.id) }, 'toolgate listening');
    if (admin) log.info({ url: admin.url }, 'console listening');
    void gateway.deps.upstreams.settled().then(() => logReady(gateway.deps.upstreams, log));
    return {
      upstreams: gateway.deps.upstreams,
      http: endpoint,
      ...(admin ? { admin } : {}),
      async stop() {
        await admin?.close();
        await endpoint.close();
        await gateway.close();
        await state.close();
      },
    };
  } catch (error) {
    await state.close();
    throw error;
  }
}

/**
 * Prepares the gateway for stdin/stdout, as the grant labelled `grantLabel` when one is given (its policy and
 * servers apply), else as the local operator, and returns what serves it until the client disconnects.
 * Everything that can stop it from starting (the state database, the grant, the policy) fails here, before stdin
 * is read, so that the caller can still tell the client why.
 */
export async function openStdioGateway(
  config: GatewayConfig,
  grantLabel: string | undefined,
  log: Logger = createLogger(config.log.level),
): Promise<() => Promise<void>> {
  const state = await openState(config, log);
  let gateway: ComposedGateway | undefined;
  try {
    const grant = grantLabel === undefined ? undefined : await state.grants.find(grantLabel);
    if (grantLabel !== undefined && !grant) throw new Error(`No active grant labelled "${grantLabel}"`);
    gateway = composeGateway(config, log, state);
    const started = gateway;
    void started.deps.upstreams.settled().then(() => logReady(started.deps.upstreams, log));
    const principal = grant ? grantPrincipal(grant) : localPrincipal(config.policy);
    return async () => {
      try {
        await serveStdioEndpoint(started.deps, principal, config.listen.maxBodyBytes);
      } finally {
        await started.close();
        await state.close();
      }
    };
  } catch (error) {
    await gateway?.close();
    await state.close();
    throw error;
  }
}

/** Everything a running gateway is made of, wired; started on return. */
export interface ComposedGateway {
  readonly deps: DownstreamDeps;
  readonly metrics: GatewayMetrics;
  readonly approvalQueue: ApprovalQueue;
  readonly pins: ToolPins;
  close(): Promise<void>;
}

/**
 * The composition root: builds each piece once, hands each what it uses, and owns the timers. The config's
 * policy, if it names one, must load: the gateway does not start on a policy it cannot read.
 */
export function composeGateway(
  config: GatewayConfig,
  log: Logger,
  state: GatewayStores,
  options: ComposeOptions = {},
): ComposedGateway {
  const clock = options.clock ?? systemClock;
  const redact = [...DEFAULT_REDACT_KEYS, ...config.audit.redact];
  // Told of catalog changes once the servers run, after the catalog below exists.
  const sessions = new SessionRegistry(() => catalog.invalidate(), log);
  // Read when scraped, once the servers below exist.
  const metrics = new GatewayMetrics(
    () => upstreams.servers(),
    async () => (await state.approvals.list('pending')).length,
    () => state.audit.stats(),
  );
  // Metrics are read off the audit records: one per call, on every exit path, so the two always agree.
  const audit = new TeeAuditSink([state.audit, metrics.auditSink]);
  const pins = toolPinsOf(config, state, audit, log, clock, options.classify ?? classifyByRisk, (serverId) =>
    sessions.catalogChanged(upstreams.get(serverId), new Set(['tools'])),
  );
  const upstreams = new UpstreamPool(config, reviewingListings(pins, sessions), log, {
    clock,
    transportFor: options.transportFor,
    instructionsShown: (serverId, text) => pins.instructionsShown(serverId, text),
  });
  const catalog = new CatalogService(upstreams, config.namespacing, (serverId, tool) => pins.viewOf(serverId, tool));
  const policies = new PolicyFiles(log, (file) => sessions.policyChanged(file));
  if (config.policy !== null) policies.require(config.policy);
  const approvalQueue = new ApprovalQueue(state.approvals, config.approvals, log, clock, state.approvalSignal);
  const relay = options.relay ?? new LocalReplicaRelay();
  const eraBridge = new EraBridge(BRIDGE_IDLE_TIMEOUT_MS, relay);
  const deps: DownstreamDeps = {
    catalog,
    policies,
    approvals: new ApprovalGate(approvalQueue, { expireMs: config.approvals.expireMs, redact }, clock, log),
    limits: state.limits,
    upstreams,
    sessions,
    audit,
    auditSettings: { arguments: config.audit.arguments, redact, acknowledge: config.audit.acknowledge },
    bounds: {
      maxNameLength: config.listen.maxNameLength,
      maxUriLength: config.listen.maxUriLength,
      maxArgumentDepth: config.listen.maxArgumentDepth,
    },
    clock,
    log,
    eraBridge,
  };
  upstreams.start();
  // Counters older than any window are dead weight; dropping them now and then keeps memory flat.
  const pruneTimer = setInterval(
    () =>
      void state.limits
        .prune(clock.now(), Math.max(MIN_COUNTER_KEEP_MS, policies.longestWindowMs()))
        .catch((error: unknown) => log.warn({ err: (error as Error).message }, 'could not prune counters')),
    PRUNE_INTERVAL_MS,
  );
  pruneTimer.unref();
  const expiryTimer = setInterval(() => void approvalQueue.expireDue(), APPROVAL_SWEEP_MS);
  expiryTimer.unref();
  // Sessions with servers that no call uses end, and with them what the servers keep for them.
  const idleTimer = setInterval(() => upstreams.closeIdle(), upstreams.idleCheckMs());
  idleTimer.unref();
  // An acceptance made with the CLI (another process) is found in the state database.
  const pinTimer = setInterval(() => void pins.poll(), PIN_POLL_MS);
  pinTimer.unref();
  return {
    deps,
    metrics,
    approvalQueue,
    pins,
    async close() {
      clearInterval(pruneTimer);
      clearInterval(expiryTimer);
      clearInterval(idleTimer);
      clearInterval(pinTimer);
      policies.close();
      eraBridge.close();
      await relay.close();
      await upstreams.close();
      // The changes the last listings showed are recorded before the state database closes.
      await pins.settled();
    },
  };
}

/** A tool's class by src/risk's classifier: what the policy's `categories` and `risks` rules match on. */
const classifyByRisk: Classify = (tool, instructions) => {
  const { category, risk } = classifyTool(tool, instructions === undefined ? {} : { instructions });
  return { category, risk };
};

/** The pinned definitions, as stored when the gateway started; each change is audited and, with a webhook, sent. */
function toolPinsOf(
  config: GatewayConfig,
  state: GatewayStores,
  audit: AuditSink,
  log: Logger,
  clock: Clock,
  classify: Classify | undefined,
  onChange: (serverId: string) => void,
): ToolPins {
  const { webhook } = config.approvals;
  return new ToolPins({
    store: state.pins,
    snapshot: state.pinned,
    rules: config.pinning,
    ...(classify ? { classify } : {}),
    audit,
    ...(webhook
      ? {
          announce: (change) =>
            void deliverWebhook(
              webhook,
              changePayload(change),
              { serverId: change.serverId, tool: change.tool },
              log,
              clock,
            ),
        }
      : {}),
    onChange,
    log,
    clock,
  });
}

/**
 * The servers' listener: each catalog a server lists is reviewed against the pins first, so that no client is
 * told of a change (and lists, or calls, what changed) before the gateway has. A listing whose tools list failed
 * says nothing of the tools: it is not reviewed (its tools would all look removed).
 */
function reviewingListings(pins: ToolPins, sessions: SessionRegistry): UpstreamListener {
  return {
    catalogChanged(upstream: Upstream, kinds) {
      const failed = upstream.health().lists?.some((failure) => failure.method === 'tools/list') ?? false;
      if (upstream.hasListed && !failed) pins.listed(upstream.id, upstream.catalog.tools, upstream.instructions);
      sessions.catalogChanged(upstream, kinds);
    },
    notification: (upstream, notification, audience) => sessions.notification(upstream, notification, audience),
  };
}

/**
 * One line once every server's first start has come out: which servers serve, and why the others do not. Each
 * server's own lines ("server up", "server down") say more as they happen.
 */
function logReady(upstreams: UpstreamPool, log: Logger): void {
  const servers = upstreams.servers();
  const up = servers.filter((s) => s.state === 'up').map((s) => s.id);
  const down = servers
    .filter((s) => s.state !== 'up')
    .map((s) => ({ id: s.id, state: s.state, step: s.step, error: s.error }));
  log.info(
    { up, ...(down.length === 0 ? {} : { down }) },
    `toolgate ready: ${up.length} of ${servers.length} servers up`,
  );
}

/** Where a gateway keeps what outlives a call. */
export interface GatewayStores {
  readonly approvals: ApprovalStore;
  /** Wakes calls held here when another replica settles their approval (PostgreSQL); else they look now and then. */
  readonly approvalSignal?: ApprovalSignal;
  readonly limits: LimitStore;
  readonly audit: AuditSink;
  readonly pins: PinStore;
  /** The pins as stored when the gateway started. */
  readonly pinned: PinSnapshot;
}

/** What tests swap: the clock, and how servers are reached (in-memory transports instead of processes). */
export interface ComposeOptions {
  readonly clock?: Clock;
  readonly transportFor?: TransportFactory;
  /** Classifies tools; src/risk's classifier unless a test gives another. */
  readonly classify?: Classify;
  /** How this replica reaches the others; alone (LocalReplicaRelay) unless given. */
  readonly relay?: ReplicaRelay;
}

/**
 * The relay between replicas: through `state.redis` when it is set (replicas behind a load balancer), else none
 * but this process. Messages are bounded by the largest a client may send or a server may answer.
 */
function replicaRelayOf(config: GatewayConfig, log: Logger): ReplicaRelay {
  const { redis } = config.state;
  if (!redis) return new LocalReplicaRelay();
  const largestResult = Math.max(0, ...config.servers.map((server) => server.maxResultBytes));
  const longestCall = Math.max(
    BRIDGE_IDLE_TIMEOUT_MS,
    ...config.servers.map((server) => server.maxTotalTimeoutMs ?? server.timeoutMs),
  );
  return new RedisReplicaRelay({
    url: redis.url,
    keyPrefix: redis.keyPrefix,
    maxMessageBytes: Math.max(config.listen.maxBodyBytes, largestResult) + RELAY_ENVELOPE_BYTES,
    resumeTimeoutMs: longestCall,
    log,
  });
}

/** The state a gateway keeps, and the one order it is closed in. */
interface OpenState extends GatewayStores {
  readonly grants: GrantStore;
  /**
   * The operator services on this state, for the gateway's admin API: a verdict wakes its held calls, an accepted
   * change reaches its pins at once, and what operators do is audited (and counted) with its calls.
   */
  services(gateway: ComposedGateway): Services;
  /** Stops retention, writes every counter event and audit record still buffered, then closes the database. */
  close(): Promise<void>;
}

/**
 * Opens the gateway's state: the stores (SQLite or PostgreSQL, see `state.postgres`) and the counters (see
 * `state.counters`). The SQLite database is opened only when something lives in it.
 */
async function openState(config: GatewayConfig, log: Logger): Promise<OpenState> {
  const { state } = config;
  const db = state.postgres === null || state.counters === 'sqlite' ? await openSqliteState(config, log) : undefined;
  let stores: StateStores;
  if (!state.postgres) stores = sqliteStores(db!, state.sqlite);
  else {
    try {
      stores = await openPostgresStores(state.postgres, log);
    } catch (error) {
      db?.close();
      throw new Error(`Cannot open the state in PostgreSQL: ${failureOf(error)}`, { cause: error });
    }
  }
  const sinkOptions = {
    logger: log,
    batchSize: config.audit.batchSize,
    flushMs: config.audit.flushMs,
    maxPending: config.audit.maxPending,
  };
  const stored = stores.auditSink(sinkOptions);
  const audit: AuditSink = config.audit.file
    ? new TeeAuditSink([stored, new JsonlFileSink(config.audit.file, sinkOptions)])
    : stored;
  const retention: AuditRetention | undefined =
    config.audit.retentionDays > 0
      ? startAuditRetention(stores.auditPruner, { retentionDays: config.audit.retentionDays, logger: log })
      : undefined;
  const limits = openCounters(state, db, log);
  const pinned = await stores.pins.load();
  return {
    grants: stores.grants,
    approvals: stores.approvals,
    ...(stores.approvalSignal ? { approvalSignal: stores.approvalSignal } : {}),
    limits,
    audit,
    pins: stores.pins,
    pinned,
    services: (gateway) =>
      // `policy explain` reads the gateway's own counters, which stay open after it.
      servicesOn(stores, () => borrowed(limits), {
        clock: systemClock,
        config: outlineOf(config),
        waiters: gateway.approvalQueue,
        pins: gateway.pins,
        audit: gateway.deps.audit,
        tools: {
          listings: () => Promise.resolve(poolListings(gateway.deps.upstreams)),
          namespacing: config.namespacing,
        },
        // A policy saved from the console decides the very next call.
        policySaved: (file) => gateway.deps.policies.reload(file),
        log,
      }),
    async close() {
      await retention?.stop();
      // After the gateway has closed, so that the calls it ended are counted and audited too.
      await limits.close();
      await audit.close();
      await stores.close();
      db?.close();
    },
  };
}

/**
 * Opens the SQLite state database for the gateway: a connection that never waits for a lock on the event loop
 * (see WhenLocked), proven writable before anything is served. A database that cannot be opened stops the
 * gateway; one that cannot be written stops it too, unless `audit.required` is false.
 */
async function openSqliteState(config: GatewayConfig, log: Logger): Promise<StateDb> {
  const file = config.state.sqlite;
  let db: StateDb;
  try {
    db = openStateDb(file, { whenLocked: 'fail', lockWaitMs: config.state.lockWaitMs });
  } catch (error) {
    throw new Error(`Cannot open the state database ${file}: ${failureOf(error)}`, { cause: error });
  }
  try {
    await proveWritable(db);
  } catch (error) {
    if (config.audit.required) {
      db.close();
      throw new Error(
        `Cannot write the state database ${file}: ${failureOf(error)}. Toolgate keeps its audit trail there and ` +
          'does not serve without one: make the file, its folder and its disk writable by this user, or set ' +
          'audit.required to false to serve without a durable audit trail.',
        { cause: error },
      );
    }
    log.warn(
      { file, err: failureOf(error), maxPending: config.audit.maxPending },
      'the state database cannot be written: serving without a durable audit trail (audit.required is false); ' +
        'audit records wait in memory up to audit.maxPending, then are dropped and counted ' +
        '(toolgate_audit_records_dropped_total), and calls held for approval fail',
    );
  }
  return db;
}

/** `store`, whose close does nothing: lent to a reader that closes what it is given. */
function borrowed(store: LimitStore): LimitStore {
  return {
    take: (charges, now) => store.take(charges, now),
    peek: (charges, now) => store.peek(charges, now),
    commit: (reservation) => store.commit(reservation),
    release: (reservation) => store.release(reservation),
    usage: (counterKey, windowMs, now) => store.usage(counterKey, windowMs, now),
    prune: (now, keepMs) => store.prune(now, keepMs),
    close: async () => undefined,
  };
}

/** What went wrong with the state database, in words: SQLite's message and code, or the system's. */
function failureOf(error: unknown): string {
  if (error instanceof StateLockedError) {
    return 'another process holds its write lock (a toolgate command, a backup?) and kept it longer than state.lockWaitMs';
  }
  const { message, code } = error as { message?: unknown; code?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
}
