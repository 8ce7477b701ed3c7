/**
 * Gathers the labelled set's corpus (test/risk/corpus/): runs published MCP servers over stdio, one at a time, and
 * records each one's package, version, instructions and every tool definition exactly as it came over the wire.
 *
 * Run by hand, not in CI: it installs packages from the npm registry into a scratch folder outside the repository
 * (never into package.json), and starts them with dummy credentials.
 *
 *   npx tsx scripts/gather-tool-corpus.ts [--scratch DIR] [--only slug,slug]
 *
 * The labels (test/risk/labels.json) are written by hand; after a run, the script names the tools that have no
 * label and the labels whose tool is gone, so a labeller knows what to look at.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, type JSONRPCMessage, type Transport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const ROOT = resolve(import.meta.dirname, '..');
const CORPUS = join(ROOT, 'test/risk/corpus');
const LABELS = join(ROOT, 'test/risk/labels.json');

/** One published server and how to start it without a real account. */
interface Source {
  /** The corpus file's name, and the `server` of its labels. */
  readonly slug: string;
  readonly package: string;
  /** Pinned, so that a rerun records the same definitions; absent for the project's own devDependencies. */
  readonly version?: string;
  /** The script to run, relative to the package's folder. */
  readonly entry: string;
  readonly args?: (places: Places) => string[];
  readonly env?: Readonly<Record<string, string>>;
  /** The server writes facts about the host into its definitions; hide from it that this host is a container. */
  readonly neutralHost?: boolean;
  /**
   * For a package that exports a server but ships no command: a module, written beside the install, that builds the
   * server and connects it to stdio. `entry` is then that module's file name.
   */
  readonly launcher?: string;
}

/** Folders a run gives the servers. */
interface Places {
  /** A folder with one text file and a git repository, for servers that work on files. */
  readonly files: string;
}

/**
 * The project's own devDependencies: the compatibility suite's servers (test/compat/published-servers.ts), less two
 * that would repeat a tool already here: the older server-sequential-thinking 0.6 and mcp-sequentialthinking-tools.
 */
const PROJECT: readonly Source[] = [
  {
    slug: 'everything',
    package: '@modelcontextprotocol/server-everything',
    entry: 'dist/index.js',
    args: () => ['stdio'],
  },
  { slug: 'memory', package: '@modelcontextprotocol/server-memory', entry: 'dist/index.js' },
  {
    slug: 'filesystem',
    package: '@modelcontextprotocol/server-filesystem',
    entry: 'dist/index.js',
    args: (p) => [p.files],
  },
  { slug: 'sequential-thinking', package: '@modelcontextprotocol/server-sequential-thinking', entry: 'dist/index.js' },
  { slug: 'hello-world', package: 'mcp-hello-world', entry: 'build/stdio.js' },
  { slug: 'time', package: 'time-mcp', entry: 'dist/index.js' },
  { slug: 'git', package: '@cyanheads/git-mcp-server', entry: 'dist/index.js', env: { MCP_LOG_LEVEL: 'error' } },
  { slug: 'code-runner', package: 'mcp-server-code-runner', entry: 'dist/cli.js' },
  { slug: 'drawio', package: '@drawio/mcp', entry: 'src/index.js', env: { DRAWIO_ICON_SERVICE_URL: 'off' } },
  {
    slug: 'firecrawl',
    package: 'firecrawl-mcp',
    entry: 'dist/index.js',
    env: { FIRECRAWL_API_URL: 'http://127.0.0.1:9' },
  },
  {
    slug: 'playwright',
    package: '@playwright/mcp',
    entry: 'cli.js',
    args: () => ['--headless', '--isolated', '--executable-path', '/nonexistent/chrome'],
  },
];

/** The PayPal toolkit's documented "custom MCP server": its package ships the server class but no command. */
const PAYPAL_LAUNCHER = `import { PayPalAgentToolkit } from '@paypal/agent-toolkit/mcp';
import { ALL_TOOLS_ENABLED } from '@paypal/agent-toolkit/ai-sdk';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
const server = new PayPalAgentToolkit({
  accessToken: process.env.PAYPAL_ACCESS_TOKEN,
  configuration: { actions: ALL_TOOLS_ENABLED, context: { sandbox: true } },
});
await server.connect(new StdioServerTransport());
`;

