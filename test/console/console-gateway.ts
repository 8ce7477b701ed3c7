/**
 * A real gateway for the web console, without a test runner (the e2e harness and the README screenshot script
 * both use it): `toolgate start` with real MCP servers from node_modules (the reference filesystem server on a
 * temporary root, and the memory server), one member per role added through the real CLI, and a headless
 * Chromium (Debian's /usr/bin/chromium, driven by playwright-core) for the console URL the gateway logs
 * (`console listening`, field `url`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import {
  connectWithToken,
  eventually,
  GATEWAY_MAIN,
  ROOT,
  startGatewayProcess,
  tokenFrom,
  writeConfig,
  type GatewayProcess,
} from '../e2e/harness.js';

export type Role = 'admin' | 'policy_manager' | 'approver' | 'viewer';
const ROLES: readonly Role[] = ['admin', 'policy_manager', 'approver', 'viewer'];

/** The member of each role the harness adds, and their passwords (at least 12 characters, as members require). */
export const MEMBERS: Readonly<Record<Role, { name: string; password: string }>> = {
  admin: { name: 'ada', password: 'ada-admin-passphrase-1' },
  policy_manager: { name: 'pia', password: 'pia-policy-passphrase-2' },
  approver: { name: 'abe', password: 'abe-approver-passphrase-3' },
  viewer: { name: 'vic', password: 'vic-viewer-passphrase-4' },
};

export const CHROMIUM = process.env.TOOLGATE_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The published servers the harness configures, started from node_modules. */
const script = (pkg: string, file: string) => join(ROOT, 'node_modules', pkg, file);
const FILESYSTEM_MAIN = script('@modelcontextprotocol/server-filesystem', 'dist/index.js');
const MEMORY_MAIN = script('@modelcontextprotocol/server-memory', 'dist/index.js');

export interface ConsoleGatewayOptions {
  /** More servers for `mcpServers`, beside `files` and `memory` (or instead of them with `onlyServers`). */
  readonly servers?: Record<string, unknown>;
  readonly onlyServers?: boolean;
  /** More top-level config (pinning rules, approvals, ...), merged over the harness's. */
  readonly config?: Record<string, unknown>;
  /** A policy document for local callers, written beside the config as policy.json. */
  readonly policy?: Record<string, unknown>;
}

/** An admin API answer as a test reads it. */
interface ApiAnswer {
  readonly status: number;
  readonly body: any;
}

