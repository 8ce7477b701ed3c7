import { z } from 'zod';
import { redactKeyProblems } from '../audit/redact.js';
import { isLoopbackHost } from './listen-address.js';

/**
 * The schema of toolgate.json: the single source of truth for what the file may contain, its
 * defaults, and the descriptions editors show (schema/toolgate.schema.json is generated from it).
 *
 * Every object is strict: an unknown key is an error, because a misspelt key that is silently
 * ignored is a setting the operator believes is applied and is not.
 *
 * The file is validated after its variable references are expanded (see variables.ts), so checks
 * such as "an http: or https: URL" apply to the final value. They are refinements, which the
 * generated JSON Schema leaves out, so that editors do not flag `"url": "${env:MCP_URL}"`.
 *
 * A check that concerns a key rather than its value reports its issue with `params.at = 'key'`,
 * so the loader points at the key.
 */

/** How Toolgate talks to a server; the normalised value of `type`. */
export const SERVER_TRANSPORTS = ['stdio', 'http', 'sse'] as const;
export type ServerTransport = (typeof SERVER_TRANSPORTS)[number];

const HTTP_TYPES = ['http', 'streamable-http', 'streamableHttp'] as const;

/** Every value a server's `type` accepts. */
export const SERVER_TYPES = ['stdio', ...HTTP_TYPES, 'sse'] as const;

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const NAMESPACING_MODES = ['prefix', 'conflicts'] as const;
export type NamespacingMode = (typeof NAMESPACING_MODES)[number];

/** Who may share one session (one connection) with a server; see the server option `sessions`. */
const SESSION_SHARING = ['shared', 'per-grant', 'per-client'] as const;
export type SessionSharing = (typeof SESSION_SHARING)[number];

/** The most listen.maxArgumentDepth may be; the gateway refuses deeper messages before parsing them. */
export const ARGUMENT_DEPTH_CEILING = 1000;

const SERVER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const SEPARATOR = /^[A-Za-z0-9_.-]{1,8}$/;
/** RFC 9110 token: the characters an HTTP header name may contain. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const ORIGIN = /^https?:\/\/[^/?#@\s]+$/i;

// Node fires a timer at once when its delay is above this, so a longer timeout would mean none at all.
const MAX_TIMER_MS = 2_147_483_647;
/** A message is parsed as one string, and V8's strings hold at most about 512 M characters. */
const MAX_RESULT_BYTES = 256 * 1024 * 1024;

/** An integer in [min, max], with one message for every way of missing it, so that it states the whole range. */
function integer(min: number, max: number, message: string) {
  return z.int(message).min(min, message).max(max, message);
}

function milliseconds() {
  return integer(1, MAX_TIMER_MS, `expected a whole number of milliseconds from 1 to ${MAX_TIMER_MS}`);
}

function isHttpUrl(text: string): boolean {
  return URL.canParse(text) && /^https?:$/.test(new URL(text).protocol);
}

function isOrigin(text: string): boolean {
  return ORIGIN.test(text) && URL.canParse(text);
}

const stringMapNote = '${env:NAME} references in values are expanded.';

