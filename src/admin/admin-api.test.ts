import { describe, expect, it } from 'vitest';
import { recordingLogger, sampleRecord } from '../../test/contract/audit-sink.contract.js';
import { SqliteApprovalStore } from '../approvals/approval-store.js';
import { SqliteAuditSink } from '../audit/sqlite-audit-sink.js';
import type { Clock } from '../clock.js';
import { reviewListing } from '../pinning/review-listing.js';
import { SqlitePinStore } from '../pinning/sqlite-pin-store.js';
import { sqliteServices } from '../../test/support/sqlite-services.js';
import { openStateDb } from '../state/state-db.js';
import { adminTokenAuthentication, createAdminApi } from './admin-api.js';
import type { AdminContext } from './admin-context.js';
import type { Services } from '../services/services.js';

/** What the admin API serves from, in a test: no servers running, clients told of a made-up address. */
function contextOf(services: Services): AdminContext {
  return {
    services,
    clock,
    servers: () => [],
    clients: {
      mcpUrl: () => 'http://127.0.0.1:8787/mcp',
      stdioCommand: (grant) => ['toolgate', 'stdio', '--grant', grant],
    },
  };
}

const TOKEN = 'a'.repeat(32);
const T0 = Date.UTC(2026, 4, 1);
const MINUTE = 60_000;
const clock: Clock = { now: () => T0 + 60 * MINUTE, elapsed: () => 0 };

