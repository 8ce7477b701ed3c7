/**
 * The quirks of published servers (issue 10, item 1), reproduced by test/fixtures/quirk-server.ts, behind the
 * gateway. A list that fails leaves only that list empty and is logged once; only declared lists are asked
 * for; a missing version, `annotations: null`, thousands of tools, noise on stdout, a server that exits at once
 * or starts slowly, and a server that ignores SIGTERM all work as they do with mainstream clients; servers'
 * instructions reach clients, labelled by server; /healthz says where each server is.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, Tool } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureCommand, startHttpFixture, type HttpFixture } from '../fixtures/spawn-fixture.js';
import { connectHttp, eventually, startGatewayProcess, textOf, writeConfig, type GatewayProcess } from './harness.js';

/** How long a server may take to come up behind the gateway on a loaded machine: a limit, not a measure. */
const UP_WAIT_MS = 60_000;

const quirk = (name: string, ...args: string[]) => fixtureCommand('quirk-server.ts', ['--name', name, ...args]);

interface Health {
  id: string;
  state: string;
  step?: string;
  error?: string;
  tools?: number;
  lists?: { method: string; error: string }[];
}

async function health(gateway: GatewayProcess): Promise<Map<string, Health>> {
  const response = await fetch(gateway.url.replace(/\/mcp$/, '/healthz'));
  const body = (await response.json()) as { servers: Health[] };
  return new Map(body.servers.map((server) => [server.id, server]));
}

/** Every page of a list the gateway serves. */
async function all<T>(
  fetchPage: (cursor: string | undefined) => Promise<{ nextCursor?: string } & Record<string, unknown>>,
  field: string,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    items.push(...(page[field] as T[]));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return items;
}

const params = (cursor: string | undefined) => (cursor === undefined ? undefined : { cursor });
const toolNames = async (client: Client) =>
  (await all<Tool>((c) => client.listTools(params(c)), 'tools')).map((tool) => tool.name);

/** The gateway's log lines (JSON) that are warnings about `server`. */
function logsAbout(gateway: GatewayProcess, server: string): Record<string, unknown>[] {
  return gateway.log.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      return entry.serverId === server ? [entry] : [];
    } catch {
      return [];
    }
  });
}

function warningsAbout(gateway: GatewayProcess, server: string): Record<string, unknown>[] {
  return gateway.log.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      return entry.level === 40 && entry.serverId === server ? [entry] : [];
    } catch {
      return [];
    }
  });
}