const listenSchema = z
  .strictObject({
    host: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .describe(
        'Address to listen on. The default accepts connections from this machine only; use "0.0.0.0" or "::" to accept them from the network.',
      ),
    port: integer(0, 65_535, 'expected an integer from 0 to 65535')
      .default(8787)
      .describe('TCP port to listen on; 0 picks any free port.'),
    allowedHosts: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Host header values accepted besides localhost and the listen address, e.g. "gw.example.com:8787". Requests with any other Host are refused, which defeats DNS rebinding.',
      ),
    allowedOrigins: z
      .array(
        z
          .string()
          .refine(
            isOrigin,
            'expected an origin: http:// or https:// and a host, with an optional port and no path, e.g. "https://app.example.com"',
          ),
      )
      .default([])
      .describe(
        'Browser origins allowed to call Toolgate, e.g. "https://app.example.com". Requests that carry any other Origin header are refused.',
      ),
    allowTokenless: z
      .boolean()
      .default(false)
      .describe(
        'Serve HTTP requests that carry no token as the local operator, under this file\'s "policy". Only on a loopback "host": Toolgate refuses to start otherwise. Off by default: every HTTP client needs a grant\'s token (toolgate grants create), whatever the grant table holds. A request whose token proves no grant is refused either way.',
      ),
    maxBodyBytes: z
      .int('expected an integer of at least 1024 (bytes)')
      .min(1024, 'expected an integer of at least 1024 (bytes)')
      .default(4 * 1024 * 1024)
      .describe(
        'Largest request body accepted, in bytes; larger requests get 413, and a longer line on toolgate stdio is dropped. At least 1024.',
      ),
    maxNameLength: z
      .int('expected an integer of at least 1 (characters)')
      .min(1, 'expected an integer of at least 1 (characters)')
      .default(256)
      .describe(
        'Longest tool or prompt name a client may send (tools/call, prompts/get, completion/complete), in characters. A longer one is refused with GW_INVALID_PARAMS before any lookup, and its audit record keeps only this many characters, followed by "…". Default 256.',
      ),
    maxUriLength: z
      .int('expected an integer of at least 1 (characters)')
      .min(1, 'expected an integer of at least 1 (characters)')
      .default(4096)
      .describe(
        'Longest resource URI a client may send (resources/read, completion/complete of a resource), in characters. A longer one is refused with GW_INVALID_PARAMS before any lookup, and its audit record keeps only this many characters, followed by "…". Default 4096.',
      ),
    maxArgumentDepth: z
      .int(`expected an integer from 1 to ${ARGUMENT_DEPTH_CEILING} (levels)`)
      .min(1, `expected an integer from 1 to ${ARGUMENT_DEPTH_CEILING} (levels)`)
      .max(ARGUMENT_DEPTH_CEILING, `expected an integer from 1 to ${ARGUMENT_DEPTH_CEILING} (levels)`)
      .default(64)
      .describe(
        "Deepest nesting of objects and arrays a request's arguments may have, the arguments object counting as 1. A deeper request is refused with GW_INVALID_PARAMS and never forwarded. Default 64.",
      ),
    sessionIdleMs: z
      .int('expected an integer of at least 1000 (milliseconds)')
      .min(1000, 'expected an integer of at least 1000 (milliseconds)')
      .default(30 * 60_000)
      .describe(
        'A 2025-era HTTP session with no request and no open stream for this long is ended on this replica, and its streams with it; its sealed id takes it up again (here or on any replica with the same sessionKeys) on its next request, until sessionMaxAgeMs or a DELETE. Default 30 minutes.',
      ),
    maxSessionsPerGrant: z
      .int('expected an integer of at least 1')
      .min(1, 'expected an integer of at least 1')
      .default(64)
      .describe(
        'Most HTTP sessions one grant (or the local operator) may hold at once on one replica, each transport counted apart; opening (or taking up) one more ends its least recently used here. Default 64.',
      ),
    sessionKeys: z
      .array(z.string().min(32, 'expected a session key of at least 32 characters'))
      .max(8, 'expected at most 8 session keys')
      .default([])
      .describe(
        'Secrets that seal 2025-era session ids (AES-256-GCM), so that every replica behind a load balancer can serve every session: give all replicas the same list. The first key seals, every key opens: to rotate, put the new key first and drop the old one once the sessions it sealed have expired (sessionMaxAgeMs). At least 32 characters each; use variables: ["${env:TOOLGATE_SESSION_KEY}"]. Default: none, and each process draws its own random key, so a session is served only by the replica that opened it.',
      ),
    sessionMaxAgeMs: z
      .int('expected an integer of at least 60000 (milliseconds)')
      .min(60_000, 'expected an integer of at least 60000 (milliseconds)')
      .default(24 * 3_600_000)
      .describe(
        'A 2025-era HTTP session ends this long after it opened, however busy; its client then starts a new one. Default 24 hours.',
      ),
  })
  .superRefine((listen, ctx) => {
    if (listen.allowTokenless && !isLoopbackHost(listen.host)) {
      ctx.addIssue({
        code: 'custom',
        path: ['allowTokenless'],
        message: `expected false when "host" is not a loopback address (${listen.host}): beyond loopback every client needs a grant's token`,
      });
    }
  })
  .describe('Where Toolgate accepts MCP clients.');

