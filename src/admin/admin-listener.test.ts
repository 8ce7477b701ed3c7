import http from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../clock.js';
import { createLogger } from '../observability/log.js';
import { sqliteServices } from '../../test/support/sqlite-services.js';
import { openStateDb } from '../state/state-db.js';
import { startAdminListener, type AdminListener } from './admin-listener.js';

const PASSWORD = 'a long enough password';
const ADMIN_TOKEN = 't'.repeat(40);
const clock: Clock = { now: () => Date.now(), elapsed: () => 0 };

/**
 * The admin listener over real HTTP on a free loopback port, on a state database in a temporary folder: sign-in,
 * cookies, CSRF, roles, operator records and policy versions, as a browser and a script meet them.
 */
describe('admin listener', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'toolgate-admin-'));
  const policy = path.join(dir, 'policy.json');
  writeFileSync(policy, '{ "version": "1", "default": "allow" }\n');
  const db = openStateDb(path.join(dir, 'state.db'));
  const reloaded: string[] = [];
  const services = sqliteServices(db, {
    clock,
    config: {
      file: path.join(dir, 'toolgate.json'),
      policy,
      serverIds: ['fs'],
      pinning: { changed: 'block', added: 'allow' },
    },
    policySaved: (file) => reloaded.push(file),
  });
  let listener: AdminListener;
  let base: string;

  beforeAll(async () => {
    for (const role of ['admin', 'policy_manager', 'approver', 'viewer'])
      await services.members.add(role, role, PASSWORD);
    listener = await startAdminListener(
      {
        token: ADMIN_TOKEN,
        console: true,
        host: '127.0.0.1',
        port: 0,
        allowedHosts: [],
        sessionMs: 3_600_000,
        secureCookies: null,
      },
      0,
      {
        services,
        clock,
        servers: () => [],
        clients: {
          mcpUrl: () => 'http://127.0.0.1:8787/mcp',
          stdioCommand: (grant) => ['toolgate', 'stdio', '--grant', grant],
        },
      },
      createLogger('silent'),
    );
    base = listener.url.replace(/\/$/, '');
  });
  afterAll(async () => {
    await listener.close();
    db.close();
  });

  /** Signs in as `name`: the cookie to send back, the CSRF token, and the Set-Cookie header as sent. */
  async function signIn(name: string) {
    const response = await fetch(`${base}/admin/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, password: PASSWORD }),
    });
    expect(response.status).toBe(200);
    const setCookie = response.headers.get('set-cookie') ?? '';
    const body = (await response.json()) as { csrf: string; permissions: string[] };
    return { cookie: setCookie.split(';')[0]!, csrf: body.csrf, setCookie, permissions: body.permissions };
  }

  function as(session: { cookie: string; csrf: string }, csrf: string | null = session.csrf) {
    return async (method: string, route: string, body?: unknown) => {
      const headers: Record<string, string> = { cookie: session.cookie };
      if (csrf !== null) headers['x-csrf-token'] = csrf;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${base}${route}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    };
  }

  it('serves the console page with a strict Content-Security-Policy', async () => {
    const response = await fetch(`${base}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('signs in with an HttpOnly, SameSite=Strict cookie, and refuses a wrong password', async () => {
    const { setCookie, permissions } = await signIn('viewer');
    expect(setCookie).toMatch(/^toolgate_console=tgc_/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toMatch(/Secure/);
    expect(permissions).toEqual(['read']);
    const wrong = await fetch(`${base}/admin/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'viewer', password: 'not the password' }),
    });
    expect(wrong.status).toBe(401);
    const { records } = await services.audit.query({ decision: ['sign_in_refused'] });
    expect(records[0]).toMatchObject({ method: 'toolgate/operator', actor: 'viewer', outcome: 'refused' });
    expect((await fetch(`${base}/admin/grants`)).status).toBe(401);
  });

  it('refuses a change without the CSRF token, and a request from another origin or host', async () => {
    const admin = await signIn('admin');
    expect((await as(admin, null)('POST', '/admin/grants', { label: 'no-csrf' })).status).toBe(403);
    expect((await as(admin, 'wrong')('POST', '/admin/grants', { label: 'no-csrf' })).status).toBe(403);
    const foreign = await fetch(`${base}/admin/grants`, {
      headers: { cookie: admin.cookie, origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    // fetch sends its own Host header; node:http sends the one given, as a DNS-rebinding page's browser would.
    const rebound = await new Promise<number>((resolve, reject) => {
      const request = http.get(
        `${base}/admin/grants`,
        { headers: { cookie: admin.cookie, host: 'evil.example' } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on('error', reject);
    });
    expect(rebound).toBe(403);
  });

  it('lets each role do what it may, and audits each change with who made it', async () => {
    const admin = as(await signIn('admin'));
    const created = await admin('POST', '/admin/grants', { label: 'ci', policy });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^tg_/);
    expect(JSON.parse(created.body.snippets.cursor)).toEqual({
      mcpServers: {
        toolgate: { url: 'http://127.0.0.1:8787/mcp', headers: { Authorization: `Bearer ${created.body.token}` } },
      },
    });
    const id = created.body.grant.id as string;
    const viewer = as(await signIn('viewer'));
    expect((await viewer('GET', '/admin/grants')).status).toBe(200);
    expect((await viewer('POST', '/admin/grants', { label: 'x' })).status).toBe(403);
    expect((await viewer('PUT', '/admin/policies', { file: policy, text: '{}', basedOn: null })).status).toBe(403);
    const manager = as(await signIn('policy_manager'));
    expect((await manager('PATCH', `/admin/grants/${id}`, { label: 'renamed' })).status).toBe(403);
    expect((await manager('PATCH', `/admin/grants/${id}`, { policy })).status).toBe(200);
    expect((await manager('POST', `/admin/grants/${id}/rotate`)).status).toBe(403);
    expect((await manager('GET', '/admin/members')).status).toBe(403);
    const approver = as(await signIn('approver'));
    expect((await approver('POST', '/admin/policies/new', { name: 'x' })).status).toBe(403);
    expect((await admin('POST', `/admin/grants/${id}/revoke`)).status).toBe(200);
    const { records } = await services.audit.query({ tool: 'ci', order: 'oldest_first' });
    expect(records.map((record) => [record.decision, record.actor])).toEqual([
      ['grant_created', 'admin'],
      ['grant_changed', 'policy_manager'],
      ['grant_revoked', 'admin'],
    ]);
  });

  it('saves policy versions, refuses a stale save and a policy that does not load, and rolls back', async () => {
    const manager = as(await signIn('policy_manager'));
    const current = await manager('GET', `/admin/policies/current?file=${encodeURIComponent(policy)}`);
    expect(current.body).toMatchObject({ file: policy, version: null });
    const invalid = await manager('PUT', '/admin/policies', {
      file: policy,
      text: '{"default":"maybe"}',
      basedOn: null,
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.problems).toContainEqual(expect.objectContaining({ path: '$.default' }));
    const denyAll = '{ "version": "1", "default": "deny" }\n';
    const saved = await manager('PUT', '/admin/policies', {
      file: policy,
      text: denyAll,
      basedOn: null,
      note: 'lock down',
    });
    expect(saved.body).toEqual({ version: 2 });
    expect(readFileSync(policy, 'utf8')).toBe(denyAll);
    expect(reloaded).toContain(policy);
    expect((await manager('PUT', '/admin/policies', { file: policy, text: denyAll, basedOn: 1 })).status).toBe(409);
    const versions = await manager('GET', `/admin/policies/versions?file=${encodeURIComponent(policy)}`);
    expect(versions.body.versions.map((v: any) => [v.version, v.savedBy, v.current])).toEqual([
      [2, 'policy_manager', true],
      [1, '(file on disk)', false],
    ]);
    expect((await manager('POST', '/admin/policies/rollback', { file: policy, version: 1 })).body).toEqual({
      version: 3,
    });
    expect(readFileSync(policy, 'utf8')).toBe('{ "version": "1", "default": "allow" }\n');
    const elsewhere = await manager('GET', `/admin/policies/current?file=${encodeURIComponent('/etc/passwd')}`);
    expect(elsewhere.status).toBe(404);
  });

  it('answers the admin token as the admin role, without CSRF, and refuses a wrong one', async () => {
    const ok = await fetch(`${base}/admin/members`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(ok.status).toBe(200);
    const wrong = await fetch(`${base}/admin/members`, { headers: { authorization: `Bearer ${'x'.repeat(40)}` } });
    expect(wrong.status).toBe(401);
  });

  it('signs out: the cookie no longer works', async () => {
    const viewer = await signIn('viewer');
    expect((await as(viewer)('DELETE', '/admin/session')).status).toBe(200);
    expect((await as(viewer)('GET', '/admin/grants')).status).toBe(401);
  });
});
