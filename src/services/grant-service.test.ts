import { describe, expect, it } from 'vitest';
import type { Clock } from '../clock.js';
import { SqliteGrantStore } from '../grants/grant-store.js';
import { openStateDb } from '../state/state-db.js';
import { GrantService, grantView } from './grant-service.js';

let time = Date.UTC(2026, 4, 1);
const clock: Clock = { now: () => time++, elapsed: () => 0 };

function setUp(): GrantService {
  return new GrantService(new SqliteGrantStore(openStateDb(':memory:')), clock, ['github', 'stripe']);
}

describe('GrantService', () => {
  it('refuses, by code, what the gateway could not use or the store would not take', async () => {
    const grants = setUp();
    await grants.create({ label: 'a', servers: ['github'] });
    await expect(grants.create({ label: 'b', servers: ['gitlab'] })).rejects.toMatchObject({
      code: 'invalid',
      message: 'Unknown server ids: gitlab (known: github, stripe)',
    });
    await expect(grants.create({ label: 'b', policy: '/nonexistent/policy.json' })).rejects.toMatchObject({
      code: 'invalid',
      message: expect.stringContaining('cannot read the policy file'),
    });
    await expect(grants.create({ label: 'a' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(grants.update('nobody', { label: 'x' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(grants.rotate('nobody')).rejects.toMatchObject({ code: 'not_found' });
    expect(await grants.list()).toHaveLength(1);
  });

  it('shows a grant with ISO times and its status, never its token', async () => {
    const grants = setUp();
    const { grant, token } = await grants.create({ label: 'a' });
    const view = grantView(await grants.revoke(grant.id));
    expect(view).toMatchObject({ label: 'a', status: 'revoked', servers: null, rotatedAt: null });
    expect(view.revokedAt).toMatch(/^2026-05-01T/);
    expect(JSON.stringify(view)).not.toContain(token.slice(-10));
  });
});