/** Where rate-limit counters can live. */
const COUNTER_STORES = ['sqlite', 'memory', 'redis'] as const;
export type CounterStoreKind = (typeof COUNTER_STORES)[number];

const postgresSchema = z
  .strictObject({
    url: z
      .string()
      .refine(
        (text) => URL.canParse(text) && /^postgres(ql)?:$/.test(new URL(text).protocol),
        'expected a postgres:// URL: postgres://user:password@host:5432/database',
      )
      .describe(
        'postgres://user:password@host:port/database, with ?sslmode=require and the other libpq parameters where needed. Keep the password out of the file: "${env:TOOLGATE_POSTGRES_URL}".',
      ),
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected lower-case letters, digits and _, starting with a letter or _')
      .default('public')
      .describe(
        'The schema the tables live in, created when missing: lets several gateways (or tests) share a database.',
      ),
    maxConnections: integer(1, 1000, 'expected a whole number from 1 to 1000')
      .default(10)
      .describe('The most connections one gateway process opens.'),
  })
  .describe('A PostgreSQL database.');

const redisSchema = z
  .strictObject({
    url: z
      .string()
      .refine(
        (text) => URL.canParse(text) && /^rediss?:$/.test(new URL(text).protocol),
        'expected a redis:// or rediss:// URL: redis://[user:password@]host:6379[/db]',
      )
      .describe(
        'redis://[user:password@]host:port[/db], or rediss:// for TLS. Keep a password out of the file: "${env:TOOLGATE_REDIS_URL}".',
      ),
    keyPrefix: z
      .string()
      .max(100)
      .default('toolgate:')
      .describe('Put before every key Toolgate writes, so that several gateways can share one Redis.'),
    failOpen: z
      .boolean()
      .default(false)
      .describe(
        'false (the default): while Redis cannot be reached, a call that a limit counts is refused (GW_STATE_UNAVAILABLE) and calls no limit counts go on. true: such calls go on uncounted, and each outage is logged.',
      ),
  })
  .describe('A Redis server.');

const stateSchema = z
  .strictObject({
    sqlite: z
      .string()
      .min(1)
      .default('toolgate.db')
      .describe(
        'SQLite database file Toolgate keeps its state in, relative to the folder of this file. ":memory:" keeps it in memory only, lost at exit.',
      ),
    lockWaitMs: z
      .int()
      .min(0)
      .max(MAX_TIMER_MS)
      .default(5000)
      .describe(
        "How long a write waits while another process (a toolgate command, a backup) holds the database's write lock, in milliseconds. The gateway waits on a timer, never stopping other calls: audit records and counters wait in memory and are tried again; a call that cannot go on without its write (opening or settling an approval) then fails with GW_STATE_UNAVAILABLE; at start-up, Toolgate stops (see audit.required). Default 5 seconds.",
      ),
    postgres: postgresSchema
      .optional()
      .describe(
        'Keep grants, approvals, pins, members, console sessions, policy versions and the audit trail in PostgreSQL instead of state.sqlite, shared by every replica.',
      ),
    redis: redisSchema.optional().describe('A Redis server for counters shared by every replica (see state.counters).'),
    counters: z
      .enum(COUNTER_STORES)
      .optional()
      .describe(
        'Where rate-limit counters live: "sqlite" (state.sqlite, this gateway only), "memory" (this process only, lost at exit) or "redis" (state.redis, shared by every replica, so that N replicas together never exceed a limit). Default: "redis" when state.redis is set, else "sqlite".',
      ),
  })
  .superRefine((state, ctx) => {
    if (state.counters === 'redis' && state.redis === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['counters'],
        message: 'expected state.redis to be set for counters in Redis',
      });
    }
  })
  .describe('Where Toolgate keeps its state.');

