/**
 * Grants end to end: tokens created with the CLI, checked on every HTTP request, bound to sessions, limited to
 * servers, rotated and revoked while the gateway runs, and never passed on to a server.
 */
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureCommand, startHttpFixture, type HttpFixture } from '../fixtures/spawn-fixture.js';
import {
  eventually,
  connectStdio,
  startGatewayProcess,
  textOf,
  writeConfig,
  type GatewayProcess,
  toolgate,
  tokenFrom,
  connectWithToken,
  connectHttp,
  runToolgate,
  type CliRun,
} from './harness.js';

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

describe('grants', () => {
  let beta: HttpFixture;
  let config: string;
  let gateway: GatewayProcess;
  let everything: string;
  let alphaOnly: string;
  let tester: string;
  let allowAll: string;
  let denyAll: string;
  let firstCreate: CliRun;
  let secondCreate: CliRun;

  beforeAll(async () => {
    beta = await startHttpFixture('fixture-server.ts', ['--name', 'beta']);
    config = writeConfig({
      listen: { allowTokenless: false },
      mcpServers: { alpha: fixtureCommand('fixture-server.ts', ['--name', 'alpha']), beta: { url: beta.url } },
    });
    allowAll = join(dirname(config), 'allow-all.json');
    writeFileSync(allowAll, JSON.stringify({ version: '1', default: 'allow' }));
    denyAll = join(dirname(config), 'deny-all.json');
    writeFileSync(denyAll, JSON.stringify({ version: '1', default: 'deny' }));
    const create = (label: string, ...more: string[]) =>
      runToolgate('grants', 'create', '--label', label, '--policy', allowAll, ...more, '--config', config);
    firstCreate = create('laptop');
    everything = tokenFrom(firstCreate.stdout);
    secondCreate = create('ci-runner', '--servers', 'alpha');
    alphaOnly = tokenFrom(secondCreate.stdout);
    tester = tokenFrom(
      toolgate('grants', 'create', '--label', 'tester', '--policy', denyAll, '--servers', 'alpha', '--config', config),
    );
    gateway = await startGatewayProcess(config);
  });

  afterAll(async () => {
    await gateway?.stop();
    await beta?.close();
  });

  it('answers a request without a token, or with a bad one, with 401 and a challenge', async () => {
    const missing = await fetch(gateway.url, { method: 'POST', headers: JSON_HEADERS, body: initialize });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="toolgate"');
    const wrong = await fetch(gateway.url, {
      method: 'POST',
      headers: { ...JSON_HEADERS, authorization: `Bearer ${everything.slice(0, -2)}xx` },
      body: initialize,
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(((await wrong.json()) as { error: unknown }).error).toMatchObject({
      code: -32001,
      data: { code: 'GW_UNAUTHENTICATED' },
    });
    // A refused token is counted (a brute force shows on /metrics) and logged with why, never with the token.
    const metrics = await (await fetch(gateway.url.replace(/\/mcp$/, '/metrics'))).text();
    expect(metrics).toMatch(/^toolgate_http_refusals_total\{code="GW_UNAUTHENTICATED"\} 2$/m);
    await eventually(() =>
      expect(gateway.log.filter((line) => line.includes('"code":"GW_UNAUTHENTICATED"'))).toHaveLength(2),
    );
    expect(gateway.log.join('\n')).not.toContain(everything.slice(0, -2));
  });

  it('serves a grant its servers, and only those', async () => {
    const laptop = await connectWithToken(gateway.url, everything);
    const ci = await connectWithToken(gateway.url, alphaOnly);
    try {
      const laptopTools = (await laptop.listTools()).tools.map((tool) => tool.name);
      expect(laptopTools).toEqual(expect.arrayContaining(['alpha__whoami', 'beta__whoami']));
      const ciTools = (await ci.listTools()).tools.map((tool) => tool.name);
      expect(ciTools).toContain('alpha__whoami');
      expect(ciTools.some((name) => name.startsWith('beta__'))).toBe(false);
      await expect(ci.callTool({ name: 'beta__whoami', arguments: {} })).rejects.toThrow(/Unknown tool/);
      expect(textOf(await ci.callTool({ name: 'alpha__whoami', arguments: {} }))).toBe('alpha');
    } finally {
      await laptop.close();
      await ci.close();
    }
  });

  it('runs a stdio session as a named grant', async () => {
    const { client } = await connectStdio(config, { args: ['--grant', 'ci-runner'] });
    try {
      const tools = (await client.listTools()).tools.map((tool) => tool.name);
      expect(tools).toContain('alpha__whoami');
      expect(tools.some((name) => name.startsWith('beta__'))).toBe(false);
    } finally {
      await client.close();
    }
  });

  it('never passes the client’s token to a server', async () => {
    const laptop = await connectWithToken(gateway.url, everything);
    try {
      const headers = JSON.parse(textOf(await laptop.callTool({ name: 'beta__headers', arguments: {} }))) as Record<
        string,
        string
      >;
      expect(Object.keys(headers).length).toBeGreaterThan(0);
      expect(headers.authorization).toBeUndefined();
      // The whole secret: it is base64url, so it may itself hold '_'.
      expect(JSON.stringify(headers)).not.toContain(everything.split('_').slice(2).join('_'));
    } finally {
      await laptop.close();
    }
  });

  it('keeps a session to the grant that opened it', async () => {
    const opened = await fetch(gateway.url, {
      method: 'POST',
      headers: { ...JSON_HEADERS, authorization: `Bearer ${everything}` },
      body: initialize,
    });
    const sessionId = opened.headers.get('mcp-session-id')!;
    await opened.text();
    const hijack = await fetch(gateway.url, {
      method: 'POST',
      headers: {
        ...JSON_HEADERS,
        authorization: `Bearer ${alphaOnly}`,
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(hijack.status).toBe(404);
  });

  it('rotates and revokes one grant while the gateway runs, without touching the other', async () => {
    const rotated = tokenFrom(toolgate('grants', 'rotate', 'ci-runner', '--config', config));
    await expect(connectWithToken(gateway.url, alphaOnly)).rejects.toThrow();
    const ci = await connectWithToken(gateway.url, rotated);
    expect(textOf(await ci.callTool({ name: 'alpha__whoami', arguments: {} }))).toBe('alpha');
    await ci.close();

    toolgate('grants', 'revoke', 'ci-runner', '--config', config);
    await expect(connectWithToken(gateway.url, rotated)).rejects.toThrow();
    const laptop = await connectWithToken(gateway.url, everything);
    expect(textOf(await laptop.callTool({ name: 'alpha__whoami', arguments: {} }))).toBe('alpha');
    await laptop.close();
    expect(toolgate('grants', 'list', '--config', config)).toMatch(
      /^ci-runner\s+[0-9a-f]{16}\s+revoked (?:now|\S+ ago)\s/m,
    );
    // Each change is in the audit trail, with who made it from the command line.
    const changes = toolgate('audit', 'query', '--tool', 'ci-runner', '--oldest-first', '--json', '-c', config)
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { method: string; decision: string; actor: string });
    expect(changes.map(({ method, decision, actor }) => [method, decision, actor])).toEqual([
      ['toolgate/operator', 'grant_created', `cli:${userInfo().username}`],
      ['toolgate/operator', 'grant_rotated', `cli:${userInfo().username}`],
      ['toolgate/operator', 'grant_revoked', `cli:${userInfo().username}`],
    ]);
  });

  it('prints the token alone on stdout, and on stderr how a client sends it', () => {
    for (const create of [firstCreate, secondCreate]) {
      expect(create.status).toBe(0);
      expect(create.stdout.trim().split('\n').at(-1)).toMatch(/^tg_/);
      expect(create.stderr).toContain('"Authorization: Bearer <token>"');
    }
  });

  it('refuses a policy that does not load, with the problems policy check reports, and creates nothing', () => {
    const broken = join(dirname(config), 'broken.json');
    writeFileSync(broken, '{\n  "version": "1",\n  "default": "alow"\n}\n');
    const create = runToolgate('grants', 'create', '--label', 'broken', '--policy', broken, '--config', config);
    expect(create.status).toBe(1);
    expect(create.stdout).toBe('');
    expect(create.stderr).toContain(`${broken}:3:14: $.default:`);
    expect(create.stderr).toBe(runToolgate('policy', 'check', broken).stderr);
    const missing = runToolgate('grants', 'create', '--label', 'broken', '--policy', `${broken}.nope`, '-c', config);
    expect(missing.stderr).toContain('cannot read the policy file: no such file');
    const update = runToolgate('grants', 'update', 'laptop', '--policy', broken, '--config', config);
    expect(update.status).toBe(1);
    expect(update.stderr).toContain('$.default:');
    expect(toolgate('grants', 'list', '--config', config)).not.toMatch(/^broken\s/m);
    expect(toolgate('grants', 'list', '--config', config)).toMatch(/^laptop\s.*allow-all\.json$/m);
  });

  it('updates a grant’s policy, servers and label while the gateway runs: the next call in the same session obeys', async () => {
    const client = await connectWithToken(gateway.url, tester);
    try {
      const denied = await client.callTool({ name: 'alpha__whoami', arguments: {} });
      expect(textOf(denied)).toMatch(/^\[POLICY DENIED\] /);
      await expect(client.callTool({ name: 'beta__whoami', arguments: {} })).rejects.toThrow(/Unknown tool/);

      const update = runToolgate(
        'grants',
        'update',
        'tester',
        '--policy',
        allowAll,
        '--all-servers',
        '--label',
        'tester-2',
        '--config',
        config,
      );
      expect(update.status).toBe(0);
      expect(update.stdout).toContain('Updated grant "tester-2"');
      expect(textOf(await client.callTool({ name: 'alpha__whoami', arguments: {} }))).toBe('alpha');
      expect(textOf(await client.callTool({ name: 'beta__whoami', arguments: {} }))).toBe('beta');
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('beta__whoami');

      toolgate('grants', 'update', 'tester-2', '--policy', denyAll, '--servers', 'alpha', '--config', config);
      expect(textOf(await client.callTool({ name: 'alpha__whoami', arguments: {} }))).toMatch(/^\[POLICY DENIED\] /);
      await expect(client.callTool({ name: 'beta__whoami', arguments: {} })).rejects.toThrow(/Unknown tool/);
    } finally {
      await client.close();
    }
    const list = toolgate('grants', 'list', '--config', config);
    expect(list).toMatch(/^tester-2\s+[0-9a-f]{16}\s+active\s+alpha\s.*deny-all\.json$/m);
    expect(list).not.toMatch(/^tester\s/m);
  });

  it('lists grants as a table with a header and readable times, or as JSON Lines with ISO times', () => {
    const [header, ...rows] = toolgate('grants', 'list', '--config', config).trimEnd().split('\n');
    expect(header).toMatch(/^LABEL\s+ID\s+STATUS\s+SERVERS\s+CREATED\s+POLICY$/);
    expect(rows[0]).toMatch(
      /^laptop\s+[0-9a-f]{16}\s+active\s+\(all\)\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \((now|\d+[smhd] ago)\)\s+\//,
    );
    const json = toolgate('grants', 'list', '--json', '--config', config)
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(json[0]).toMatchObject({ label: 'laptop', status: 'active', servers: null, revokedAt: null });
    expect(new Date(json[0]!.createdAt as string).toISOString()).toBe(json[0]!.createdAt);
  });
});

describe('a grant without a policy', () => {
  let gateway: GatewayProcess;
  let token: string;

  beforeAll(async () => {
    const config = writeConfig({ mcpServers: { alpha: fixtureCommand('fixture-server.ts', ['--name', 'alpha']) } });
    token = tokenFrom(toolgate('grants', 'create', '--label', 'nobody', '--config', config));
    gateway = await startGatewayProcess(config);
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('sees the tools but is denied every call', async () => {
    const client = await connectWithToken(gateway.url, token);
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('alpha__whoami');
      const result = await client.callTool({ name: 'alpha__whoami', arguments: {} });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/^\[POLICY DENIED\] /);
      expect(result._meta?.['toolgate/decision']).toMatchObject({ effect: 'deny', rule: '(no policy)' });
    } finally {
      await client.close();
    }
  });
});

describe('revoking every grant', () => {
  let gateway: GatewayProcess;
  let config: string;
  let token: string;

  beforeAll(async () => {
    // No policy in the config: a tokenless local caller would be unrestricted, so reopening would be wide open.
    config = writeConfig({
      listen: { allowTokenless: false },
      mcpServers: { alpha: fixtureCommand('fixture-server.ts', ['--name', 'alpha']) },
    });
    token = tokenFrom(toolgate('grants', 'create', '--label', 'only', '--config', config));
    gateway = await startGatewayProcess(config);
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('stops every client: no token, the revoked token and a made-up one all get 401', async () => {
    const client = await connectWithToken(gateway.url, token);
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('alpha__whoami');
    await client.close();
    toolgate('grants', 'revoke', 'only', '--config', config);
    for (const authorization of [undefined, `Bearer ${token}`, 'Bearer garbage']) {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { ...JSON_HEADERS, ...(authorization ? { authorization } : {}) },
        body: initialize,
      });
      expect(response.status, authorization ?? 'no token').toBe(401);
    }
  });
});

describe('tokenless callers', () => {
  let alpha: { command: string; args: string[] };
  beforeAll(() => {
    alpha = fixtureCommand('fixture-server.ts', ['--name', 'alpha']);
  });

  it('are refused by default, even before any grant exists, with a 401 that says what to send', async () => {
    const config = writeConfig({ listen: { allowTokenless: false }, mcpServers: { alpha } });
    const gateway = await startGatewayProcess(config);
    try {
      const response = await fetch(gateway.url, { method: 'POST', headers: JSON_HEADERS, body: initialize });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="toolgate"');
      expect(await response.text()).toContain('toolgate grants create');
      await eventually(() => expect(gateway.log.join('\n')).toContain('listen.allowTokenless is off'));
    } finally {
      await gateway.stop();
    }
  });

  it('with listen.allowTokenless, are the local operator under the config policy, whatever grants exist', async () => {
    const config = writeConfig(
      { listen: { allowTokenless: true }, mcpServers: { alpha } },
      { version: '1', default: 'deny', tools: { whoami: {} } },
    );
    const created = tokenFrom(toolgate('grants', 'create', '--label', 'agent', '--config', config));
    toolgate('grants', 'revoke', 'agent', '--config', config);
    const gateway = await startGatewayProcess(config);
    try {
      const local = await connectHttp(gateway.url);
      expect(textOf(await local.callTool({ name: 'alpha__whoami', arguments: {} }))).toBe('alpha');
      const denied = await local.callTool({ name: 'alpha__echo', arguments: { text: 'x' } });
      expect(textOf(denied)).toMatch(/^\[POLICY DENIED\] /);
      await local.close();
      // A token that proves no grant is refused, never taken as the operator.
      await expect(connectWithToken(gateway.url, created)).rejects.toThrow();
    } finally {
      await gateway.stop();
    }
  });

  it('are never served beyond loopback: the config check refuses the combination', () => {
    const inFile = writeConfig({ listen: { host: '0.0.0.0', allowTokenless: true }, mcpServers: { alpha } });
    const check = runToolgate('config', 'check', inFile);
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('listen.allowTokenless');
    expect(check.stderr).toContain('not a loopback address (0.0.0.0)');
  });
});