describe('servers with quirks behind one gateway', () => {
  const records = mkdtempSync(join(tmpdir(), 'toolgate-quirks-'));
  const recordOf = (server: string) => join(records, `${server}.methods`);
  let httpServer: HttpFixture;
  let singleSession: HttpFixture;
  let gateway: GatewayProcess;
  let client: Client;

  beforeAll(async () => {
    [httpServer, singleSession] = await Promise.all([
      startHttpFixture('quirk-server.ts', ['--name', 'sessionless500', '--no-session-status', '500']),
      startHttpFixture('quirk-server.ts', ['--name', 'singlesession', '--single-session']),
    ]);
    gateway = await startGatewayProcess(
      writeConfig({
        mcpServers: {
          // Bambu Lab MCP and PMCP: resources declared, resources/templates/list "Method not found".
          templates404: quirk(
            'templates404',
            '--capabilities',
            'tools,resources,logging',
            '--fail',
            'resources/templates/list:-32601',
            '--record',
            recordOf('templates404'),
          ),
          prompts500: quirk('prompts500', '--capabilities', 'tools,resources,prompts', '--fail', 'prompts/list:-32603'),
          garbled: quirk('garbled', '--capabilities', 'tools,resources,prompts', '--malformed', 'resources/list'),
          hanging: {
            ...quirk('hanging', '--capabilities', 'tools,prompts', '--hang', 'prompts/list'),
            timeoutMs: 2000,
          },
          toolsonly: quirk('toolsonly', '--record', recordOf('toolsonly')),
          noversion: quirk('noversion', '--no-version'),
          emptyversion: quirk('emptyversion', '--version', ''),
          noisy: quirk('noisy', '--stdout-noise', 'Starting noisy server v1.0 on stdio...', '--noise-on-call'),
          exits: quirk('exits', '--exit-after-start', '1'),
          instructed: quirk('instructed', '--instructions', 'Call echo before anything else.'),
          // @cyanheads/git-mcp-server answers a POST without a session (the 2026 era probe) with HTTP 500.
          sessionless500: { type: 'http', url: httpServer.url },
          // mcp-hello-world over SSE serves one client at a time.
          singlesession: { type: 'http', url: singleSession.url },
        },
      }),
      [],
      { waitForServers: false },
    );
    client = await connectHttp(gateway.url);
    // Every server's first start has come out (`exits` comes and goes: it is retried).
    await eventually(async () => {
      const starting = [...(await health(gateway)).values()].filter((server) => server.state === 'starting');
      expect(starting.map((server) => server.id).filter((id) => id !== 'exits')).toEqual([]);
    }, UP_WAIT_MS);
  }, UP_WAIT_MS + 30_000);

  afterAll(async () => {
    await client?.close();
    await gateway?.stop();
    await httpServer?.close();
    await singleSession?.close();
  });

  it('serves the tools and resources of a server whose resources/templates/list is "Method not found"', async () => {
    const names = await toolNames(client);
    expect(names).toEqual(expect.arrayContaining(['templates404__echo', 'templates404__whoami']));
    expect(textOf(await client.callTool({ name: 'templates404__echo', arguments: { text: 'still here' } }))).toBe(
      'still here',
    );
    const resources = await all<{ uri: string }>((c) => client.listResources(params(c)), 'resources');
    expect(resources.map((resource) => resource.uri)).toContain('quirk://templates404/readme');
    const read = await client.readResource({ uri: 'quirk://templates404/readme' });
    expect(read.contents).toEqual([
      { uri: 'quirk://templates404/readme', mimeType: 'text/plain', text: 'readme of templates404' },
    ]);
    const templates = await all<{ uriTemplate: string }>(
      (c) => client.listResourceTemplates(params(c)),
      'resourceTemplates',
    );
    expect(templates.map((template) => template.uriTemplate)).not.toContain('quirk://templates404/items/{id}');
    // The other servers' templates are still there.
    expect(templates.map((template) => template.uriTemplate)).toContain('quirk://prompts500/items/{id}');
  });

  it('leaves only the failing list empty when a list fails with another error', async () => {
    expect(await toolNames(client)).toContain('prompts500__echo');
    const prompts = await all<{ name: string }>((c) => client.listPrompts(params(c)), 'prompts');
    expect(prompts.map((prompt) => prompt.name)).not.toContain('prompts500__hello');
    expect(prompts.map((prompt) => prompt.name)).toContain('garbled__hello');
    const resources = await all<{ uri: string }>((c) => client.listResources(params(c)), 'resources');
    expect(resources.map((resource) => resource.uri)).toContain('quirk://prompts500/readme');
    expect(textOf(await client.callTool({ name: 'prompts500__whoami', arguments: {} }))).toBe('prompts500');
  });

  it('leaves only the malformed list empty when a list result is malformed', async () => {
    expect(await toolNames(client)).toContain('garbled__echo');
    const resources = await all<{ uri: string }>((c) => client.listResources(params(c)), 'resources');
    expect(resources.map((resource) => resource.uri)).not.toContain('quirk://garbled/readme');
    const templates = await all<{ uriTemplate: string }>(
      (c) => client.listResourceTemplates(params(c)),
      'resourceTemplates',
    );
    expect(templates.map((template) => template.uriTemplate)).toContain('quirk://garbled/items/{id}');
    expect(textOf(await client.callTool({ name: 'garbled__whoami', arguments: {} }))).toBe('garbled');
  });

  it('leaves only the unanswered list empty when a list never answers', async () => {
    expect(await toolNames(client)).toContain('hanging__echo');
    const prompts = await all<{ name: string }>((c) => client.listPrompts(params(c)), 'prompts');
    expect(prompts.map((prompt) => prompt.name)).not.toContain('hanging__hello');
    expect(textOf(await client.callTool({ name: 'hanging__whoami', arguments: {} }))).toBe('hanging');
  });

  it('logs each failing list once, as a warning naming the server and the method', async () => {
    // Lists and calls again, on a second client too: the failures must not be logged again.
    const second = await connectHttp(gateway.url);
    try {
      for (const each of [client, second]) {
        await toolNames(each);
        await each.listResources();
        await each.listResourceTemplates();
        await each.listPrompts();
      }
    } finally {
      await second.close();
    }
    for (const [server, method] of [
      ['templates404', 'resources/templates/list'],
      ['prompts500', 'prompts/list'],
      ['garbled', 'resources/list'],
      ['hanging', 'prompts/list'],
    ] as const) {
      const warnings = warningsAbout(gateway, server);
      expect(warnings, `${server}: ${JSON.stringify(warnings)}`).toHaveLength(1);
      expect(JSON.stringify(warnings[0])).toContain(method);
    }
    expect(warningsAbout(gateway, 'toolsonly')).toEqual([]);
  });

  it('asks a server only for the lists its capabilities declare', () => {
    const asked = (server: string) => readFileSync(recordOf(server), 'utf8').split('\n').filter(Boolean);
    expect(asked('templates404')).toEqual(
      expect.arrayContaining(['initialize', 'tools/list', 'resources/list', 'resources/templates/list']),
    );
    expect(asked('templates404')).not.toContain('prompts/list');
    expect(asked('toolsonly')).toContain('tools/list');
    for (const method of ['resources/list', 'resources/templates/list', 'prompts/list']) {
      expect(asked('toolsonly')).not.toContain(method);
    }
  });

  it('serves a server whose serverInfo version is empty (as PMCP sends it)', async () => {
    expect(textOf(await client.callTool({ name: 'emptyversion__whoami', arguments: {} }))).toBe('emptyversion');
  });

  it('serves a server whose serverInfo has no version at all', async () => {
    expect(textOf(await client.callTool({ name: 'noversion__whoami', arguments: {} }))).toBe('noversion');
  });

  it('serves a server that writes other things than JSON-RPC on stdout', async () => {
    expect(textOf(await client.callTool({ name: 'noisy__echo', arguments: { text: 'one' } }))).toBe('one');
    expect(textOf(await client.callTool({ name: 'noisy__echo', arguments: { text: 'two' } }))).toBe('two');
  });

  it('serves an HTTP server that answers a POST without a session with HTTP 500', async () => {
    expect(await toolNames(client)).toContain('sessionless500__echo');
    expect(textOf(await client.callTool({ name: 'sessionless500__whoami', arguments: {} }))).toBe('sessionless500');
  });

  it('serves an HTTP server that takes one session at a time to clients that need no session of their own', async () => {
    const second = await connectHttp(gateway.url);
    try {
      for (const each of [client, second]) {
        expect(textOf(await each.callTool({ name: 'singlesession__whoami', arguments: {} }))).toBe('singlesession');
      }
    } finally {
      await second.close();
    }
  });

  it('reports a server that exits right after start, and retries it with backoff', async () => {
    await eventually(() => {
      // The first failure is a warning; the same failure again is logged at info, retry after retry.
      const downs = logsAbout(gateway, 'exits').filter((e) => e.msg === 'server down' || e.msg === 'server still down');
      expect(downs.length).toBeGreaterThanOrEqual(2);
      expect(downs.every((entry) => entry.step === 'start')).toBe(true);
      const delays = downs.map((entry) => entry.retryInMs as number);
      expect(delays[1]).toBeGreaterThan(delays[0]!);
    }, UP_WAIT_MS);
    const exits = (await health(gateway)).get('exits')!;
    expect(exits.step).toBe('start');
    expect(exits.error).toEqual(expect.any(String));
    expect(['down', 'starting']).toContain(exits.state);
    // Its calls say why, and name it.
    await expect(client.callTool({ name: 'exits__echo', arguments: { text: 'x' } })).rejects.toThrow(/exits/);
  });

  it('shows each server on /healthz: up with its tool count and failing lists, or down with the failing step', async () => {
    const servers = await health(gateway);
    expect(servers.get('toolsonly')).toMatchObject({ state: 'up', tools: 3 });
    expect(servers.get('toolsonly')!.lists ?? []).toEqual([]);
    expect(servers.get('templates404')).toMatchObject({
      state: 'up',
      tools: 3,
      lists: [{ method: 'resources/templates/list', error: expect.any(String) }],
    });
    expect(servers.get('hanging')).toMatchObject({ state: 'up', lists: [{ method: 'prompts/list' }] });
    expect(servers.get('garbled')).toMatchObject({ state: 'up', lists: [{ method: 'resources/list' }] });
    expect(servers.get('exits')).toMatchObject({ step: 'start' });
  });

  it("passes each server's instructions to clients in the gateway's initialize result, labelled by server", async () => {
    const fresh = await connectHttp(gateway.url);
    try {
      const instructions = fresh.getInstructions() ?? '';
      expect(instructions).toContain('Call echo before anything else.');
      expect(instructions).toContain('instructed');
      // Only servers that have instructions are named.
      expect(instructions).not.toContain('toolsonly');
    } finally {
      await fresh.close();
    }
  });
});