const approvalsSchema = z
  .strictObject({
    waitMs: z
      .int()
      .min(0)
      .max(MAX_TIMER_MS)
      .default(30_000)
      .describe(
        'How long a call held for approval waits for a person before the agent is told to retry later, in milliseconds (progress notifications keep it alive).',
      ),
    expireMs: z
      .int()
      .min(1000)
      .max(MAX_TIMER_MS)
      .default(30 * 60_000)
      .describe('How long an approval stays pending before it expires, in milliseconds.'),
    maxPendingPerGrant: z
      .int()
      .min(1)
      .max(100_000)
      .default(20)
      .describe(
        'How many approvals one grant may have pending at once; the local operator has a bound of its own. A call that would open one more is refused at once (GW_TOO_MANY_PENDING_APPROVALS); a retry of a call already pending opens none.',
      ),
    webhook: z
      .strictObject({
        url: z.string().describe('Where each new approval is POSTed (http: or https:). Variables are expanded.'),
        secret: z
          .string()
          .min(16, 'expected a signing secret of at least 16 characters')
          .describe('The HMAC-SHA256 key that signs each delivery. Use a variable: "${env:TOOLGATE_WEBHOOK_SECRET}".'),
        headers: z.record(z.string(), z.string()).default({}).describe('Extra headers sent with each delivery.'),
      })
      .optional()
      .describe('A signed webhook told of every new approval, for a chat tool or pager.'),
  })
  .describe('Calls held for human approval.');

const auditSchema = z
  .strictObject({
    arguments: z
      .enum(['keys', 'values'])
      .default('keys')
      .describe(
        'What a record keeps of a call\'s arguments: their top-level "keys", or their "values" with secrets redacted.',
      ),
    redact: z
      .array(z.string())
      .default([])
      .superRefine((entries, ctx) => {
        for (const message of redactKeyProblems(entries)) ctx.addIssue({ code: 'custom', message });
      })
      .describe(
        'More keys (or argument paths, "args.card.number") to redact, besides the defaults (password, secret, token, authorization, api_key, ...).',
      ),
    retentionDays: z
      .number()
      .min(0)
      .default(30)
      .describe('Records older than this many days are deleted, hourly; 0 keeps them forever.'),
    file: z
      .string()
      .min(1)
      .optional()
      .describe("Also append every record to this JSON Lines file (relative to this file's folder), e.g. for a SIEM."),
    batchSize: z.int().min(1).max(10_000).default(100).describe('Records written in one transaction at most.'),
    flushMs: z
      .int()
      .min(1)
      .max(60_000)
      .default(200)
      .describe('The longest a record waits in memory before it is written, in milliseconds.'),
    maxPending: z
      .int()
      .min(1)
      .default(10_000)
      .describe('Records kept in memory while the store fails; beyond that, new ones are dropped and counted.'),
    acknowledge: z
      .enum(['stored', 'queued'])
      .default('stored')
      .describe(
        '"stored" (the default): a call is answered once its audit record is stored (records of concurrent calls are stored together), so that a gateway killed at any moment has lost no record of a call its client was told about. "queued": answered at once, the record stored within flushMs; a crash loses what was still queued.',
      ),
    required: z
      .boolean()
      .default(true)
      .describe(
        'true (the default): `toolgate start` and `toolgate stdio` stop at once, naming the file and what failed, when the state database cannot be written (read-only file or folder, wrong owner, full disk, another process holding its write lock beyond state.lockWaitMs). false: they serve anyway, without a durable audit trail: a warning is logged at start, records wait in memory up to maxPending, then are dropped and counted (toolgate_audit_records_dropped_total).',
      ),
  })
  .describe('The audit trail: one record per tool call.');

