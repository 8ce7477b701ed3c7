/**
 * The published MCP servers of the compatibility suite: how to start each one from node_modules (never through
 * `npx`), with no API key and no traffic beyond loopback, and one harmless call to make.
 *
 * They are chosen to differ where servers differ in the wild: authors, and the SDK or framework underneath
 * (the reference servers on @modelcontextprotocol/sdk 1.x, one on SDK 0.5, a pinned SDK 1.15, servers that
 * bundle their own SDK copy, fastmcp). Where a server also serves HTTP itself, `http` says how to start it so.
 */
import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, stopProcess } from '../e2e/harness.js';

/** Files the servers work on, made fresh for each run. */
export interface Workspace {
  /** A folder holding `hello.txt` and `diagram.drawio`. */
  readonly files: string;
  /** A git repository with one commit, on branch `main`. */
  readonly repo: string;
  /** A knowledge-graph file (server-memory's JSONL) holding one entity. */
  readonly memoryFile: string;
}

/** How to run a server as a child process: a script under node_modules, run by this Node. */
export interface Launch {
  readonly script: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

/** A server serving HTTP by itself, and how to find its endpoint once it starts. */
export interface HttpLaunch extends Launch {
  /**
   * Load test/support/loopback-only.mjs, for a server that listens on every interface: it pins the listen to
   * 127.0.0.1 and prints `loopback-only listening PORT` on stderr.
   */
  readonly loopbackOnly?: boolean;
  /** The endpoint, from one line the server writes (stdout or stderr); undefined for the other lines. */
  endpointFrom(line: string): string | undefined;
}

export interface PublishedServer {
  /** The server id in the gateway's config; tools show as `${id}__name`. */
  readonly id: string;
  /** The package under node_modules (an alias for an older version of a package listed twice). */
  readonly package: string;
  stdio(workspace: Workspace): Launch;
  /** The server's own HTTP mode: Streamable HTTP (`http`) or the 2024-11-05 HTTP+SSE transport (`sse`). */
  readonly http?: {
    readonly transport: 'http' | 'sse';
    /** The server takes one client at a time: a second connection is refused while the first is open. */
    readonly singleClient?: boolean;
    launch(workspace: Workspace): HttpLaunch;
  };
  /** A call that changes nothing outside the workspace and needs no network, and its arguments. */
  call(workspace: Workspace): { name: string; arguments: Record<string, unknown> };
}

const script = (pkg: string, file: string) => join('node_modules', pkg, file);

/** The endpoint of a server started with `loopbackOnly`, at `path`. */
const loopbackEndpoint = (path: string) => (line: string) => {
  const port = /^loopback-only listening (\d+)$/.exec(line)?.[1];
  return port === undefined ? undefined : `http://127.0.0.1:${port}${path}`;
};

export const PUBLISHED_SERVERS: readonly PublishedServer[] = [
  {
    id: 'everything',
    package: '@modelcontextprotocol/server-everything',
    stdio: () => ({ script: script('@modelcontextprotocol/server-everything', 'dist/index.js'), args: ['stdio'] }),
    http: {
      transport: 'http',
      launch: () => ({
        script: script('@modelcontextprotocol/server-everything', 'dist/index.js'),
        args: ['streamableHttp'],
        env: { PORT: '0' },
        loopbackOnly: true,
        endpointFrom: loopbackEndpoint('/mcp'),
      }),
    },
    call: () => ({ name: 'echo', arguments: { message: 'through the gate' } }),
  },
  {
    id: 'memory',
    package: '@modelcontextprotocol/server-memory',
    stdio: (ws) => ({
      script: script('@modelcontextprotocol/server-memory', 'dist/index.js'),
      env: { MEMORY_FILE_PATH: ws.memoryFile },
    }),
    call: () => ({ name: 'read_graph', arguments: {} }),
  },
  {
    id: 'filesystem',
    package: '@modelcontextprotocol/server-filesystem',
    stdio: (ws) => ({ script: script('@modelcontextprotocol/server-filesystem', 'dist/index.js'), args: [ws.files] }),
    call: (ws) => ({ name: 'read_text_file', arguments: { path: join(ws.files, 'hello.txt') } }),
  },
  {
    id: 'thinking',
    package: '@modelcontextprotocol/server-sequential-thinking',
    stdio: () => ({ script: script('@modelcontextprotocol/server-sequential-thinking', 'dist/index.js') }),
    call: () => ({
      name: 'sequentialthinking',
      arguments: { thought: 'one step', nextThoughtNeeded: false, thoughtNumber: 1, totalThoughts: 1 },
    }),
  },
  {
    // The same server as published in December 2024, on @modelcontextprotocol/sdk 0.5.0.
    id: 'thinking-0-6',
    package: 'server-sequential-thinking-0.6',
    stdio: () => ({ script: script('server-sequential-thinking-0.6', 'dist/index.js') }),
    call: () => ({
      name: 'sequentialthinking',
      arguments: { thought: 'one step', nextThoughtNeeded: false, thoughtNumber: 1, totalThoughts: 1 },
    }),
  },
  {
    id: 'thinking-tools',
    package: 'mcp-sequentialthinking-tools',
    stdio: () => ({ script: script('mcp-sequentialthinking-tools', 'dist/index.js') }),
    call: () => ({
      name: 'sequentialthinking_tools',
      arguments: {
        available_mcp_tools: ['read_text_file'],
        thought: 'one step',
        next_thought_needed: false,
        thought_number: 1,
        total_thoughts: 1,
      },
    }),
  },
  {
    id: 'hello',
    package: 'mcp-hello-world',
    stdio: () => ({ script: script('mcp-hello-world', 'build/stdio.js') }),
    // Its HTTP entry point speaks the 2024-11-05 HTTP+SSE transport, to one client at a time: it connects one
    // server instance to each new SSE stream, and the SDK refuses a second while the first is open (HTTP 500).
    http: {
      transport: 'sse',
      singleClient: true,
      launch: () => ({
        script: script('mcp-hello-world', 'build/http.js'),
        env: { PORT: '0' },
        loopbackOnly: true,
        endpointFrom: loopbackEndpoint('/sse'),
      }),
    },
    call: () => ({ name: 'add', arguments: { a: 2, b: 40 } }),
  },
  {
    id: 'time',
    package: 'time-mcp',
    stdio: () => ({ script: script('time-mcp', 'dist/index.js') }),
    // Not current_time: its answer would differ between the two calls.
    call: () => ({ name: 'days_in_month', arguments: { date: '2024-02-10' } }),
  },
  {
    id: 'git',
    package: '@cyanheads/git-mcp-server',
    stdio: () => ({
      script: script('@cyanheads/git-mcp-server', 'dist/index.js'),
      env: { MCP_LOG_LEVEL: 'error' },
    }),
    http: {
      transport: 'http',
      launch: () => ({
        script: script('@cyanheads/git-mcp-server', 'dist/index.js'),
        // It binds MCP_HTTP_HOST itself, and probes ports before listening, which the loopback-only preload
        // cannot follow; it logs the address it got.
        env: { MCP_TRANSPORT_TYPE: 'http', MCP_HTTP_HOST: '127.0.0.1', MCP_HTTP_PORT: '0', MCP_LOG_LEVEL: 'info' },
        endpointFrom: (line) => /HTTP transport listening at (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(line)?.[1],
      }),
    },
    call: (ws) => ({ name: 'git_status', arguments: { path: ws.repo } }),
  },
  {
    // Its HTTP mode (`--transport http`) cannot be tested: it reuses one stateless SDK transport for every
    // request, which the SDK it resolves to (^1.10 → 1.32) refuses after the first (500 on every later POST).
    id: 'code-runner',
    package: 'mcp-server-code-runner',
    stdio: () => ({ script: script('mcp-server-code-runner', 'dist/cli.js') }),
    call: () => ({ name: 'run-code', arguments: { code: 'console.log(6 * 7)', languageId: 'javascript' } }),
  },
  {
    id: 'drawio',
    package: '@drawio/mcp',
    stdio: () => ({
      script: script('@drawio/mcp', 'src/index.js'),
      env: { DRAWIO_ICON_SERVICE_URL: 'off' },
    }),
    call: (ws) => ({ name: 'list_pages', arguments: { path: join(ws.files, 'diagram.drawio') } }),
  },
  {
    // Built on fastmcp. Pointed at a self-hosted API on a loopback port where nothing listens, so that it sends
    // nothing off the machine; a call then fails the same way each time, inside a normal result.
    id: 'firecrawl',
    package: 'firecrawl-mcp',
    stdio: () => ({ script: script('firecrawl-mcp', 'dist/index.js'), env: { FIRECRAWL_API_URL: UNREACHABLE_API } }),
    http: {
      transport: 'http',
      launch: () => ({
        script: script('firecrawl-mcp', 'dist/index.js'),
        env: { FIRECRAWL_API_URL: UNREACHABLE_API, HTTP_STREAMABLE_SERVER: 'true', PORT: '0' },
        loopbackOnly: true,
        endpointFrom: loopbackEndpoint('/mcp'),
      }),
    },
    call: () => ({ name: 'firecrawl_check_crawl_status', arguments: { id: 'compat-suite' } }),
  },
  {
    // Every tool starts a browser; pointed at one that does not exist, a call fails the same way each time.
    id: 'playwright',
    package: '@playwright/mcp',
    stdio: (ws) => ({ script: script('@playwright/mcp', 'cli.js'), args: PLAYWRIGHT_ARGS, cwd: ws.files }),
    http: {
      transport: 'http',
      launch: (ws) => ({
        script: script('@playwright/mcp', 'cli.js'),
        args: [...PLAYWRIGHT_ARGS, '--host', '127.0.0.1', '--port', '0'],
        cwd: ws.files,
        endpointFrom: (line) => {
          const origin = /^Listening on (http:\/\/\S+?)\/?$/.exec(line)?.[1];
          return origin === undefined ? undefined : `${origin}/mcp`;
        },
      }),
    },
    call: () => ({ name: 'browser_tabs', arguments: { action: 'list' } }),
  },
];

/** The discard port: nothing answers there on these machines. */
const UNREACHABLE_API = 'http://127.0.0.1:9';

const PLAYWRIGHT_ARGS = ['--headless', '--isolated', '--executable-path', '/nonexistent/chrome'];

/** Makes the files the servers work on, in `folder`. */
export function makeWorkspace(folder: string): Workspace {
  const files = join(folder, 'files');
  mkdirSync(files);
  writeFileSync(join(files, 'hello.txt'), 'hello from the compatibility suite\n');
  writeFileSync(
    join(files, 'diagram.drawio'),
    '<mxfile><diagram id="p1" name="First"><mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>' +
      '<mxCell id="2" value="Toolgate" vertex="1" parent="1"><mxGeometry x="10" y="10" width="80" height="40" ' +
      'as="geometry"/></mxCell></root></mxGraphModel></diagram></mxfile>\n',
  );
  const memoryFile = join(folder, 'memory.jsonl');
  writeFileSync(
    memoryFile,
    `${JSON.stringify({ type: 'entity', name: 'Toolgate', entityType: 'gateway', observations: ['applies policy'] })}\n`,
  );
  const repo = join(folder, 'repo');
  mkdirSync(repo);
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=compat', '-c', 'user.email=compat@localhost', ...args], {
      cwd: repo,
      stdio: 'ignore',
    });
  git('init', '--quiet', '--initial-branch=main');
  writeFileSync(join(repo, 'README'), 'a repository for git_status\n');
  git('add', 'README');
  git('commit', '--quiet', '--message', 'first');
  return { files, repo, memoryFile };
}

