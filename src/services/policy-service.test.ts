import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../clock.js';
import { SqliteGrantStore } from '../grants/grant-store.js';
import { MemoryLimitStore } from '../limits/memory-limit-store.js';
import { openStateDb } from '../state/state-db.js';
import { PolicyService } from './policy-service.js';
import { ServiceError } from './service-error.js';

const clock: Clock = { now: () => Date.UTC(2026, 4, 1), elapsed: () => 0 };

/** A policy service on a fresh state database whose one grant, ci-runner, may use github only. */
async function setUp(configPolicy: string | null = null) {
  const folder = mkdtempSync(join(tmpdir(), 'toolgate-policy-service-'));
  const policy = join(folder, 'policy.json');
  writeFileSync(
    policy,
    JSON.stringify({ version: '1', default: 'deny', tools: { create_issue: { action: 'allow' } } }),
  );
  const grants = new SqliteGrantStore(openStateDb(':memory:'));
  await grants.create({ label: 'ci-runner', policy, servers: ['github'] }, 1);
  const config = { file: join(folder, 'toolgate.json'), policy: configPolicy, serverIds: ['github', 'stripe'] };
  return new PolicyService(grants, () => new MemoryLimitStore(), clock, config);
}

const call = { serverId: 'github', tool: 'create_issue', arguments: {}, checkServer: false } as const;

describe('PolicyService.explain', () => {
  it("decides with the grant's policy", async () => {
    const service = await setUp();
    expect(await service.explain({ ...call, grant: 'ci-runner' })).toMatchObject({
      kind: 'decided',
      decision: { effect: 'allow', rule: '/tools/create_issue' },
    });
    expect(await service.explain({ ...call, tool: 'delete_repo', grant: 'ci-runner' })).toMatchObject({
      kind: 'decided',
      decision: { effect: 'deny' },
    });
  });

  it('answers "unknown tool" for a server the config or the grant does not have', async () => {
    const service = await setUp();
    expect(await service.explain({ ...call, serverId: 'gitlab' })).toEqual({
      kind: 'unknown_tool',
      why: 'no server "gitlab" in the config',
    });
    expect(await service.explain({ ...call, serverId: 'stripe', grant: 'ci-runner' })).toEqual({
      kind: 'unknown_tool',
      why: 'grant "ci-runner" may use only "github"',
    });
  });

  it('lets a local caller call everything when the config names no policy', async () => {
    expect(await (await setUp()).explain(call)).toEqual({ kind: 'unrestricted' });
  });

  it('names a grant that does not exist, and a policy that does not load, by code', async () => {
    const service = await setUp();
    await expect(service.explain({ ...call, grant: 'nobody' })).rejects.toEqual(
      new ServiceError('not_found', 'No active grant labelled "nobody"'),
    );
    const broken = await setUp('/nonexistent/policy.json');
    await expect(broken.explain(call)).rejects.toMatchObject({ name: 'ServiceError', code: 'invalid' });
  });
});