const adminSchema = z
  .strictObject({
    token: z
      .string()
      .min(32, 'expected an admin token of at least 32 characters')
      .optional()
      .describe(
        'A bearer token for scripts that call the admin API (/admin/...) with the admin role. Use a variable: "${env:TOOLGATE_ADMIN_TOKEN}". A grant\'s token never works there. With it, the admin API is served on the main listener too, at /admin.',
      ),
    console: z
      .boolean()
      .default(true)
      .describe(
        '`toolgate start` serves the web console and the admin API on the admin listener (admin.host, admin.port); members sign in with their name and password (toolgate members add). false: no admin listener.',
      ),
    host: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .describe(
        "The admin listener's address. The default accepts connections from this machine only; put it behind TLS (a reverse proxy) before opening it to a network.",
      ),
    port: integer(0, 65_535, 'expected an integer from 0 to 65535')
      .optional()
      .describe(
        "The admin listener's TCP port. Default: listen.port + 1 (8788), or any free port when listen.port is 0.",
      ),
    allowedHosts: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Host header values the admin listener accepts besides localhost and its address, e.g. "toolgate-admin.example.com". The console is refused under any other name (DNS rebinding).',
      ),
    sessionHours: integer(1, 24 * 30, 'expected a whole number of hours from 1 to 720')
      .default(12)
      .describe('How long a console sign-in lasts before the member signs in again.'),
    secureCookies: z
      .boolean()
      .optional()
      .describe(
        'Mark the sign-in cookie Secure (sent over HTTPS only). Default: when a request arrives over TLS or with X-Forwarded-Proto: https from loopback (a TLS proxy in front). Set true behind any TLS proxy.',
      ),
  })
  .describe('The admin listener (web console and admin API) and the bearer token for scripts.');

/** What happens to a tool whose definition changed since it was accepted; see the config key `pinning`. */
export const PIN_CHANGED_RULES = ['block', 'stricter'] as const;
/** What happens to a tool a server adds after its tools were first pinned. */
export const PIN_ADDED_RULES = ['allow', 'hold'] as const;

const pinningSchema = z
  .strictObject({
    changed: z
      .enum(PIN_CHANGED_RULES)
      .default('block')
      .describe(
        'A tool whose definition (name, title, description, schemas, annotations) or whose server\'s instructions changed since an operator accepted it. "block": it is listed with its accepted definition and its calls are refused (a server\'s changed instructions hold every tool of the server) until an operator accepts the change with `toolgate tools accept`. "stricter": it is listed as it is now and decided under the stricter of its old and new classes until accepted.',
      ),
    added: z
      .enum(PIN_ADDED_RULES)
      .default('allow')
      .describe(
        'A tool a server adds after its tools were first pinned. "allow": accepted at once and decided by the policy like the others. "hold": not listed, and its calls refused, until an operator accepts it.',
      ),
  })
  .describe(
    "Pinned tool definitions, against a server that changes a tool after it was trusted: Toolgate records a fingerprint of each tool and of each server's instructions the first time it sees them, and every change after (audit trail, metrics, approvals webhook).",
  );

const logSchema = z
  .strictObject({
    level: z
      .enum(LOG_LEVELS)
      .default('info')
      .describe('Least severe level written to the log; "silent" writes nothing.'),
  })
  .describe('Logging.');

const namespacingSchema = z
  .strictObject({
    mode: z
      .enum(NAMESPACING_MODES)
      .default('prefix')
      .describe(
        '"prefix": every tool and prompt name becomes <serverId><separator><name>. "conflicts": only names that two servers share are prefixed.',
      ),
    separator: z
      .string()
      .regex(SEPARATOR, 'expected 1 to 8 characters, each a letter, digit, "_", "." or "-"')
      .default('__')
      .describe('Goes between the server id and the name: 1 to 8 of A-Z a-z 0-9 _ . -'),
  })
  .describe('How the tool and prompt names of several servers are shown to clients.');