describe('a server whose tools carry annotations: null', () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGatewayProcess(
      writeConfig({
        mcpServers: { nullannotations: quirk('nullannotations', '--null-annotations'), steady: quirk('steady') },
      }),
    );
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('is served in a list an SDK client accepts, beside the other servers', async () => {
    const client = await connectHttp(gateway.url);
    try {
      // The SDK client validates every tool of a page: one `annotations: null` passed on would fail the whole
      // list, every server's tools with it.
      const tools = await all<Tool>((c) => client.listTools(params(c)), 'tools');
      expect(tools.map((tool) => tool.name)).toContain('steady__echo');
      const echo = tools.find((tool) => tool.name === 'nullannotations__echo');
      expect(echo).toBeDefined();
      expect(echo!.annotations ?? {}).toEqual({});
      expect(textOf(await client.callTool({ name: 'nullannotations__echo', arguments: { text: 'null' } }))).toBe(
        'null',
      );
    } finally {
      await client.close();
    }
  });
});

describe('servers with thousands of tools', () => {
  let gateway: GatewayProcess;
  let client: Client;

  beforeAll(async () => {
    gateway = await startGatewayProcess(
      writeConfig({
        mcpServers: {
          paged: quirk('paged', '--tools', '5000', '--page-size', '500'),
          onepage: quirk('onepage', '--tools', '3000'),
        },
      }),
    );
    client = await connectHttp(gateway.url);
  });

  afterAll(async () => {
    await client?.close();
    await gateway?.stop();
  });

  it('lists them all, page by page, and calls them', async () => {
    const names: string[] = [];
    let cursor: string | undefined;
    // One request per page (listTools() without a cursor would walk every page itself; see the next test).
    do {
      const page = await client.request({ method: 'tools/list', params: cursor === undefined ? {} : { cursor } });
      names.push(...page.tools.map((tool) => tool.name));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    expect(names.filter((name) => name.startsWith('paged__'))).toHaveLength(5003);
    expect(names.filter((name) => name.startsWith('onepage__'))).toHaveLength(3003);
    expect(textOf(await client.callTool({ name: 'paged__tool_04999', arguments: {} }))).toBe('tool_04999');
    expect(textOf(await client.callTool({ name: 'onepage__tool_02999', arguments: {} }))).toBe('tool_02999');
  });

  it("lists them all to an SDK client's listTools(), which follows at most 64 pages", async () => {
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(8006);
  });
});

describe('a server slow to start', () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGatewayProcess(
      writeConfig({
        mcpServers: {
          // Longer than the gateway waits for a starting server before answering a list (and than the 10 s connect
          // timeout Toolgate used to have), much shorter than the default start-up timeout.
          slow: quirk('slow', '--start-delay', '15000'),
          steady: quirk('steady'),
        },
      }),
      [],
      { waitForServers: false },
    );
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it(
    'is shown as starting, joins the tool list with list_changed once up, and is never restarted meanwhile',
    async () => {
      expect((await health(gateway)).get('slow')?.state).toBe('starting');
      // Clients are served at once.
      const client = await connectHttp(gateway.url);
      try {
        let changed = 0;
        client.setNotificationHandler('notifications/tools/list_changed', () => void changed++);
        const first = await toolNames(client);
        expect(first).toContain('steady__echo');
        expect(first).not.toContain('slow__echo');
        await eventually(() => expect(changed).toBeGreaterThan(0), UP_WAIT_MS);
        await eventually(async () => expect(await toolNames(client)).toContain('slow__echo'), UP_WAIT_MS);
        expect(textOf(await client.callTool({ name: 'slow__whoami', arguments: {} }))).toBe('slow');
        expect((await health(gateway)).get('slow')?.state).toBe('up');
        expect(warningsAbout(gateway, 'slow')).toEqual([]);
      } finally {
        await client.close();
      }
    },
    UP_WAIT_MS + 30_000,
  );
});

