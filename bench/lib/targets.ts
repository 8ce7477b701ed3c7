/**
 * What the bench compares, for one bench server reached over stdio or Streamable HTTP:
 *
 * - `direct`: the same kind of client, no gateway. A stdio server has exactly one client, the process that
 *   started it: N concurrent clients are one connection with N calls in flight. An HTTP server gets N sessions.
 * - `toolgate`: `toolgate start` in front of the server; N HTTP client sessions.
 * - `toolgate+pipeline`: the same with the pipeline on: the clients call with a grant's token, the grant's policy
 *   decides every call and counts it against a limit (PIPELINE_POLICY), and audit records go to the state file.
 *   (Audit cannot be switched off: plain `toolgate` writes records too, to an in-memory state database.)
 * - `toolgate stdio`: `toolgate stdio` in front of a stdio server, as a desktop client launches it: the client
 *   speaks stdio on both sides of the comparison, so this is the gateway's own cost beside direct (stdio
 *   servers only; one connection with N calls in flight, like direct).
 * - `mcp-proxy`: `mcp-proxy` (stdio → Streamable HTTP, all sessions multiplexed on one server process).
 * - `supergateway`: `supergateway --outputTransport streamableHttp --stateful` (one server process per session).
 * - `baseline`, `baseline+pipeline`: another build of Toolgate (`--baseline DIR`, a checkout of another commit,
 *   built), started exactly as `toolgate` and `toolgate+pipeline`, its own CLI making the grant: the same rounds
 *   then compare two builds under the same machine noise.
 *
 * Both proxies only front stdio servers, so for an HTTP server they are "n/a".
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  type ClientKind,
  type HttpSessionOptions,
  openHttpSession,
  openStdioSession,
  type Session,
} from './clients.js';
import { type Child, startChild } from './procs.js';
import type { SharedStores } from './shared-stores.js';

/** The repository root (this file is bench/lib/targets.ts, or dist/bench/lib/targets.js). */
export const ROOT = (() => {
  const here = dirname(fileURLToPath(import.meta.url));
  const up = resolve(here, '../..');
  return up.endsWith('/dist') ? resolve(up, '..') : up;
})();

const SERVER_JS = join(ROOT, 'dist/bench/server.js');
const BALANCER_JS = join(ROOT, 'dist/bench/balancer.js');
const GATEWAY_MAIN = join(ROOT, 'dist/src/main.js');
const LOOPBACK_ONLY = join(ROOT, 'test/support/loopback-only.mjs');
const MCP_PROXY_BIN = join(ROOT, 'node_modules/mcp-proxy/dist/bin/mcp-proxy.mjs');
const SUPERGATEWAY_BIN = join(ROOT, 'node_modules/supergateway/dist/index.js');

export type ServerKind = 'stdio' | 'http';
/** Every target, in the order a round runs them: each baseline right after its counterpart, in the same noise. */
export const TARGET_NAMES = [
  'direct',
  'toolgate',
  'baseline',
  'toolgate+pipeline',
  'baseline+pipeline',
  'toolgate stdio',
  'mcp-proxy',
  'supergateway',
  'replica: sqlite',
  'replica: pg+redis',
  'balancer, 1 replica',
  'balancer, 2 replicas',
] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/**
 * The replicas cell's targets (HTTP server only), each `toolgate start` with the same local policy (REPLICA_POLICY):
 *
 * - `replica: sqlite`: one gateway on the embedded defaults, state and counters in a SQLite file.
 * - `replica: pg+redis`: one gateway, state in PostgreSQL, counters in Redis.
 * - `balancer, 1 replica`: the same behind bench/balancer.ts, for what the balancer's hop costs.
 * - `balancer, 2 replicas`: two such gateways sharing one schema and one key prefix, behind the balancer.
 */
export const REPLICA_TARGETS = [
  'replica: sqlite',
  'replica: pg+redis',
  'balancer, 1 replica',
  'balancer, 2 replicas',
] as const satisfies readonly TargetName[];
type ReplicaTarget = (typeof REPLICA_TARGETS)[number];

