import path from 'node:path';
import type {
  CounterStoreKind,
  LogLevel,
  NamespacingMode,
  PIN_ADDED_RULES,
  PIN_CHANGED_RULES,
  SessionSharing,
  ValidatedConfigFile,
} from './schema.js';

/**
 * The gateway's configuration: validated, defaults filled in, variable references expanded,
 * paths absolute, disabled servers dropped. Deep-frozen: treat every part as read-only.
 */
export interface GatewayConfig {
  /** Absolute path of the file it was loaded from; null when there was none (defaultConfig). */
  file: string | null;
  listen: ListenConfig;
  state: {
    /** Absolute path of the SQLite database, or ":memory:". */
    sqlite: string;
    /** How long a write waits for another process's lock on it. */
    lockWaitMs: number;
    /** Where grants, approvals, pins, members, policy versions and audit records live when not in SQLite. */
    postgres: PostgresConfig | null;
    /** The Redis server counters may live in. */
    redis: RedisConfig | null;
    /** Where rate-limit counters live. */
    counters: CounterStoreKind;
  };
  log: { level: LogLevel };
  namespacing: { mode: NamespacingMode; separator: string };
  approvals: ApprovalsConfig;
  audit: AuditConfig;
  /** What becomes of a tool whose definition changed since it was accepted, and of a tool a server adds. */
  pinning: PinningConfig;
  admin: AdminConfig;
  /** Absolute path of the policy for local callers (tokenless HTTP callers with listen.allowTokenless, stdio without --grant); null: they may call every tool. */
  policy: string | null;
  /** The enabled servers, in file order. */
  servers: ServerConfig[];
}

/**
 * The settings every command shares, none of which may hold a variable: where the gateway listens and keeps its
 * state, the policy for local callers, the namespacing, the pinning rules, and which servers there are. What the grants, approvals,
 * audit, policy and import commands read (see loadConfigOutline).
 */
export interface ConfigOutline {
  readonly file: string | null;
  readonly listen: ListenConfig;
  readonly state: GatewayConfig['state'];
  readonly namespacing: GatewayConfig['namespacing'];
  readonly policy: string | null;
  readonly pinning: GatewayConfig['pinning'];
  /** The ids of the enabled servers, in file order. */
  readonly serverIds: readonly string[];
}

/** A PostgreSQL database shared by the replicas (config key `state.postgres`). */
export interface PostgresConfig {
  /** Holds the password when there is one: never logged (see addressOf in src/state/postgres-db.ts). */
  url: string;
  schema: string;
  maxConnections: number;
}

/** The Redis server the replicas count in (config key `state.redis`). */
interface RedisConfig {
  url: string;
  keyPrefix: string;
  /** Calls a limit counts go on uncounted while Redis is unreachable (else they are refused). */
  failOpen: boolean;
}

/** The admin listener (console and admin API), and the bearer token for scripts. */
export interface AdminConfig {
  /** The admin API's bearer token (the admin role); null: only signed-in members reach the admin API. */
  token: string | null;
  /** Serve the admin listener (console and admin API) with `toolgate start`. */
  console: boolean;
  host: string;
  /** The port to listen on (0: any free port); null: beside the MCP listener (see adminPort). */
  port: number | null;
  /** Host header values accepted besides localhost and `host`, lowercased. */
  allowedHosts: string[];
  sessionMs: number;
  /** Mark the sign-in cookie Secure; null: when the request came over TLS. */
  secureCookies: boolean | null;
}

/**
 * The admin listener's port: the configured one, else the MCP listener's plus one (8788 by default), or any free
 * port when the MCP listener takes any (`--port 0`), so that two gateways started that way never collide.
 */
export function adminPort(config: Pick<GatewayConfig, 'admin' | 'listen'>): number {
  if (config.admin.port !== null) return config.admin.port;
  return config.listen.port === 0 ? 0 : Math.min(config.listen.port + 1, 65_535);
}

interface AuditConfig {
  arguments: 'keys' | 'values';
  /** Added to the default secret keys, which always apply. */
  redact: string[];
  retentionDays: number;
  /** Absolute path of a JSON Lines copy of the trail; null: none. */
  file: string | null;
  batchSize: number;
  flushMs: number;
  maxPending: number;
  /** Whether a call is answered once its record is stored, or once it is queued. */
  acknowledge: 'stored' | 'queued';
  /** Whether the gateway refuses to serve on a state database it cannot write. */
  required: boolean;
}

interface PinningConfig {
  changed: (typeof PIN_CHANGED_RULES)[number];
  added: (typeof PIN_ADDED_RULES)[number];
}

interface ApprovalsConfig {
  waitMs: number;
  expireMs: number;
  /** How many approvals one grant (or the local operator) may have pending at once. */
  maxPendingPerGrant: number;
  webhook: { url: string; secret: string; headers: Record<string, string> } | null;
}

interface ListenConfig {
  host: string;
  /** 0 means any free port. */
  port: number;
  /** Lower-cased, as Host headers are compared case-insensitively. */
  allowedHosts: string[];
  /** Serialised as browsers send them in the Origin header: lower-case host, default port omitted. */
  allowedOrigins: string[];
  /** Tokenless HTTP requests are served as the local operator; only ever on a loopback host. */
  allowTokenless: boolean;
  maxBodyBytes: number;
  /** Longest tool or prompt name a request may name, in characters. */
  maxNameLength: number;
  /** Longest resource URI a request may name, in characters. */
  maxUriLength: number;
  /** Deepest nesting of a request's arguments, the arguments object counting as 1. */
  maxArgumentDepth: number;
  sessionIdleMs: number;
  maxSessionsPerGrant: number;
  /** Secrets that seal 2025-era session ids, the first sealing; empty: a random key per process. */
  sessionKeys: string[];
  /** How long a 2025-era session lives from its opening, however busy. */
  sessionMaxAgeMs: number;
}

