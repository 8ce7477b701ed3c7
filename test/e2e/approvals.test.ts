/**
 * Human approval end to end: calls held by the policy, approved or denied from the admin API and the CLI, in time
 * or later (the retry runs exactly once), expired, surviving a restart, announced to a signed webhook that a real
 * HTTP receiver checks, and approved by the person at the client where the policy says so.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStateDb } from '../../src/state/state-db.js';
import { fixtureCommand } from '../fixtures/spawn-fixture.js';
import {
  connectHttp,
  eventually,
  startGatewayProcess,
  textOf,
  writeConfig,
  type GatewayProcess,
  toolgate,
} from './harness.js';

const ADMIN_TOKEN = randomBytes(24).toString('hex');
const WEBHOOK_SECRET = randomBytes(16).toString('hex');

interface Delivery {
  body: string;
  timestamp: string;
  signature: string;
}

function approvalOf(result: { _meta?: Record<string, unknown> }): { id: string; status: string } {
  return result._meta?.['toolgate/approval'] as { id: string; status: string };
}

describe('approvals', () => {
  let config: string;
  let gateway: GatewayProcess;
  let receiver: Server;
  const deliveries: Delivery[] = [];
  let client: Client;

  const admin = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(gateway.url.replace(/\/mcp$/, `/admin${path}`), {
      ...init,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...init.headers },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const cli = (...args: string[]) => toolgate('approvals', ...args, '--config', config);
  const pendingIds = async () =>
    ((await admin('/approvals?status=pending')).body.approvals as { id: string }[]).map((a) => a.id);

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        deliveries.push({
          body,
          timestamp: String(req.headers['x-toolgate-timestamp']),
          signature: String(req.headers['x-toolgate-signature']),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/toolgate`;

    config = writeConfig(
      {
        mcpServers: { alpha: fixtureCommand('fixture-server.ts', ['--name', 'alpha']) },
        admin: { token: '${env:TEST_ADMIN_TOKEN}' },
        approvals: {
          waitMs: 1500,
          expireMs: 120_000,
          webhook: { url: webhookUrl, secret: '${env:TEST_WEBHOOK_SECRET}' },
        },
      },
      {
        version: '1',
        default: 'allow',
        tools: {
          add: {
            require_approval_if: [
              { conditions: [{ path: 'args.a', op: 'gt', value: 100 }], reason: 'Big sums need a person.' },
            ],
          },
          whoami: { action: 'require_approval', approver: 'client', reason: 'Say who you are?' },
        },
      },
    );
    process.env.TEST_ADMIN_TOKEN = ADMIN_TOKEN;
    process.env.TEST_WEBHOOK_SECRET = WEBHOOK_SECRET;
    gateway = await startGatewayProcess(config);
    client = await connectHttp(gateway.url);
  });

  afterAll(async () => {
    await client?.close();
    await gateway?.stop();
    await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  });

  it('runs a call a person approves in time, and announces it to the signed webhook', async () => {
    const call = client.callTool({ name: 'alpha__add', arguments: { a: 200, b: 1 } });
    let id = '';
    await eventually(async () => {
      [id = ''] = await pendingIds();
      expect(id).toMatch(/^apr_/);
    });
    await eventually(() => expect(deliveries.some((d) => d.body.includes(id))).toBe(true));
    const delivery = deliveries.find((d) => d.body.includes(id))!;
    const expected = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(`${delivery.timestamp}.${delivery.body}`).digest('hex')}`;
    expect(delivery.signature).toBe(expected);
    expect(JSON.parse(delivery.body)).toMatchObject({
      type: 'approval.requested',
      approval: { id, server: 'alpha', tool: 'add', arguments: { a: 200, b: 1 }, reason: 'Big sums need a person.' },
    });

    expect((await admin(`/approvals/${id}/approve`, { method: 'POST', body: '{"by":"alice"}' })).status).toBe(200);
    expect(textOf(await call)).toBe('201');
  });

  it('tells the agent to retry later, and the retry runs exactly once after approval', async () => {
    const first = await client.callTool({ name: 'alpha__add', arguments: { a: 300, b: 1 } });
    expect(textOf(first)).toMatch(/^\[APPROVAL PENDING\] .*apr_[0-9a-f]{16}.*Big sums need a person/);
    const { id } = approvalOf(first);
    // A retry before anyone decides waits on the same approval rather than opening another.
    const again = await client.callTool({ name: 'alpha__add', arguments: { a: 300, b: 1 } });
    expect(approvalOf(again).id).toBe(id);

    expect(cli('approve', id, '--as', 'bob')).toContain(`Approved ${id}`);
    expect(textOf(await client.callTool({ name: 'alpha__add', arguments: { a: 300, b: 1 } }))).toBe('301');
    const third = await client.callTool({ name: 'alpha__add', arguments: { a: 300, b: 1 } });
    expect(textOf(third)).toMatch(/^\[APPROVAL PENDING\]/);
    expect(approvalOf(third).id).not.toBe(id);
    cli('deny', approvalOf(third).id);
  });

  it('refuses a denied call with the approver’s reason', async () => {
    const first = await client.callTool({ name: 'alpha__add', arguments: { a: 400, b: 1 } });
    const { id } = approvalOf(first);
    cli('deny', id, '--reason', 'Not during the freeze');
    const denied = await client.callTool({ name: 'alpha__add', arguments: { a: 400, b: 1 } });
    expect(textOf(denied)).toBe(`[APPROVAL DENIED] A person denied this call (approval ${id}): Not during the freeze`);
    expect(JSON.parse(cli('show', id))).toMatchObject({ status: 'denied', decidedBy: expect.stringMatching(/^cli:/) });
  });

  it('shows the approver each secret as hidden, and reveals it on request, recording who looked', async () => {
    const sent = {
      a: 250,
      b: 1,
      auth: { apiToken: 'tok-s3cret-1' },
      items: [{ password: 'pw-s3cret-2' }, 'plain'],
    };
    const first = await client.callTool({ name: 'alpha__add', arguments: sent });
    const { id } = approvalOf(first);
    const cliMarker = '[hidden secret — show with --reveal]';

    // Masked, but marked: the approver knows what is hidden, where and why.
    const shown = JSON.parse(cli('show', id)) as Record<string, unknown>;
    expect(shown.arguments).toEqual({
      a: 250,
      b: 1,
      auth: { apiToken: cliMarker },
      items: [{ password: cliMarker }, 'plain'],
    });
    expect(shown.hidden).toEqual([
      { path: 'args.auth.apiToken', why: expect.stringContaining('"token"') },
      { path: 'args.items[0].password', why: expect.stringContaining('"password"') },
    ]);
    expect(cli('list', '--json')).not.toContain('s3cret');
    expect(JSON.stringify(shown)).not.toContain('s3cret');

    // --reveal shows the call exactly as it would run, and the reveal is recorded, without the values.
    const revealed = JSON.parse(cli('show', id, '--reveal', '--as', 'carol')) as Record<string, unknown>;
    expect(revealed.arguments).toEqual(sent);
    const after = JSON.parse(cli('show', id)) as Record<string, unknown>;
    expect(after.reveals).toEqual([{ by: 'cli:carol', at: expect.any(String) }]);
    expect(JSON.stringify(after)).not.toContain('s3cret');

    // The admin API: masked unless asked, and a reveal there is logged by name, never with the values.
    const apiMarker = '[hidden secret — show with ?reveal=secrets]';
    const masked = await admin(`/approvals/${id}`);
    expect(masked.body.arguments).toEqual({
      a: 250,
      b: 1,
      auth: { apiToken: apiMarker },
      items: [{ password: apiMarker }, 'plain'],
    });
    expect(JSON.stringify(await admin('/approvals?status=pending'))).not.toContain('s3cret');
    const apiRevealed = await admin(`/approvals/${id}?reveal=secrets&by=dave`);
    expect(apiRevealed.body.arguments).toEqual(sent);
    await eventually(() =>
      expect(gateway.log.some((line) => line.includes(id) && line.includes('admin-api:dave'))).toBe(true),
    );
    expect((await admin(`/approvals/${id}`)).body.reveals).toEqual([
      { by: 'cli:carol', at: expect.any(Number) },
      { by: 'admin-api:dave', at: expect.any(Number) },
    ]);

    // The webhook goes to a chat tool: masked, saying what is hidden and how to see it.
    await eventually(() => expect(deliveries.some((d) => d.body.includes(id))).toBe(true));
    const delivery = deliveries.find((d) => d.body.includes(id))!;
    expect(delivery.body).not.toContain('s3cret');
    const announced = (JSON.parse(delivery.body) as { approval: Record<string, unknown> }).approval;
    expect(announced.hidden).toEqual([
      { path: 'args.auth.apiToken', why: expect.any(String) },
      { path: 'args.items[0].password', why: expect.any(String) },
    ]);
    expect(announced.note).toContain(`toolgate approvals show ${id} --reveal`);

    // Once decided, the values are dropped: only the masked copy is kept.
    cli('deny', id, '--reason', 'Not with those credentials');
    expect(() => cli('show', id, '--reveal')).toThrow(/no longer kept/);
    const db = openStateDb(join(dirname(config), 'state.db'));
    try {
      const row = db.prepare<[string], Record<string, unknown>>('SELECT * FROM approvals WHERE id = ?').get(id);
      expect(JSON.stringify(row)).not.toContain('s3cret');
    } finally {
      db.close();
    }
    expect(gateway.log.join('\n')).not.toContain('s3cret');
  });

  it('keeps a person’s decision when the client cancels while waiting', async () => {
    const controller = new AbortController();
    const call = client.callTool({ name: 'alpha__add', arguments: { a: 500, b: 1 } }, { signal: controller.signal });
    let id = '';
    await eventually(async () => {
      const pending = await pendingIds();
      expect(pending.length).toBeGreaterThan(0);
      id = pending[0]!;
    });
    controller.abort(new Error('user pressed stop'));
    await expect(call).rejects.toThrow();
    expect(cli('approve', id)).toContain('Approved');
    expect(textOf(await client.callTool({ name: 'alpha__add', arguments: { a: 500, b: 1 } }))).toBe('501');
  });

  it('keeps pending approvals across a restart', async () => {
    const first = await client.callTool({ name: 'alpha__add', arguments: { a: 700, b: 1 } });
    const { id } = approvalOf(first);
    await client.close();
    await gateway.stop();
    gateway = await startGatewayProcess(config);
    client = await connectHttp(gateway.url);
    expect(await pendingIds()).toContain(id);
    await admin(`/approvals/${id}/approve`, { method: 'POST' });
    expect(textOf(await client.callTool({ name: 'alpha__add', arguments: { a: 700, b: 1 } }))).toBe('701');
  });

  it('lets no agent credential near the admin API', async () => {
    const response = await fetch(gateway.url.replace(/\/mcp$/, '/admin/approvals'), {
      headers: { authorization: `Bearer tg_0123456789abcdef_${'x'.repeat(43)}` },
    });
    expect(response.status).toBe(401);
  });

  it('asks the person at the client where the policy says so', async () => {
    const consenting = await connectHttp(gateway.url, { capabilities: { elicitation: { form: {} } } });
    const refusing = await connectHttp(gateway.url, { capabilities: { elicitation: { form: {} } } });
    try {
      let asked = '';
      consenting.setRequestHandler('elicitation/create', async (request) => {
        asked = request.params.message;
        return { action: 'accept', content: {} };
      });
      refusing.setRequestHandler('elicitation/create', async () => ({ action: 'decline' }));
      expect(textOf(await consenting.callTool({ name: 'alpha__whoami', arguments: {} }))).toBe('alpha');
      expect(asked).toContain('whoami');
      expect(asked).toContain('Say who you are?');
      const declined = await refusing.callTool({ name: 'alpha__whoami', arguments: {} });
      expect(textOf(declined)).toMatch(/^\[APPROVAL DENIED\] The person at the client did not approve/);
      const cannotAsk = await client.callTool({ name: 'alpha__whoami', arguments: {} });
      expect(textOf(cannotAsk)).toMatch(/does not support elicitation/);
    } finally {
      await consenting.close();
      await refusing.close();
    }
  });
});

describe('approvals nobody decides', () => {
  let config: string;
  let gateway: GatewayProcess;
  let client: Client;
  const cli = (...args: string[]) => toolgate('approvals', ...args, '--config', config);

  beforeAll(async () => {
    config = writeConfig(
      {
        mcpServers: { alpha: fixtureCommand('fixture-server.ts', ['--name', 'alpha']) },
        approvals: { waitMs: 500, expireMs: 2000 },
      },
      { version: '1', default: 'allow', tools: { add: { action: 'require_approval' } } },
    );
    gateway = await startGatewayProcess(config);
    client = await connectHttp(gateway.url);
  });

  afterAll(async () => {
    await client?.close();
    await gateway?.stop();
  });

  it('expire, and the agent is told so once', async () => {
    const first = await client.callTool({ name: 'alpha__add', arguments: { a: 600, b: 1 } });
    const { id } = approvalOf(first);
    await eventually(() => expect(JSON.parse(cli('show', id)).status).toBe('expired'), 10_000);
    const expired = await client.callTool({ name: 'alpha__add', arguments: { a: 600, b: 1 } });
    expect(textOf(expired)).toMatch(new RegExp(`^\\[APPROVAL EXPIRED\\] .*${id}`));
    expect(() => cli('approve', id)).toThrow();
    const askedAgain = await client.callTool({ name: 'alpha__add', arguments: { a: 600, b: 1 } });
    expect(approvalOf(askedAgain).id).not.toBe(id);
  }, 20_000);
});