/** Each target of this build that a baseline build stands beside, and the baseline target. */
export const BASELINE_PAIRS = [
  ['toolgate', 'baseline'],
  ['toolgate+pipeline', 'baseline+pipeline'],
] as const satisfies readonly (readonly [TargetName, TargetName])[];

const BASELINE_TARGETS: readonly TargetName[] = BASELINE_PAIRS.map(([, baseline]) => baseline);

/** The targets a run has: the baseline ones only when it was given a baseline build. */
export function targetNames(withBaseline: boolean): TargetName[] {
  return TARGET_NAMES.filter(
    (name) =>
      (withBaseline || !BASELINE_TARGETS.includes(name)) && !(REPLICA_TARGETS as readonly TargetName[]).includes(name),
  );
}

/** A built Toolgate: its checkout and its entry point. */
interface Build {
  dir: string;
  main: string;
}

const CURRENT: Build = { dir: ROOT, main: GATEWAY_MAIN };

/**
 * The build in DIR, checked: a checkout of another commit with its own node_modules and dist/ (bench/baseline.sh
 * makes one). Its gateway runs with its own dependencies, as it would have been shipped.
 */
export function baselineBuild(dir: string): Build {
  const root = resolve(dir);
  const main = join(root, 'dist/src/main.js');
  if (!existsSync(main)) throw new Error(`--baseline ${dir}: no ${main} (build it: bench/baseline.sh COMMIT ${dir})`);
  if (!existsSync(join(root, 'node_modules'))) throw new Error(`--baseline ${dir}: no node_modules (npm ci there)`);
  return { dir: root, main };
}

/** A started target. */
export interface Target {
  readonly name: TargetName;
  /** The process between client and server (gateway or proxy), for memory figures; none for direct. */
  readonly child: Child | undefined;
  /** The name this target exposes a bench tool under. */
  tool(name: 'echo' | 'big'): string;
  /** N client sessions for back-to-back calls (for a direct stdio server: one connection, N times). */
  openCallers(n: number): Promise<{ sessions: Session[]; close(): Promise<void> }>;
  /** One fresh client session, as a new client would make it (for a direct stdio server: a new process). */
  openSession(options?: { listen?: boolean }): Promise<Session>;
  /** What this target adds to the figures' meaning, for the results' notes. */
  readonly note?: string;
  stop(): Promise<void>;
}

export interface TargetOptions {
  kind: ServerKind;
  client: ClientKind;
  /** For kind http: the bench server's URL. */
  serverUrl?: string;
  /** Extra flags for the bench server (e.g. --tools 10000). */
  serverArgs?: string[];
  /** Extra node flags for the gateway process (e.g. --cpu-prof). */
  gatewayNodeArgs?: string[];
  /** The checkout of the build the `baseline` targets run (`--baseline DIR`). */
  baseline?: string;
  /** For the replicas cell's targets on PostgreSQL and Redis: the schema and key prefix they share. */
  stores?: SharedStores;
}

/** Why a target cannot front a server of this kind, or undefined if it can. */
export function unsupported(name: TargetName, kind: ServerKind): string | undefined {
  if (kind === 'http' && name === 'mcp-proxy') return 'mcp-proxy fronts stdio servers only';
  if (kind === 'http' && name === 'toolgate stdio') {
    return 'a stdio client beside a direct HTTP client would compare two client transports';
  }
  if (kind === 'http' && name === 'supergateway') {
    return 'supergateway turns an HTTP server into stdio, not into HTTP';
  }
  if (kind === 'stdio' && (REPLICA_TARGETS as readonly TargetName[]).includes(name)) {
    return 'the replicas cell fronts the HTTP server only';
  }
  return undefined;
}