describe('stopping the gateway', () => {
  /** Sends SIGTERM and resolves with the exit code; not the harness's stop, whose SIGKILL would hide a hang. */
  function terminate(gateway: GatewayProcess): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => gateway.process.once('exit', (code) => resolve(code)));
    gateway.process.kill('SIGTERM');
    return exited;
  }

  it(
    'ends a server that ignores SIGTERM (as PMCP does), and exits by itself',
    async () => {
      const pidFile = join(mkdtempSync(join(tmpdir(), 'toolgate-deaf-')), 'pid');
      const gateway = await startGatewayProcess(
        writeConfig({ mcpServers: { deaf: quirk('deaf', '--ignore-sigterm', '--pid-file', pidFile) } }),
      );
      const pid = Number(readFileSync(pidFile, 'utf8'));
      expect(await terminate(gateway)).toBe(0);
      await eventually(() => expect(() => process.kill(pid, 0)).toThrow());
    },
    UP_WAIT_MS,
  );

  it(
    'exits by itself on SIGTERM after serving a client',
    async () => {
      const gateway = await startGatewayProcess(writeConfig({ mcpServers: { steady: quirk('steady') } }));
      const client = await connectHttp(gateway.url);
      expect(textOf(await client.callTool({ name: 'steady__whoami', arguments: {} }))).toBe('steady');
      await client.close();
      expect(await terminate(gateway)).toBe(0);
    },
    UP_WAIT_MS,
  );
});