interface ServerCommon {
  id: string;
  /** Per request; restarted by each progress notification. */
  timeoutMs: number;
  /** Hard cap on one request whatever its progress; absent means none. */
  maxTotalTimeoutMs?: number;
  /** From launch (or first HTTP request) to the end of MCP initialization. */
  startTimeoutMs: number;
  /** The largest message the server may send; a larger answer fails its call only. */
  maxResultBytes: number;
  /** Who shares one session with the server. */
  sessions: SessionSharing;
  /** Most sessions open with the server at once, the catalog's included. */
  maxSessions: number;
  /** A session no call has used for this long is closed (the catalog's never). */
  sessionIdleMs: number;
}

interface StdioServerConfig extends ServerCommon {
  transport: 'stdio';
  command: string;
  args: string[];
  /** The variables the file sets for the child; the spawner adds the base ones it needs, such as PATH. */
  env: Record<string, string>;
  /** Absolute; absent means the gateway's own working directory. */
  cwd?: string;
}

export interface HttpServerConfig extends ServerCommon {
  /** "http" is Streamable HTTP; "sse" the legacy HTTP+SSE transport. */
  transport: 'http' | 'sse';
  url: string;
  headers: Record<string, string>;
}

export type ServerConfig = StdioServerConfig | HttpServerConfig;

export interface NormaliseOptions {
  /** Absolute path of the file, or null. */
  file: string | null;
  /** Folder that relative paths in the file are resolved against. */
  baseDir: string;
  /**
   * Server ids in the order the file lists them. Objects put integer-like keys such as "1"
   * first, so the parsed value alone cannot tell that order. Default: the parsed value's order.
   */
  serverOrder?: readonly string[];
}

/** Builds the deep-frozen GatewayConfig of a validated file. */
export function normaliseConfig(parsed: ValidatedConfigFile, options: NormaliseOptions): GatewayConfig {
  const resolve = (relative: string): string => path.resolve(options.baseDir, relative);
  const ids = options.serverOrder ?? Object.keys(parsed.mcpServers);
  const servers: ServerConfig[] = [];
  for (const id of ids) {
    const entry = parsed.mcpServers[id];
    if (entry === undefined || entry.disabled) continue;
    const common: ServerCommon = {
      id,
      timeoutMs: entry.timeoutMs,
      startTimeoutMs: entry.startTimeoutMs,
      maxResultBytes: entry.maxResultBytes,
      sessions: entry.sessions,
      maxSessions: entry.maxSessions,
      sessionIdleMs: entry.sessionIdleMs,
      ...(entry.maxTotalTimeoutMs === undefined ? {} : { maxTotalTimeoutMs: entry.maxTotalTimeoutMs }),
    };
    if ('command' in entry) {
      servers.push({
        ...common,
        transport: 'stdio',
        command: entry.command,
        args: entry.args,
        env: entry.env,
        ...(entry.cwd === undefined ? {} : { cwd: resolve(entry.cwd) }),
      });
    } else {
      servers.push({
        ...common,
        transport: entry.type === 'sse' ? 'sse' : 'http',
        url: entry.url,
        headers: entry.headers,
      });
    }
  }

  const { listen, log, namespacing, state, policy, approvals, admin, audit, pinning } = parsed;
  return deepFreeze({
    file: options.file,
    listen: {
      host: listen.host,
      port: listen.port,
      allowedHosts: listen.allowedHosts.map((host) => host.toLowerCase()),
      allowedOrigins: listen.allowedOrigins.map((origin) => new URL(origin).origin),
      allowTokenless: listen.allowTokenless,
      maxBodyBytes: listen.maxBodyBytes,
      maxNameLength: listen.maxNameLength,
      maxUriLength: listen.maxUriLength,
      maxArgumentDepth: listen.maxArgumentDepth,
      sessionIdleMs: listen.sessionIdleMs,
      maxSessionsPerGrant: listen.maxSessionsPerGrant,
      sessionKeys: listen.sessionKeys,
      sessionMaxAgeMs: listen.sessionMaxAgeMs,
    },
    // ":memory:" is SQLite's name for a database that lives in memory, not a file name.
    state: {
      sqlite: state.sqlite === ':memory:' ? state.sqlite : resolve(state.sqlite),
      lockWaitMs: state.lockWaitMs,
      postgres: state.postgres ?? null,
      redis: state.redis ?? null,
      counters: state.counters ?? (state.redis ? 'redis' : 'sqlite'),
    },
    log: { level: log.level },
    namespacing: { mode: namespacing.mode, separator: namespacing.separator },
    approvals: {
      waitMs: approvals.waitMs,
      expireMs: approvals.expireMs,
      maxPendingPerGrant: approvals.maxPendingPerGrant,
      webhook: approvals.webhook ?? null,
    },
    pinning: { changed: pinning.changed, added: pinning.added },
    admin: {
      token: admin.token ?? null,
      console: admin.console,
      host: admin.host,
      port: admin.port ?? null,
      allowedHosts: admin.allowedHosts.map((host) => host.toLowerCase()),
      sessionMs: admin.sessionHours * 3_600_000,
      secureCookies: admin.secureCookies ?? null,
    },
    audit: { ...audit, file: audit.file === undefined ? null : resolve(audit.file) },
    policy: policy === undefined ? null : resolve(policy),
    servers,
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