/** Starts the bench server over Streamable HTTP; its URL and process. */
export async function startHttpServer(serverArgs: string[] = []): Promise<{ url: string; child: Child }> {
  const { child, match } = await startChild({
    name: 'bench server (http)',
    command: process.execPath,
    args: [SERVER_JS, '--http', ...serverArgs],
    cwd: ROOT,
    ready: /^listening (http:\/\/\S+)/,
  });
  return { url: match!, child };
}

export async function startTarget(name: TargetName, options: TargetOptions): Promise<Target> {
  const why = unsupported(name, options.kind);
  if (why) throw new Error(why);
  const serverArgs = options.serverArgs ?? [];
  switch (name) {
    case 'direct':
      return options.kind === 'stdio' ? directStdio(options.client, serverArgs) : directHttp(options);
    case 'toolgate':
      return toolgate(name, options, CURRENT, false);
    case 'toolgate+pipeline':
      return toolgate(name, options, CURRENT, true);
    case 'baseline':
    case 'baseline+pipeline':
      if (options.baseline === undefined) throw new Error(`${name} needs --baseline DIR`);
      return toolgate(name, options, baselineBuild(options.baseline), name === 'baseline+pipeline');
    case 'toolgate stdio':
      return toolgateStdio(options);
    case 'mcp-proxy':
      return httpTarget(name, options.client, {
        name,
        command: process.execPath,
        args: [
          '--import',
          LOOPBACK_ONLY,
          MCP_PROXY_BIN,
          '--host',
          '127.0.0.1',
          '--port',
          '0',
          '--',
          process.execPath,
          SERVER_JS,
          ...serverArgs,
        ],
        ready: /^loopback-only listening (\d+)/,
      });
    case 'supergateway':
      return httpTarget(name, options.client, {
        name,
        command: process.execPath,
        args: [
          '--import',
          LOOPBACK_ONLY,
          SUPERGATEWAY_BIN,
          '--stdio',
          [process.execPath, SERVER_JS, ...serverArgs].map(shellQuote).join(' '),
          '--outputTransport',
          'streamableHttp',
          '--stateful',
          '--port',
          '0',
          // Its default level logs every message; Toolgate runs at "warn" here.
          '--logLevel',
          'none',
        ],
        ready: /^loopback-only listening (\d+)/,
      });
    case 'replica: sqlite':
    case 'replica: pg+redis':
    case 'balancer, 1 replica':
    case 'balancer, 2 replicas':
      return replicas(name, options);
  }
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A stdio server has one client, the process that started it: N concurrent clients are one connection, N times. */
function stdioConnections(open: () => Promise<Session>): Pick<Target, 'openCallers' | 'openSession'> {
  return {
    async openCallers(n) {
      const session = await open();
      return { sessions: Array.from({ length: n }, () => session), close: () => session.close() };
    },
    openSession: () => open(),
  };
}

function directStdio(client: ClientKind, serverArgs: string[]): Target {
  const open = () => openStdioSession(client, process.execPath, [SERVER_JS, ...serverArgs], ROOT);
  return {
    name: 'direct',
    child: undefined,
    tool: (tool) => tool,
    ...stdioConnections(open),
    stop: async () => undefined,
  };
}

/**
 * The policy of the pipeline-on target: both bench tools allowed by name, everything else denied, and every call
 * counted against a per-grant limit it never reaches. The window is one second so that the counter holds about a
 * second of calls, as a busy gateway's per-second limit would.
 */
const PIPELINE_POLICY = {
  version: '1',
  default: 'deny',
  all_tools: { limits: [{ counter: 'bench_calls', window: 1, max: 1_000_000_000, scope: 'grant' }] },
  tools: { echo: {}, big: {} },
};

function toolgateStdio(options: TargetOptions): Target {
  const folder = mkdtempSync(join(tmpdir(), 'toolgate-bench-'));
  const config = join(folder, 'toolgate.json');
  const server = { command: process.execPath, args: [SERVER_JS, ...(options.serverArgs ?? [])] };
  writeFileSync(
    config,
    JSON.stringify(
      {
        listen: { allowTokenless: true },
        mcpServers: { bench: server },
        state: { sqlite: ':memory:' },
        log: { level: 'warn' },
      },
      null,
      2,
    ),
  );
  const args = [...(options.gatewayNodeArgs ?? []), GATEWAY_MAIN, 'stdio', '--config', config];
  const open = () => openStdioSession(options.client, process.execPath, args, ROOT);
  return {
    name: 'toolgate stdio',
    child: undefined,
    tool: (tool) => `bench__${tool}`,
    ...stdioConnections(open),
    stop: async () => undefined,
  };
}

function directHttp(options: TargetOptions): Target {
  const url = options.serverUrl!;
  return {
    name: 'direct',
    child: undefined,
    tool: (tool) => tool,
    openCallers: (n) => openMany(options.client, url, n),
    openSession: (opts) => openHttpSession(options.client, url, opts),
    stop: async () => undefined,
  };
}

async function openMany(client: ClientKind, url: string, n: number, session: HttpSessionOptions = {}) {
  const sessions: Session[] = [];
  const close = () => Promise.all(sessions.map((session) => session.close().catch(() => undefined))).then(() => {});
  try {
    // A few at a time: supergateway starts a process per session.
    for (let i = 0; i < n; i += 8) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(8, n - i) }, () => openHttpSession(client, url, session)),
      );
      sessions.push(...batch);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { sessions, close };
}

