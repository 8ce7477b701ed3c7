import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { ClientCapabilities } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { fixtureCommand } from '../fixtures/spawn-fixture.js';

/** The repository's root folder. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The built gateway's entry point; `npm test` builds before testing. */
export const GATEWAY_MAIN = join(ROOT, 'dist/src/main.js');

/**
 * Writes a config file into a fresh temporary folder and returns its path. With `policy`, also writes that
 * document as `policy.json` beside it (see policyFileOf) and names it as the config's policy for local callers.
 */
export function writeConfig(config: Record<string, unknown>, policy?: Record<string, unknown>): string {
  const folder = mkdtempSync(join(tmpdir(), 'toolgate-test-'));
  const file = join(folder, 'toolgate.json');
  if (policy !== undefined) writeFileSync(join(folder, 'policy.json'), JSON.stringify(policy));
  const withPolicy = policy === undefined ? config : { ...config, policy: 'policy.json' };
  // Most tests are a local client without a token; those about tokens set listen.allowTokenless to false.
  const listen = { allowTokenless: true, ...(config.listen as Record<string, unknown> | undefined) };
  writeFileSync(file, JSON.stringify({ state: { sqlite: join(folder, 'state.db') }, ...withPolicy, listen }, null, 2));
  return file;
}

/** The policy file writeConfig wrote beside `configFile`. */
export function policyFileOf(configFile: string): string {
  return join(dirname(configFile), 'policy.json');
}

/** A gateway process started with `toolgate start`. */
export interface GatewayProcess {
  readonly url: string;
  readonly process: ChildProcess;
  /** Every line the gateway wrote to stderr so far (its JSON log). */
  readonly log: string[];
  stop(): Promise<void>;
}

/**
 * Starts `toolgate start --config FILE --port 0` and waits until it listens and every server's first start has
 * come out (`Toolgate is ready on URL: ...`), so that tests do not race the servers' start. `waitForServers: false` returns as
 * soon as it listens, for tests of what clients see while servers are starting.
 */
export async function startGatewayProcess(
  configFile: string,
  extraArgs: string[] = [],
  { waitForServers = true }: { waitForServers?: boolean } = {},
): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [GATEWAY_MAIN, 'start', '--config', configFile, '--port', '0', ...extraArgs], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TOOLGATE_TEST: '1' },
  });
  const log: string[] = [];
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start in time:\n${log.join('\n')}`)), 60_000);
    let listening: string | undefined;
    createInterface({ input: child.stderr }).on('line', (line) => {
      log.push(line);
      listening ??= /listening on (http:\/\/\S+)/.exec(line)?.[1];
      if (listening !== undefined && (!waitForServers || line.startsWith('Toolgate is ready on '))) {
        clearTimeout(timer);
        resolveUrl(listening);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${log.join('\n')}`));
    });
  });
  return { url, process: child, log, stop: () => stopProcess(child) };
}

/** Ends a child process: SIGTERM, then SIGKILL if it lingers. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Options for a test client. */
export interface ClientOptions {
  capabilities?: ClientCapabilities;
  /** `legacy` (2025 initialize handshake, the default) or `modern` (2026-07-28). */
  era?: 'legacy' | 'modern';
  /** A grant's bearer token, sent with every HTTP request. */
  token?: string;
}

function newClient(options: ClientOptions): Client {
  return new Client(
    { name: 'toolgate-test', version: '1.0.0' },
    {
      capabilities: options.capabilities ?? {},
      ...(options.era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
    },
  );
}

/** Connects an SDK client to the gateway over Streamable HTTP. */
export async function connectHttp(url: string, options: ClientOptions = {}): Promise<Client> {
  const client = newClient(options);
  const headers = options.token === undefined ? undefined : { Authorization: `Bearer ${options.token}` };
  await client.connect(new StreamableHTTPClientTransport(new URL(url), headers ? { requestInit: { headers } } : {}));
  return client;
}

/** Starts `toolgate stdio --config FILE` as a child process and connects an SDK client to it. */
export async function connectStdio(
  configFile: string,
  options: ClientOptions & { args?: string[] } = {},
): Promise<{ client: Client; stderr: string[] }> {
  const client = newClient(options);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [GATEWAY_MAIN, 'stdio', '--config', configFile, ...(options.args ?? [])],
    cwd: ROOT,
    stderr: 'pipe',
  });
  const stderr: string[] = [];
  createInterface({ input: transport.stderr as Readable }).on('line', (line) => stderr.push(line));
  await client.connect(transport);
  return { client, stderr };
}