/** Keys every server entry accepts, whatever its transport. */
const serverOptions = {
  disabled: z.boolean().default(false).describe('Ignore this server: Toolgate neither starts it nor connects to it.'),
  timeoutMs: milliseconds()
    .default(60_000)
    .describe(
      'How long one request to this server may take, in milliseconds. Each progress notification from the server restarts the clock.',
    ),
  maxTotalTimeoutMs: milliseconds()
    .optional()
    .describe(
      'Hard limit on one request, in milliseconds, however much progress the server reports. By default there is none.',
    ),
  startTimeoutMs: milliseconds()
    .default(120_000)
    .describe(
      'How long starting the server may take, in milliseconds: from launching its command (or its first HTTP request) to the end of MCP initialization. The default covers a cold `npx`, `uvx` or `docker run` that installs the server first.',
    ),
  maxResultBytes: integer(1024, MAX_RESULT_BYTES, `expected an integer from 1024 to ${MAX_RESULT_BYTES} (bytes)`)
    .default(10 * 1024 * 1024)
    .describe(
      'Largest message this server may send, in bytes: a result, or any other message (a stdio line, an HTTP body, an SSE event). A larger result is dropped as it arrives and its call fails with GW_SERVER_FAILED; the connection to the server and its other calls go on. Default 10 MiB.',
    ),
  sessions: z
    .enum(SESSION_SHARING)
    .default('per-grant')
    .describe(
      'Who shares a session with this server, and so whatever it keeps per session (logins, working folders, browsers, database connections). "per-grant" (the default): each grant, and the local operator, gets its own session (for a stdio server, its own process), opened on its first call. "per-client": each client session gets its own, ended with it (a 2026-07-28 client, which has no session, gets one per grant). "shared": one session for every caller. A Streamable HTTP server that gives no session id keeps no session state, so it is always shared.',
    ),
  maxSessions: integer(1, 10_000, 'expected an integer from 1 to 10000')
    .default(32)
    .describe(
      'Most sessions Toolgate keeps open with this server at once, the one it lists the catalog on included. A call that would need one more is refused with GW_SERVER_SESSION_LIMIT. Default 32.',
    ),
  sessionIdleMs: z
    .int('expected an integer of at least 1000 (milliseconds)')
    .min(1000, 'expected an integer of at least 1000 (milliseconds)')
    .max(MAX_TIMER_MS, `expected an integer from 1000 to ${MAX_TIMER_MS} (milliseconds)`)
    .default(30 * 60_000)
    .describe(
      'A session with this server that no call has used for this long, with no call in flight and no resource subscription, is closed (for a stdio server, its process ends), and so is what the server kept for it; the next call opens a new one. The session Toolgate lists the catalog on stays open. Default 30 minutes.',
    ),
};

const url = z
  .string()
  .refine(isHttpUrl, 'expected an http: or https: URL')
  .describe('Endpoint of the server: an http: or https: URL. ${env:NAME} references are expanded.');

const headers = z
  .record(
    z.string().regex(HEADER_NAME, 'expected an HTTP header name'),
    z.string().regex(/^[^\r\n\0]*$/, 'header values must not contain line breaks'),
  )
  .default({})
  .describe(`HTTP headers sent with every request to the server, e.g. Authorization. ${stringMapNote}`);

const stdioServerSchema = z
  .strictObject({
    type: z
      .literal('stdio')
      .optional()
      .describe(
        '"stdio", the default when "command" is given: Toolgate runs the server as a child process and speaks MCP over its standard input and output.',
      ),
    command: z
      .string()
      .min(1)
      .describe(
        'Program to run; searched for on PATH when it has no directory part. ${env:NAME} references are expanded.',
      ),
    args: z
      .array(z.string())
      .default([])
      .describe(
        'Arguments passed to the program as they are, with no shell in between. ${env:NAME} references are expanded.',
      ),
    env: z
      .record(z.string().regex(/^[^=\0]+$/, 'expected an environment variable name, without "="'), z.string())
      .default({})
      .describe(
        `Environment variables of the server process. It does not inherit Toolgate's environment: it gets exactly these, plus the few any program needs, such as PATH and HOME. ${stringMapNote}`,
      ),
    cwd: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Working directory of the server process, relative to the folder of this file. By default, Toolgate's own.",
      ),
    ...serverOptions,
  })
  .describe('A server Toolgate runs as a child process, speaking MCP over stdio.');

const httpServerSchema = z
  .strictObject({
    type: z
      .enum(HTTP_TYPES)
      .optional()
      .describe(
        '"http", the default when "url" is given: MCP Streamable HTTP. "streamable-http" and "streamableHttp" mean the same.',
      ),
    url,
    headers,
    ...serverOptions,
  })
  .describe('A server reached over MCP Streamable HTTP.');