/**
 * Installed into the scratch folder for this run only; every credential is a dummy of the expected shape.
 *
 * Tried and left out: @heroku/mcp-server 1.2.8 does not start (it imports an SDK path without its `.js`, which the
 * SDK it resolves to does not export); @supabase/mcp-server-supabase 0.13.0 asks its API before answering
 * tools/list, so offline it answers -32603 "fetch failed"; agentcash 0.14.4 does not install (a peer dependency
 * on a version of mppx that the registry does not have); @whop/mcp 0.0.6 depends on a tarball outside the registry;
 * @paypal/mcp, which PayPal's README names, is not on the registry (the toolkit's own server class is used
 * instead). Left out for size, to keep one server from outweighing the rest: @tacticlaunch/mcp-linear 1.4.3 (198
 * tools), resend-mcp 2.22.0 (105), @paddle/paddle-mcp 0.1.6 (83, billing much like Stripe's),
 * @xeroapi/xero-mcp-server 0.0.17 (51), mcp-server-commands 0.5.0 (one shell tool).
 */
const SCRATCH: readonly Source[] = [
  {
    slug: 'stripe',
    package: '@stripe/mcp',
    // 0.3 only relays to Stripe's hosted server; 0.2.5 is the last that defines the tools itself.
    version: '0.2.5',
    entry: 'dist/index.js',
    args: () => ['--tools=all', '--api-key=sk_test_corpus'],
  },
  {
    slug: 'paypal',
    package: '@paypal/agent-toolkit',
    version: '1.8.0',
    entry: 'launch.mjs',
    launcher: PAYPAL_LAUNCHER,
    env: { PAYPAL_ACCESS_TOKEN: 'corpus-dummy-token' },
  },
  { slug: 'ccxt', package: '@mcpfun/mcp-server-ccxt', version: '1.2.1', entry: 'bin/cli.js' },
  // The private key is optional: without it the transfer tools are listed all the same.
  { slug: 'bnbchain', package: '@bnb-chain/mcp', version: '1.5.1', entry: 'dist/index.js' },
  {
    slug: 'github',
    package: '@modelcontextprotocol/server-github',
    version: '2025.4.8',
    entry: 'dist/index.js',
    env: { GITHUB_PERSONAL_ACCESS_TOKEN: 'ghp_corpusdummy' },
  },
  {
    slug: 'slack',
    package: '@modelcontextprotocol/server-slack',
    version: '2025.4.25',
    entry: 'dist/index.js',
    env: { SLACK_BOT_TOKEN: 'xoxb-corpus-dummy', SLACK_TEAM_ID: 'T00000000' },
  },
  {
    slug: 'puppeteer',
    package: '@modelcontextprotocol/server-puppeteer',
    version: '2025.5.12',
    entry: 'dist/index.js',
  },
  {
    slug: 'postgres',
    package: '@modelcontextprotocol/server-postgres',
    version: '0.6.2',
    entry: 'dist/index.js',
    args: () => ['postgresql://corpus@127.0.0.1:9/corpus'],
  },
  {
    slug: 'mongodb',
    package: 'mongodb-mcp-server',
    version: '3.0.4',
    entry: 'dist/esm/index.js',
    env: {
      MDB_MCP_TELEMETRY: 'disabled',
      MDB_MCP_API_CLIENT_ID: 'mdb_sa_id_corpus',
      MDB_MCP_API_CLIENT_SECRET: 'mdb_sa_sk_corpus',
    },
  },
  {
    slug: 'kubernetes',
    package: 'mcp-server-kubernetes',
    version: '4.1.7',
    entry: 'dist/index.js',
    env: { ENABLE_TELEMETRY: 'false' },
  },
  {
    slug: 'desktop-commander',
    package: '@wonderwhy-er/desktop-commander',
    version: '0.2.52',
    entry: 'dist/index.js',
    // In a container it lists the host's mounted folders and its hostname in its tool descriptions.
    neutralHost: true,
  },
  {
    slug: 'discord',
    package: 'mcp-discord',
    version: '1.3.4',
    entry: 'build/index.js',
    env: { DISCORD_TOKEN: 'corpus.dummy.token' },
  },
  {
    slug: 'notion',
    package: '@notionhq/notion-mcp-server',
    version: '2.5.2',
    entry: 'bin/cli.mjs',
    env: { NOTION_TOKEN: 'ntn_corpusdummy' },
  },
  {
    slug: 'circleci',
    package: '@circleci/mcp-server-circleci',
    version: '0.20.0',
    entry: 'dist/index.js',
    env: { CIRCLECI_TOKEN: 'corpus-dummy' },
  },
];