/** The admin API on a fresh state database, with one pending approval, two grants and four audit records. */
async function setUp() {
  const db = openStateDb(':memory:');
  const woken: string[] = [];
  const refreshed: string[] = [];
  const services = sqliteServices(db, {
    clock,
    config: {
      file: null,
      policy: null,
      serverIds: ['github', 'stripe'],
      pinning: { changed: 'block', added: 'allow' },
    },
    waiters: { wake: (id) => woken.push(id) },
    pins: { refresh: async (serverId) => void refreshed.push(serverId) },
  });
  const created = await new SqliteApprovalStore(db).create(
    {
      grantId: null,
      grantLabel: null,
      serverId: 'stripe',
      tool: 'create_charge',
      arguments: {},
      hidden: [],
      secrets: [],
      fingerprint: 'f',
      rule: '/tools/create_charge',
      reason: null,
      expiresAt: T0 + 120 * MINUTE,
    },
    T0,
    20,
  );
  if (created.kind !== 'created') throw new Error('expected an approval');
  const { approval } = created;
  const { token } = await services.grants.create({ label: 'ci-runner', servers: ['github'] });
  await services.grants.create({ label: 'ops' });
  await services.grants.revoke('ops');
  const sink = new SqliteAuditSink(db, { logger: recordingLogger() });
  for (const [index, server] of ['github', 'stripe', 'github', 'stripe'].entries()) {
    sink.write(
      sampleRecord({ time: T0 + index * MINUTE, requestId: String(index), serverId: server, decision: 'allow' }),
    );
  }
  await sink.close();
  const api = createAdminApi(contextOf(services), adminTokenAuthentication(TOKEN));
  const request = async (path: string, init: RequestInit = {}) => {
    const response = await api.request(path, {
      ...init,
      headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers as Record<string, string>) },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return { request, approval, woken, refreshed, db, grantToken: token };
}

describe('admin API', () => {
  it('asks for the admin token, and takes no other', async () => {
    const { grantToken } = await setUp();
    const api = createAdminApi(
      contextOf(
        sqliteServices(openStateDb(':memory:'), {
          clock,
          config: { file: null, policy: null, serverIds: [], pinning: { changed: 'block', added: 'allow' } },
        }),
      ),
      adminTokenAuthentication(TOKEN),
    );
    expect((await api.request('/approvals')).status).toBe(401);
    expect((await api.request('/grants', { headers: { authorization: `Bearer ${grantToken}` } })).status).toBe(401);
  });

  it('approves once: 404 for an unknown id, 409 once resolved, and wakes the waiting call', async () => {
    const { request, approval, woken } = await setUp();
    const approved = await request(`/approvals/${approval.id}/approve`, { method: 'POST', body: '{"by":"alice"}' });
    expect(approved).toMatchObject({
      status: 200,
      body: { id: approval.id, status: 'approved', decidedBy: 'admin-api:alice' },
    });
    expect(woken).toEqual([approval.id]);
    expect(await request(`/approvals/${approval.id}/deny`, { method: 'POST' })).toEqual({
      status: 409,
      body: { error: `Approval ${approval.id} is approved already` },
    });
    expect((await request(`/approvals/${approval.id}/deny`, { method: 'POST', body: 'null' })).status).toBe(400);
    expect(await request('/approvals/apr_0000000000000000/deny', { method: 'POST' })).toEqual({
      status: 404,
      body: { error: 'No approval apr_0000000000000000' },
    });
    expect(woken).toEqual([approval.id]);
  });

  it('shows the changes to tool definitions that wait, and accepts them, audited and told to the gateway', async () => {
    const { request, refreshed, db } = await setUp();
    const store = new SqlitePinStore(db);
    const rules = { changed: 'block', added: 'allow' } as const;
    const review = (description: string, now: number) =>
      store.update('github', (stored) =>
        reviewListing(
          stored,
          { serverId: 'github', tools: [{ name: 'search', description }], instructions: null },
          () => null,
          rules,
          now,
        ),
      );
    await review('Searches issues.', T0);
    await review('Searches issues, and closes them.', T0 + MINUTE);
    const listed = await request('/pins?target=github:search');
    expect(listed).toMatchObject({
      status: 200,
      body: {
        changes: [
          {
            server: 'github',
            tool: 'search',
            kind: 'changed',
            state: 'blocked',
            since: new Date(T0 + MINUTE).toISOString(),
            fields: [{ field: 'description', kind: 'text' }],
            accept: 'toolgate tools accept github:search',
          },
        ],
      },
    });
    expect((await request('/pins?target=github:')).status).toBe(400);
    expect((await request('/pins/accept', { method: 'POST', body: '{}' })).status).toBe(400);
    const accepted = await request('/pins/accept', { method: 'POST', body: '{"target":"github","by":"alice"}' });
    expect(accepted).toMatchObject({
      status: 200,
      body: { accepted: [{ server: 'github', tool: 'search', fields: ['description'], by: 'admin-api:alice' }] },
    });
    expect(refreshed).toEqual(['github']);
    expect((await request('/pins')).body).toEqual({ changes: [] });
    expect(await request('/pins/accept', { method: 'POST', body: '{"target":"github"}' })).toEqual({
      status: 404,
      body: { error: 'Nothing to accept for github: no change of it waits.' },
    });
    const audit = await request('/audit?decision=change_accepted');
    expect(audit.body.records).toMatchObject([
      { method: 'toolgate/pinning', serverId: 'github', tool: 'search', outcome: 'ok' },
    ]);
  });

  it('lists approvals by status, and shows one', async () => {
    const { request, approval } = await setUp();
    expect((await request('/approvals?status=pending')).body.approvals).toMatchObject([{ id: approval.id }]);
    expect((await request('/approvals?status=approved')).body.approvals).toEqual([]);
    expect((await request('/approvals?status=maybe')).status).toBe(400);
    expect((await request(`/approvals/${approval.id}`)).body).toMatchObject({ tool: 'create_charge' });
    expect((await request('/approvals/apr_0000000000000000')).status).toBe(404);
  });

  it('lists grants, revoked ones included, with no token or hash', async () => {
    const { request } = await setUp();
    const { status, body } = await request('/grants');
    expect(status).toBe(200);
    expect(body.grants).toEqual([
      expect.objectContaining({ label: 'ci-runner', status: 'active', servers: ['github'], revokedAt: null }),
      expect.objectContaining({ label: 'ops', status: 'revoked', policy: null }),
    ]);
    expect(JSON.stringify(body)).not.toMatch(/tg_|secret|hash/i);
  });

  it('queries the audit trail with the filters of `toolgate audit query`, page by page', async () => {
    const { request } = await setUp();
    const ids = (body: Record<string, unknown>) => (body.records as { requestId: string }[]).map((r) => r.requestId);
    expect(ids((await request('/audit')).body)).toEqual(['3', '2', '1', '0']);
    expect(ids((await request('/audit?server=stripe&order=oldest_first')).body)).toEqual(['1', '3']);
    // Ages count back from the clock's now: T0 + 60 min.
    expect(ids((await request('/audit?since=58m')).body)).toEqual(['3', '2']);
    const first = await request('/audit?limit=3');
    expect(ids(first.body)).toEqual(['3', '2', '1']);
    expect(ids((await request(`/audit?limit=3&after=${String(first.body.next)}`)).body)).toEqual(['0']);
    expect((await request('/audit?decision=allow,deny')).body.records).toHaveLength(4);
    expect(await request('/audit?since=yesterday')).toMatchObject({ status: 400, body: { error: /^since: / } });
    expect(await request('/audit?outcome=fine')).toMatchObject({
      status: 400,
      body: { error: /^outcome: unknown: fine/ },
    });
    expect((await request('/audit?after=nonsense')).status).toBe(400);
    expect((await request('/audit?limit=1001')).status).toBe(400);
    expect((await request('/audit?order=sideways')).status).toBe(400);
  });
});