/** The published reference server, started from node_modules (never fetched at test time). */
export const EVERYTHING_MAIN = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');

/** A published HTTP server started on loopback by a test. */
export interface HttpServerProcess {
  readonly port: number;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `@modelcontextprotocol/server-everything` over `streamableHttp` or `sse` on a free loopback port. It
 * listens on every interface by itself; the loopback-only preload keeps it on 127.0.0.1.
 */
export async function startEverythingHttp(mode: 'streamableHttp' | 'sse'): Promise<HttpServerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', join(ROOT, 'test/support/loopback-only.mjs'), EVERYTHING_MAIN, mode],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: process.env.PATH ?? '', PORT: '0' },
    },
  );
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error('server-everything did not start in time')), 20_000);
    createInterface({ input: child.stderr }).on('line', (line) => {
      const match = /loopback-only listening (\d+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolvePort(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`server-everything exited with ${code}`)));
  });
  return { port, process: child, stop: () => stopProcess(child) };
}

/** The text of a tool result's content blocks, joined by newlines. */
export function textOf(result: unknown): string {
  const content = (result as { content?: { text?: string }[] }).content ?? [];
  return content.map((block) => block.text ?? '').join('\n');
}

/** Retries `check` until it passes or `timeoutMs` is over, for effects that arrive on their own schedule. */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** What a `toolgate` CLI run printed, and how it exited. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `toolgate` CLI with `args`, as a user would, and returns what it printed. */
export function runToolgate(...args: string[]): CliRun {
  return runToolgateIn(ROOT, ...args);
}

/** Runs the built `toolgate` CLI with `args` in the folder `cwd`, and returns what it printed. */
export function runToolgateIn(cwd: string, ...args: string[]): CliRun {
  return runToolgateWith({ cwd }, ...args);
}

/**
 * Runs the built `toolgate` CLI with `args` in the folder `cwd`, this process's environment changed by `env`
 * (a variable given as undefined is removed), and returns what it printed.
 */
export function runToolgateWith(
  { cwd, env = {} }: { cwd: string; env?: Readonly<Record<string, string | undefined>> },
  ...args: string[]
): CliRun {
  const environment = { ...process.env, ...env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete environment[name];
  const run = spawnSync(process.execPath, [GATEWAY_MAIN, ...args], { cwd, env: environment, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Runs the built `toolgate` CLI and returns its output; throws, with what it printed, when it fails. */
export function toolgate(...args: string[]): string {
  const run = runToolgate(...args);
  if (run.status !== 0) throw new Error(`toolgate ${args.join(' ')} exited with ${run.status}: ${run.stderr}`);
  return run.stdout;
}

/** The token `toolgate grants create` or `rotate` printed. */
export function tokenFrom(output: string): string {
  const token = /^(tg_\S+)$/m.exec(output)?.[1];
  if (!token) throw new Error(`no token in: ${output}`);
  return token;
}

/** Connects an SDK client over Streamable HTTP with a grant's bearer token. */
export async function connectWithToken(url: string, token: string): Promise<Client> {
  const client = new Client({ name: 'toolgate-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
  );
  return client;
}

/** Another process that holds the state database's write lock (test/fixtures/state-lock-holder.ts). */
export interface StateLockHolder {
  /** Lets go of the lock and waits for the process to exit. */
  release(): Promise<void>;
}

/**
 * Starts a process that opens the state database `file` and takes its write lock (BEGIN IMMEDIATE: others may
 * still read it), as a `toolgate` command or a backup tool does; resolves once it holds the lock, which it keeps
 * until `release()`.
 */
export async function holdStateLock(file: string): Promise<StateLockHolder> {
  const { command, args } = fixtureCommand('state-lock-holder.ts', [file]);
  const child = spawn(command, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const lines = createInterface({ input: child.stdout });
  await new Promise<void>((resolveLocked, reject) => {
    lines.once('line', (line) => (line === 'locked' ? resolveLocked() : reject(new Error(`lock holder: ${line}`))));
    void exited.then((code) => reject(new Error(`lock holder exited with ${code} before taking the lock`)));
  });
  let released: Promise<void> | undefined;
  return {
    release: () =>
      (released ??= (async () => {
        child.stdin.end('release\n');
        const code = await exited;
        if (code !== 0) throw new Error(`lock holder exited with ${code}`);
      })()),
  };
}
