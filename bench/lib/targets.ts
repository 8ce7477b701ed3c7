/**
 * What the bench compares, for one bench server reached over stdio or Streamable HTTP:
 *
 * - `direct`: the same kind of client, no gateway. A stdio server has exactly one client, the process that
 *   started it: N concurrent clients are one connection with N calls in flight. An HTTP server gets N sessions.
 * - `toolgate`: `toolgate start` in front of the server; N HTTP client sessions.
 * - `mcp-proxy`: `mcp-proxy` (stdio → Streamable HTTP, all sessions multiplexed on one server process).
 * - `supergateway`: `supergateway --outputTransport streamableHttp --stateful` (one server process per session).
 *
 * Both proxies only front stdio servers, so for an HTTP server they are "n/a".
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { type ClientKind, openHttpSession, openStdioSession, type Session } from './clients.js';
import { type Child, startChild } from './procs.js';

/** The repository root (this file is bench/lib/targets.ts, or dist/bench/lib/targets.js). */
export const ROOT = (() => {
  const here = dirname(fileURLToPath(import.meta.url));
  const up = resolve(here, '../..');
  return up.endsWith('/dist') ? resolve(up, '..') : up;
})();

export const SERVER_JS = join(ROOT, 'dist/bench/server.js');
export const GATEWAY_MAIN = join(ROOT, 'dist/src/main.js');
const LOOPBACK_ONLY = join(ROOT, 'bench/lib/loopback-only.mjs');
const MCP_PROXY_BIN = join(ROOT, 'node_modules/mcp-proxy/dist/bin/mcp-proxy.mjs');
const SUPERGATEWAY_BIN = join(ROOT, 'node_modules/supergateway/dist/index.js');

export type ServerKind = 'stdio' | 'http';
export const TARGET_NAMES = ['direct', 'toolgate', 'mcp-proxy', 'supergateway'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

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
}

/** Why a target cannot front a server of this kind, or undefined if it can. */
export function unsupported(name: TargetName, kind: ServerKind): string | undefined {
  if (kind === 'http' && name === 'mcp-proxy') return 'mcp-proxy fronts stdio servers only';
  if (kind === 'http' && name === 'supergateway') {
    return 'supergateway turns an HTTP server into stdio, not into HTTP';
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
      return toolgate(options);
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
  }
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

function directStdio(client: ClientKind, serverArgs: string[]): Target {
  const open = () => openStdioSession(client, process.execPath, [SERVER_JS, ...serverArgs], ROOT);
  return {
    name: 'direct',
    child: undefined,
    tool: (tool) => tool,
    async openCallers(n) {
      const session = await open();
      return { sessions: Array.from({ length: n }, () => session), close: () => session.close() };
    },
    openSession: () => open(),
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

async function openMany(client: ClientKind, url: string, n: number) {
  const sessions: Session[] = [];
  const close = () => Promise.all(sessions.map((session) => session.close().catch(() => undefined))).then(() => {});
  try {
    // A few at a time: supergateway starts a process per session.
    for (let i = 0; i < n; i += 8) {
      const batch = await Promise.all(Array.from({ length: Math.min(8, n - i) }, () => openHttpSession(client, url)));
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
  start: { name: string; command: string; args: string[]; ready: RegExp },
  toolName: (tool: string) => string = (tool) => tool,
): Promise<Target> {
  const { child, match } = await startChild({ ...start, cwd: ROOT });
  const url = /^\d+$/.test(match!) ? `http://127.0.0.1:${match}/mcp` : match!;
  return {
    name,
    child,
    tool: (tool) => toolName(tool),
    openCallers: (n) => openMany(client, url, n),
    openSession: (opts) => openHttpSession(client, url, opts),
    stop: () => child.stop(),
  };
}

async function toolgate(options: TargetOptions): Promise<Target> {
  const folder = mkdtempSync(join(tmpdir(), 'toolgate-bench-'));
  const config = join(folder, 'toolgate.json');
  const server =
    options.kind === 'stdio'
      ? { command: process.execPath, args: [SERVER_JS, ...(options.serverArgs ?? [])] }
      : { type: 'http', url: options.serverUrl! };
  writeFileSync(
    config,
    JSON.stringify({ mcpServers: { bench: server }, state: { sqlite: ':memory:' }, log: { level: 'warn' } }, null, 2),
  );
  return httpTarget(
    'toolgate',
    options.client,
    {
      name: 'toolgate',
      command: process.execPath,
      args: [...(options.gatewayNodeArgs ?? []), GATEWAY_MAIN, 'start', '--config', config, '--port', '0'],
      ready: /listening on (http:\/\/\S+)/,
    },
    // Namespacing prefixes every tool with its server id (README, "namespacing").
    (tool) => `bench__${tool}`,
  );
}