async function httpTarget(
  name: TargetName,
  client: ClientKind,
  start: { name: string; command: string; args: string[]; ready: RegExp; cwd?: string },
  toolName: (tool: string) => string = (tool) => tool,
  extra: { token?: string; note?: string } = {},
): Promise<Target> {
  const { child, match } = await startChild({ cwd: ROOT, ...start });
  const url = /^\d+$/.test(match!) ? `http://127.0.0.1:${match}/mcp` : match!;
  const auth = extra.token === undefined ? {} : { token: extra.token };
  return {
    name,
    child,
    ...(extra.note === undefined ? {} : { note: extra.note }),
    tool: (tool) => toolName(tool),
    openCallers: (n) => openMany(client, url, n, auth),
    openSession: (opts) => openHttpSession(client, url, { ...opts, ...auth }),
    stop: () => child.stop(),
  };
}

/** `toolgate start`, of this build or of the baseline (`build`), with the pipeline off or on. */
async function toolgate(name: TargetName, options: TargetOptions, build: Build, pipeline: boolean): Promise<Target> {
  const folder = mkdtempSync(join(tmpdir(), 'toolgate-bench-'));
  const config = join(folder, 'toolgate.json');
  const server =
    options.kind === 'stdio'
      ? { command: process.execPath, args: [SERVER_JS, ...(options.serverArgs ?? [])] }
      : { type: 'http', url: options.serverUrl! };
  // The pipeline needs a state file the grants CLI and the gateway share; without it, state stays in memory.
  const sqlite = pipeline ? join(folder, 'state.db') : ':memory:';
  writeFileSync(
    config,
    JSON.stringify(
      { listen: { allowTokenless: true }, mcpServers: { bench: server }, state: { sqlite }, log: { level: 'warn' } },
      null,
      2,
    ),
  );
  let token: string | undefined;
  if (pipeline) {
    const policy = join(folder, 'policy.json');
    writeFileSync(policy, JSON.stringify(PIPELINE_POLICY, null, 2));
    // The build's own CLI makes the grant: another build may store grants differently.
    const created = execFileSync(
      process.execPath,
      [build.main, 'grants', 'create', '--label', 'bench', '--policy', policy, '--config', config],
      { cwd: build.dir, encoding: 'utf8', timeout: 30_000 },
    );
    // "Created grant ... Its token, shown this once:" then the token alone on the next line.
    token = created.trim().split('\n').at(-1)!.trim();
    if (token === '' || /\s/.test(token)) throw new Error(`could not read the grant's token from: ${created}`);
  }
  return httpTarget(
    name,
    options.client,
    {
      name,
      command: process.execPath,
      args: [...(options.gatewayNodeArgs ?? []), build.main, 'start', '--config', config, '--port', '0'],
      cwd: build.dir,
      // Once its server is up, not merely listening: the gateway takes clients before its servers have started.
      ready: /Toolgate is ready on (http:\/\/\S+): \d+ of/,
    },
    // Namespacing prefixes every tool with its server id (README, "namespacing").
    (tool) => `bench__${tool}`,
    pipeline
      ? {
          token: token!,
          note: "toolgate+pipeline: every call carries a grant's token; the grant's policy allows echo and big by name, denies the rest, and counts every call against a per-grant limit of 10^9 a second; audit records go to the SQLite state file. toolgate (pipeline off): no grant and no policy; audit cannot be switched off, so it writes records too, to an in-memory state database",
        }
      : {},
  );
}