/**
 * Loaded before a `neutralHost` server: the container check it makes (the file /.dockerenv) finds nothing, so the
 * definitions it sends do not depend on the machine that gathered them.
 */
const NEUTRAL_HOST = `import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
const existsSync = fs.existsSync;
fs.existsSync = (path) => (path === '/.dockerenv' ? false : existsSync(path));
syncBuiltinESMExports();
`;

/** Every raw JSON-RPC message a client sent and received, in order. */
class RecordingTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  readonly sent: JSONRPCMessage[] = [];
  readonly received: JSONRPCMessage[] = [];

  constructor(private readonly inner: Transport) {}

  get sessionId() {
    return this.inner.sessionId;
  }

  start(): Promise<void> {
    this.inner.onmessage = (message, extra) => {
      this.received.push(structuredClone(message));
      this.onmessage?.(message, extra);
    };
    this.inner.onclose = () => this.onclose?.();
    this.inner.onerror = (error) => this.onerror?.(error);
    return this.inner.start();
  }

  send(message: JSONRPCMessage, options?: Parameters<Transport['send']>[1]): Promise<void> {
    this.sent.push(structuredClone(message));
    return this.inner.send(message, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  setProtocolVersion(version: string): void {
    this.inner.setProtocolVersion?.(version);
  }

  /** The raw result of each request of `method`, in the order sent. */
  resultsOf(method: string): Record<string, unknown>[] {
    const ids = new Set<unknown>(
      this.sent.flatMap((m) => ('method' in m && m.method === method && 'id' in m ? [m.id] : [])),
    );
    return this.received.flatMap((m) =>
      'id' in m && ids.has(m.id) && 'result' in m ? [m.result as Record<string, unknown>] : [],
    );
  }
}

interface Gathered {
  readonly package: string;
  readonly version: string;
  readonly instructions: string | null;
  readonly tools: unknown[];
}

const TIMEOUT_MS = 90_000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** Where the package is installed, installing it first when it comes from the scratch folder. */
function packageFolder(source: Source, scratch: string): string {
  if (source.version === undefined) return join(ROOT, 'node_modules', source.package);
  const prefix = join(scratch, source.slug);
  const folder = join(prefix, 'node_modules', source.package);
  if (!existsSync(join(folder, 'package.json'))) {
    mkdirSync(prefix, { recursive: true });
    // Install scripts stay off: several fetch browsers or binaries from outside the registry, or phone home.
    execFileSync(
      'npm',
      [
        'install',
        '--prefix',
        prefix,
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        `${source.package}@${source.version}`,
      ],
      { stdio: 'inherit' },
    );
  }
  if (source.launcher !== undefined) writeFileSync(join(prefix, source.entry), source.launcher);
  return folder;
}

/** The environment a server starts with: a few variables any program needs, a private HOME, and its own. */
function environment(source: Source, home: string): Record<string, string> {
  const inherited = ['PATH', 'SHELL', 'TERM', 'USER', 'LOGNAME'].flatMap((name) => {
    const value = process.env[name];
    return value === undefined ? [] : [[name, value] as const];
  });
  return { ...Object.fromEntries(inherited), HOME: home, DO_NOT_TRACK: '1', ...source.env };
}

async function gather(source: Source, scratch: string, places: Places): Promise<{ corpus: Gathered; notes: string[] }> {
  const folder = packageFolder(source, scratch);
  const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { version: string };
  const script = source.launcher === undefined ? join(folder, source.entry) : join(scratch, source.slug, source.entry);
  const home = join(scratch, 'home', source.slug);
  mkdirSync(home, { recursive: true });
  const log = openSync(join(scratch, `${source.slug}.stderr.log`), 'w');
  const preload: string[] = [];
  if (source.neutralHost === true) {
    const file = join(scratch, 'neutral-host.mjs');
    writeFileSync(file, NEUTRAL_HOST);
    preload.push('--import', file);
  }
  const transport = new RecordingTransport(
    new StdioClientTransport({
      command: process.execPath,
      args: [...preload, script, ...(source.args?.(places) ?? [])],
      env: environment(source, home),
      cwd: places.files,
      stderr: log,
    }),
  );
  const client = new Client({ name: 'toolgate-corpus', version: '1.0.0' });
  const notes: string[] = [];
  try {
    await withTimeout(client.connect(transport), `${source.slug} initialize`);
    let cursor: string | undefined;
    let requested = 0;
    let parsed = 0;
    do {
      requested += 1;
      try {
        const page = await withTimeout(
          client.listTools(cursor === undefined ? undefined : { cursor }),
          `${source.slug} tools/list`,
        );
        cursor = page.nextCursor;
        parsed += page.tools.length;
      } catch (error) {
        // The raw page is recorded all the same: a schema the SDK refuses is itself worth keeping.
        notes.push(`the client refused a tools/list page: ${(error as Error).message}`);
        const pages = transport.resultsOf('tools/list');
        if (pages.length < requested) throw error;
        const raw = pages[requested - 1];
        cursor = typeof raw?.nextCursor === 'string' ? raw.nextCursor : undefined;
      }
    } while (cursor !== undefined);
    const raw = transport
      .resultsOf('tools/list')
      .reduce((n, page) => n + (Array.isArray(page.tools) ? page.tools.length : 0), 0);
    if (parsed !== raw) notes.push(`the client kept ${parsed} of the ${raw} tools sent`);
  } finally {
    await client.close().catch(() => undefined);
    closeSync(log);
  }
  const initialize = transport.resultsOf('initialize')[0] ?? {};
  const pages = transport.resultsOf('tools/list');
  if (pages.length > 1) notes.push(`${pages.length} pages of tools`);
  const tools = pages.flatMap((page) => (Array.isArray(page.tools) ? (page.tools as unknown[]) : []));
  const instructions = typeof initialize.instructions === 'string' ? initialize.instructions : null;
  return { corpus: { package: source.package, version: manifest.version, instructions, tools }, notes };
}

/** Where a definition departs from what the MCP specification asks, or is unusual enough to make a fixture. */
function quirks(corpus: Gathered): string[] {
  const found: string[] = [];
  const names = new Set<string>();
  const standardKeys = new Set([
    'name',
    'title',
    'description',
    'inputSchema',
    'outputSchema',
    'annotations',
    'icons',
    '_meta',
    'execution',
  ]);
  const hintKeys = new Set(['title', 'readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint']);
  for (const raw of corpus.tools) {
    const tool = raw as Record<string, unknown>;
    const name = typeof tool.name === 'string' ? tool.name : '(no name)';
    if (names.has(name)) found.push(`${name}: listed twice`);
    names.add(name);
    if (!/^[A-Za-z0-9_.-]{1,128}$/.test(name)) found.push(`${name}: name outside [A-Za-z0-9_.-]{1,128}`);
    const extra = Object.keys(tool).filter((key) => !standardKeys.has(key));
    if (extra.length > 0) found.push(`${name}: non-standard fields ${extra.join(', ')}`);
    if (typeof tool.description !== 'string' || tool.description.trim() === '') found.push(`${name}: no description`);
    else if (tool.description.length > 4000)
      found.push(`${name}: description of ${tool.description.length} characters`);
    const schema = tool.inputSchema as Record<string, unknown> | undefined;
    if (schema === undefined) found.push(`${name}: no inputSchema`);
    else if (schema.type !== 'object') found.push(`${name}: inputSchema type ${JSON.stringify(schema.type)}`);
    const size = JSON.stringify(schema ?? {}).length;
    if (size > 20_000) found.push(`${name}: inputSchema of ${size} characters`);
    const annotations = tool.annotations as Record<string, unknown> | undefined;
    if (annotations !== undefined) {
      const odd = Object.keys(annotations).filter((key) => !hintKeys.has(key));
      if (odd.length > 0) found.push(`${name}: non-standard annotations ${odd.join(', ')}`);
      for (const key of hintKeys) {
        if (key !== 'title' && key in annotations && typeof annotations[key] !== 'boolean')
          found.push(`${name}: annotation ${key} is ${JSON.stringify(annotations[key])}`);
      }
      if (annotations.readOnlyHint === true && annotations.destructiveHint === true)
        found.push(`${name}: both readOnlyHint and destructiveHint`);
    }
  }
  return found;
}

function makePlaces(scratch: string): Places {
  const files = join(scratch, 'files');
  if (!existsSync(files)) {
    mkdirSync(files, { recursive: true });
    writeFileSync(join(files, 'hello.txt'), 'hello from the corpus gatherer\n');
    execFileSync('git', ['init', '--quiet', '--initial-branch=main', files]);
  }
  return { files };
}

function reportLabels(): void {
  if (!existsSync(LABELS)) return;
  const labels = JSON.parse(readFileSync(LABELS, 'utf8')) as { server: string; tool: string }[];
  const labelled = new Set(labels.map((l) => `${l.server}/${l.tool}`));
  const present = new Set<string>();
  for (const source of [...PROJECT, ...SCRATCH]) {
    const file = join(CORPUS, `${source.slug}.json`);
    if (!existsSync(file)) continue;
    const corpus = JSON.parse(readFileSync(file, 'utf8')) as Gathered;
    for (const tool of corpus.tools as { name: string }[]) present.add(`${source.slug}/${tool.name}`);
  }
  const unlabelled = [...present].filter((key) => !labelled.has(key));
  const stale = [...labelled].filter((key) => !present.has(key));
  if (unlabelled.length > 0) console.log(`tools without a label:\n  ${unlabelled.join('\n  ')}`);
  if (stale.length > 0) console.log(`labels without a tool:\n  ${stale.join('\n  ')}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { scratch: { type: 'string' }, only: { type: 'string' } },
  });
  const scratch = resolve(values.scratch ?? join(tmpdir(), 'toolgate-corpus-pkgs'));
  const only = values.only?.split(',');
  mkdirSync(scratch, { recursive: true });
  mkdirSync(CORPUS, { recursive: true });
  const places = makePlaces(scratch);
  const failures: string[] = [];
  for (const source of [...PROJECT, ...SCRATCH]) {
    if (only !== undefined && !only.includes(source.slug)) continue;
    try {
      const { corpus, notes } = await gather(source, scratch, places);
      if (corpus.tools.length === 0) throw new Error('listed no tools');
      writeFileSync(join(CORPUS, `${source.slug}.json`), `${JSON.stringify(corpus, null, 2)}\n`);
      console.log(`${source.slug}: ${corpus.package}@${corpus.version}, ${corpus.tools.length} tools`);
      for (const line of [...notes, ...quirks(corpus)]) console.log(`  ${line}`);
    } catch (error) {
      failures.push(`${source.slug} (${source.package}): ${(error as Error).message}`);
      console.log(`${source.slug}: FAILED, see ${join(scratch, `${source.slug}.stderr.log`)}`);
    }
  }
  if (failures.length > 0) console.log(`failed:\n  ${failures.join('\n  ')}`);
  reportLabels();
}

await main();
