/**
 * Grants end to end: tokens created with the CLI, checked on every HTTP request, bound to sessions, limited to
 * servers, rotated and revoked while the gateway runs, and never passed on to a server.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureCommand, startHttpFixture, type HttpFixture } from '../fixtures/spawn-fixture.js';
import {
  connectStdio,
  startGatewayProcess,
  textOf,
  writeConfig,
  type GatewayProcess,
  toolgate,
  tokenFrom,
  connectWithToken,
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

  beforeAll(async () => {
    beta = await startHttpFixture('fixture-server.ts', ['--name', 'beta']);
    config = writeConfig({
      mcpServers: { alpha: fixtureCommand('fixture-server.ts', ['--name', 'alpha']), beta: { url: beta.url } },
    });
    const allowAll = join(dirname(config), 'allow-all.json');
    writeFileSync(allowAll, JSON.stringify({ version: '1', default: 'allow' }));
    const create = (label: string, ...more: string[]) =>
      tokenFrom(toolgate('grants', 'create', '--label', label, '--policy', allowAll, ...more, '--config', config));
    everything = create('laptop');
    alphaOnly = create('ci-runner', '--servers', 'alpha');
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
    expect(toolgate('grants', 'list', '--config', config)).toMatch(/ci-runner\t[0-9a-f]{16}\trevoked/);
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