/**
 * The replicas cell's policy for local callers: both bench tools allowed by name, and every call counted against
 * one global limit it never reaches, so that each call reads and writes a counter where the target keeps them.
 */
const REPLICA_POLICY = {
  version: '1',
  default: 'deny',
  all_tools: { limits: [{ counter: 'bench_calls', window: 1, max: 1_000_000_000, scope: 'global' }] },
  tools: { echo: {}, big: {} },
};

/** A replicas-cell target: its gateways (sharing `options.stores` unless on SQLite), behind the balancer or not. */
async function replicas(name: ReplicaTarget, options: TargetOptions): Promise<Target> {
  const folder = mkdtempSync(join(tmpdir(), 'toolgate-bench-'));
  const embedded = name === 'replica: sqlite';
  const { stores } = options;
  if (!embedded && stores === undefined) throw new Error(`${name} needs PostgreSQL and Redis`);
  const state = embedded
    ? { sqlite: join(folder, 'state.db') }
    : { postgres: stores!.postgres, redis: stores!.redis, counters: 'redis' };
  writeFileSync(join(folder, 'policy.json'), JSON.stringify(REPLICA_POLICY, null, 2));
  const config = join(folder, 'toolgate.json');
  writeFileSync(
    config,
    JSON.stringify(
      {
        listen: { allowTokenless: true },
        policy: 'policy.json',
        mcpServers: { bench: { type: 'http', url: options.serverUrl! } },
        state,
        log: { level: 'warn' },
      },
      null,
      2,
    ),
  );
  const count = name === 'balancer, 2 replicas' ? 2 : 1;
  const gateways: Child[] = [];
  const stopAll = () => Promise.all([...gateways].reverse().map((child) => child.stop())).then(() => undefined);
  try {
    const urls: string[] = [];
    // One after the other: the second finds the schema migrated by the first, as a rolling start would.
    for (let i = 0; i < count; i++) {
      const { child, match } = await startChild({
        name: count > 1 ? `${name} #${i + 1}` : name,
        command: process.execPath,
        args: [...(options.gatewayNodeArgs ?? []), GATEWAY_MAIN, 'start', '--config', config, '--port', '0'],
        cwd: ROOT,
        ready: /Toolgate is ready on (http:\/\/\S+): \d+ of/,
      });
      gateways.push(child);
      urls.push(match!);
    }
    let url = urls[0]!;
    if (name.startsWith('balancer')) {
      const { child, match } = await startChild({
        name: `${name} (balancer)`,
        command: process.execPath,
        args: [BALANCER_JS, ...urls.map((each) => new URL(each).origin)],
        cwd: ROOT,
        ready: /^listening (http:\/\/\S+)/,
      });
      gateways.push(child);
      url = match!;
    }
    return {
      name,
      // The process a client talks to, for the memory figures; the replicas are behind it.
      child: gateways.at(-1),
      tool: (tool) => `bench__${tool}`,
      openCallers: (n) => openMany(options.client, url, n),
      openSession: (opts) => openHttpSession(options.client, url, opts),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