/** A member's signed-in session with the admin API, outside the browser (cookie and CSRF token kept). */
interface ApiSession {
  get(path: string): Promise<ApiAnswer>;
  send(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<ApiAnswer>;
}

export interface ConsoleGateway {
  /** The gateway's MCP endpoint (…/mcp), for agents. */
  readonly mcpUrl: string;
  /** The console's URL, as the gateway logged it. */
  readonly consoleUrl: string;
  readonly gateway: GatewayProcess;
  readonly browser: Browser;
  /** The config file and its folder (state.db, policy files). */
  readonly config: string;
  readonly folder: string;
  /** The filesystem server's root, with hello.txt in it. */
  readonly files: string;
  /** A page in a fresh browser context (no cookies), closed in afterAll. */
  newPage(): Promise<Page>;
  /** Signs `page` in as the harness's member of `role`, and waits for the console's navigation. */
  signIn(page: Page, role: Role): Promise<void>;
  /** Runs the real CLI against this gateway's config; throws, with what it printed, when it fails. */
  toolgate(...args: string[]): string;
  /** `toolgate grants create --label LABEL [--policy FILE]`; returns the token. */
  createGrant(label: string, policy?: Record<string, unknown>): string;
  /** An MCP client over Streamable HTTP with a grant's token, closed in afterAll. */
  agent(token: string): Promise<Client>;
  /** Signs `role`'s member in to the admin API with fetch. */
  api(role: Role): Promise<ApiSession>;
  /** Stops the gateway and starts it again on the same config and state (pins, grants and members kept). */
  restart(change?: (config: Record<string, unknown>) => void): Promise<void>;
}

/** Starts the gateway, its members and a browser; `stop` ends them all, whatever failed on the way. */
export async function startConsoleGateway(
  options: ConsoleGatewayOptions = {},
): Promise<{ gate: ConsoleGateway; stop: () => Promise<void> }> {
  for (const built of [GATEWAY_MAIN, join(ROOT, 'dist/console/index.html')]) {
    if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first.`);
  }
  const base = writeConfig({ mcpServers: {} }, options.policy);
  const folder = dirname(base);
  const files = join(folder, 'files');
  mkdirSync(files);
  writeFileSync(join(files, 'hello.txt'), 'hello from the console test\n');
  const configObject: Record<string, unknown> = {
    ...(JSON.parse(readFileSync(base, 'utf8')) as Record<string, unknown>),
    mcpServers: {
      ...(options.onlyServers
        ? {}
        : {
            files: { command: process.execPath, args: [FILESYSTEM_MAIN, files] },
            memory: {
              command: process.execPath,
              args: [MEMORY_MAIN],
              env: { MEMORY_FILE_PATH: join(folder, 'memory.jsonl') },
            },
          }),
      ...options.servers,
    },
    ...options.config,
  };
  // Port 0 for the gateway, so the console's listener takes any free port too (the contract's default).
  configObject.listen = { ...(configObject.listen as object), port: 0 };
  const config = join(folder, 'toolgate.json');
  const writeConfigObject = () => writeFileSync(config, JSON.stringify(configObject, null, 2));
  writeConfigObject();

  const cli = (input: string | undefined, ...args: string[]) => {
    const run = spawnSync(process.execPath, [GATEWAY_MAIN, ...args, '--config', config], {
      cwd: ROOT,
      encoding: 'utf8',
      ...(input === undefined ? {} : { input }),
    });
    if (run.status !== 0) throw new Error(`toolgate ${args.join(' ')} exited with ${run.status}: ${run.stderr}`);
    return run.stdout;
  };
  for (const role of ROLES) {
    const { name, password } = MEMBERS[role];
    cli(`${password}\n`, 'members', 'add', name, '--role', role, '--password-stdin');
  }

  const contexts: BrowserContext[] = [];
  const clients: Client[] = [];
  let gateway: GatewayProcess | undefined;
  let browser: Browser | undefined;
  const stop = async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await Promise.allSettled(contexts.map((context) => context.close()));
    await browser?.close().catch(() => undefined);
    await gateway?.stop();
  };
  try {
    gateway = await startGatewayProcess(config);
    let consoleUrl = await consoleUrlOf(gateway);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const gate: ConsoleGateway = {
      get mcpUrl() {
        return gateway!.url;
      },
      get consoleUrl() {
        return consoleUrl;
      },
      get gateway() {
        return gateway!;
      },
      browser,
      config,
      folder,
      files,
      async newPage() {
        const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
        // Shorter than a test's timeout, so a locator that never matches fails with its own message.
        context.setDefaultTimeout(10_000);
        contexts.push(context);
        return context.newPage();
      },
      async signIn(page, role) {
        const { name, password } = MEMBERS[role];
        await page.goto(consoleUrl);
        await page.getByLabel('Name').fill(name);
        await page.getByLabel('Password').fill(password);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('navigation', { name: 'Console' }).waitFor();
      },
      toolgate: (...args) => cli(undefined, ...args),
      createGrant(label, policy) {
        const args = ['grants', 'create', '--label', label];
        if (policy !== undefined) {
          const file = join(folder, `${label}-policy.json`);
          writeFileSync(file, JSON.stringify(policy, null, 2));
          args.push('--policy', file);
        }
        return tokenFrom(cli(undefined, ...args));
      },
      async agent(token) {
        const client = await connectWithToken(gateway!.url, token);
        clients.push(client);
        return client;
      },
      api: (role) => apiSession(consoleUrl, role),
      async restart(change) {
        await gateway!.stop();
        change?.(configObject);
        writeConfigObject();
        gateway = await startGatewayProcess(config);
        consoleUrl = await consoleUrlOf(gateway);
      },
    };
    return { gate, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The console's URL from the gateway's log: the `console listening` line's `url` (JSON log or plain text). */
async function consoleUrlOf(gateway: GatewayProcess): Promise<string> {
  let url: string | undefined;
  await eventually(() => {
    for (const line of gateway.log) {
      if (!line.includes('console listening')) continue;
      try {
        const entry = JSON.parse(line) as { url?: unknown };
        if (typeof entry.url === 'string') url = entry.url;
      } catch {
        url = /(https?:\/\/\S+)/.exec(line)?.[1];
      }
    }
    if (url === undefined) {
      throw new Error(`the gateway logged no "console listening" line:\n${gateway.log.join('\n')}`);
    }
  }, 10_000);
  return url!;
}

/** Signs in to the admin API as `role`'s member, keeping the cookie and CSRF token for later requests. */
async function apiSession(consoleUrl: string, role: Role): Promise<ApiSession> {
  const { name, password } = MEMBERS[role];
  const base = new URL(consoleUrl);
  const request = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(new URL(path, base), {
      method,
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON (an export, an empty answer): the text as it is.
    }
    return { status: response.status, body: parsed, cookie: response.headers.get('set-cookie') };
  };
  const signedIn = await request('POST', '/admin/session', { name, password });
  if (signedIn.status !== 200)
    throw new Error(`sign-in as ${name} answered ${signedIn.status}: ${String(signedIn.body)}`);
  const cookie = (signedIn.cookie ?? '').split(';', 1)[0]!;
  const csrf = (signedIn.body as { csrf: string }).csrf;
  return {
    get: async (path) => {
      const { status, body } = await request('GET', path, undefined, { cookie });
      return { status, body };
    },
    send: async (method, path, body) => {
      const answer = await request(method, path, body, { cookie, 'x-csrf-token': csrf });
      return { status: answer.status, body: answer.body };
    },
  };
}