/**
 * The environment a stdio server gets from the gateway (README "stdio servers": a few variables any program
 * needs, plus the entry's `env`), so a direct connection starts it the same way.
 */
export function serverEnvironment(env: Readonly<Record<string, string>> = {}): Record<string, string> {
  const inherited = ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'].flatMap((name) => {
    const value = process.env[name];
    return value === undefined ? [] : [[name, value] as const];
  });
  return { ...Object.fromEntries(inherited), ...env };
}

/** The gateway's config entry for a launch. */
export function stdioEntry(launch: Launch): Record<string, unknown> {
  return {
    command: process.execPath,
    args: [join(ROOT, launch.script), ...(launch.args ?? [])],
    ...(launch.env && { env: launch.env }),
    ...(launch.cwd && { cwd: launch.cwd }),
  };
}

/** A published server serving HTTP, started by a test. */
export interface RunningHttpServer {
  readonly url: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a server's HTTP mode and resolves with its endpoint once it prints it. */
export async function startHttpServer(launch: HttpLaunch): Promise<RunningHttpServer> {
  const preload = launch.loopbackOnly ? ['--import', join(ROOT, 'test/support/loopback-only.mjs')] : [];
  const child = spawn(process.execPath, [...preload, join(ROOT, launch.script), ...(launch.args ?? [])], {
    cwd: launch.cwd ?? ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: serverEnvironment(launch.env),
  });
  const output: string[] = [];
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${launch.script} printed no endpoint in time:\n${output.join('\n')}`)),
        60_000,
      );
      const onLine = (line: string) => {
        if (output.length < 200) output.push(line);
        const url = launch.endpointFrom(line);
        if (url !== undefined) {
          clearTimeout(timer);
          resolve(url);
        }
      };
      createInterface({ input: child.stdout }).on('line', onLine);
      createInterface({ input: child.stderr }).on('line', onLine);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${launch.script} exited with ${code}:\n${output.join('\n')}`));
      });
    });
    return { url, process: child, stop: () => stopProcess(child) };
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
}