const sseServerSchema = z
  .strictObject({
    type: z
      .literal('sse')
      .describe('"sse": the legacy HTTP+SSE transport, for servers that do not offer Streamable HTTP yet.'),
    url,
    headers,
    ...serverOptions,
  })
  .describe('A server reached over the legacy HTTP+SSE transport.');

/**
 * One entry of `mcpServers`. The options are in the order of SERVER_TRANSPORTS. They exclude
 * each other (stdio needs `command` and forbids `url`, the HTTP ones the reverse, and `type`
 * tells http from sse), so `xor`, which fails with every option's issues rather than guessing
 * which one was meant, loses nothing; serverTransportOf decides which of those issues to show.
 */
const serverSchema = z.xor([stdioServerSchema, httpServerSchema, sseServerSchema]);

/**
 * Which server shape an entry is meant to have: `type` decides; without it, `command` means
 * stdio and `url` means http, and with neither, stdio (the shape of most MCP clients' files).
 * `undefined` when `type` is present but names no transport.
 */
export function serverTransportOf(entry: unknown): ServerTransport | undefined {
  if (typeof entry !== 'object' || entry === null) return 'stdio';
  if (!('type' in entry) || entry.type === undefined) {
    return 'url' in entry && !('command' in entry) ? 'http' : 'stdio';
  }
  switch (entry.type) {
    case 'stdio':
      return 'stdio';
    case 'sse':
      return 'sse';
    case 'http':
    case 'streamable-http':
    case 'streamableHttp':
      return 'http';
    default:
      return undefined;
  }
}

/**
 * Tool and prompt names are split at the separator, so a server id containing it would make
 * names ambiguous. Runs even when other parts of the file are invalid (see `when` below), to
 * report every problem at once, so it reads the half-parsed value defensively.
 */
function checkServerIdsAgainstSeparator(config: unknown, ctx: z.core.$RefinementCtx): void {
  if (typeof config !== 'object' || config === null) return;
  const { namespacing, mcpServers } = config as { namespacing?: { separator?: unknown }; mcpServers?: unknown };
  const separator = namespacing?.separator;
  if (typeof separator !== 'string' || !SEPARATOR.test(separator)) return;
  if (typeof mcpServers !== 'object' || mcpServers === null) return;
  for (const id of Object.keys(mcpServers)) {
    if (!id.includes(separator)) continue;
    ctx.addIssue({
      code: 'custom',
      path: ['mcpServers', id],
      message: `server id "${id}" contains the namespacing separator "${separator}"; rename the server or choose another namespacing.separator`,
      params: { at: 'key' },
    });
  }
}

export const configSchema = z
  .strictObject({
    $schema: z.string().optional().describe('JSON Schema of this file, for editors. Toolgate ignores it.'),
    listen: listenSchema.prefault({}),
    state: stateSchema.prefault({}),
    log: logSchema.prefault({}),
    namespacing: namespacingSchema.prefault({}),
    approvals: approvalsSchema.prefault({}),
    audit: auditSchema.prefault({}),
    pinning: pinningSchema.prefault({}),
    admin: adminSchema.prefault({}),
    policy: z
      .string()
      .min(1, 'expected the path of a policy file')
      .optional()
      .describe(
        "The policy file for local callers: tokenless HTTP callers (with listen.allowTokenless) and toolgate stdio without --grant (each grant names its own). Relative to this file's folder. Without it, local callers may call every tool.",
      ),
    mcpServers: z
      .record(
        z
          .string()
          .regex(
            SERVER_ID,
            'expected a server id: 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit',
          ),
        serverSchema,
      )
      .describe(
        'The MCP servers behind Toolgate, by id. The id names the server in tool names, logs and rules. Same shape as the "mcpServers" of Claude Desktop, Cursor and VS Code.',
      ),
  })
  .superRefine(checkServerIdsAgainstSeparator, { when: () => true })
  .meta({
    title: 'Toolgate configuration',
    description:
      'toolgate.json: the MCP servers Toolgate fronts and how it serves them. See the Configuration section of the README.',
  });

/** toolgate.json once validated: defaults filled in, variable references expanded. */
export type ValidatedConfigFile = z.output<typeof configSchema>;
