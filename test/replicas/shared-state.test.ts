/**
 * Replicas sharing their state: several `toolgate start` processes on one PostgreSQL schema (grants, approvals,
 * audit) and one Redis prefix (counters), as a load balancer would spread a team's agents over them; and what a
 * replica killed with SIGKILL leaves behind.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import pg from 'pg';
import { afterAll, afterEach, expect, it, vi } from 'vitest';
import { fixtureCommand } from '../fixtures/spawn-fixture.js';
import {
  connectWithToken,
  eventually,
  startGatewayProcess,
  textOf,
  toolgate,
  tokenFrom,
  type GatewayProcess,
} from '../e2e/harness.js';
import { describePostgres, freshSchema, POSTGRES_URL, postgresTarget, postgresUrlVia } from '../support/postgres.js';
import { startTcpRelay } from '../support/tcp-relay.js';
import { describeRedis, REDIS_URL } from '../support/redis.js';

const gateways: GatewayProcess[] = [];
const clients: Client[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close().catch(() => undefined)));
  await Promise.all(gateways.splice(0).map((gateway) => gateway.stop()));
});

const admin = new pg.Client({ connectionString: POSTGRES_URL });
let adminConnected = false;
afterAll(async () => {
  if (adminConnected) await admin.end();
});

/** One deployment: a config every replica and the CLI share, on a fresh schema and a fresh Redis prefix. */
function deployment(policy: Record<string, unknown>, audit: Record<string, unknown> = {}) {
  const folder = mkdtempSync(join(tmpdir(), 'toolgate-replicas-'));
  const schema = freshSchema();
  const file = join(folder, 'toolgate.json');
  writeFileSync(join(folder, 'policy.json'), JSON.stringify(policy));
  writeFileSync(
    file,
    JSON.stringify({
      listen: { allowTokenless: false },
      state: {
        postgres: { url: POSTGRES_URL, schema },
        redis: { url: REDIS_URL, keyPrefix: `toolgate-test:${randomUUID()}:` },
      },
      audit,
      mcpServers: { alpha: fixtureCommand('fixture-server.ts', ['--name', 'alpha']) },
    }),
  );
  const cli = (...args: string[]) => toolgate(...args, '--config', file);
  return {
    file,
    schema,
    cli,
    grant: (label: string) =>
      tokenFrom(cli('grants', 'create', '--label', label, '--policy', join(folder, 'policy.json'))),
    async replica(): Promise<GatewayProcess> {
      const gateway = await startGatewayProcess(file);
      gateways.push(gateway);
      return gateway;
    },
    async client(gateway: GatewayProcess, token: string): Promise<Client> {
      const client = await connectWithToken(gateway.url, token);
      clients.push(client);
      return client;
    },
    async rows<R>(sql: string): Promise<R[]> {
      if (!adminConnected) {
        await admin.connect();
        adminConnected = true;
      }
      return (await admin.query(sql.replaceAll('$schema', schema))).rows as R[];
    },
  };
}

const ALLOW = { version: '1', default: 'allow' };
const add = (client: Client, a: number) => client.callTool({ name: 'alpha__add', arguments: { a, b: 0 } });

describePostgres('replicas sharing PostgreSQL', () => {
  // Each test starts two or three gateway processes, each starting its server.
  vi.setConfig({ testTimeout: 120_000 });
  describeRedis('and Redis', () => {
    it('serve a grant made with the CLI on every replica, and stop serving it on every replica once revoked', async () => {
      const shared = deployment(ALLOW);
      const token = shared.grant('agent');
      const [a, b] = await Promise.all([shared.replica(), shared.replica()]);
      for (const gateway of [a, b]) expect(textOf(await add(await shared.client(gateway, token), 2))).toBe('2');
      shared.cli('grants', 'revoke', 'agent');
      for (const gateway of [a, b]) {
        await expect(shared.client(gateway, token)).rejects.toThrow(/401|Unauthorized/);
      }
    });

    it('release a call held on one replica when it is approved through another, and run it exactly once', async () => {
      const shared = deployment({ version: '1', default: 'allow', tools: { add: { action: 'require_approval' } } });
      const token = shared.grant('agent');
      const [a, b] = await Promise.all([shared.replica(), shared.replica()]);
      // The same call held on both replicas: one approval, and exactly one of them runs it.
      const held = [add(await shared.client(a, token), 40), add(await shared.client(b, token), 40)];
      let id = '';
      await eventually(async () => {
        const pending = await shared.rows<{ id: string }>("SELECT id FROM $schema.approvals WHERE status = 'pending'");
        expect(pending).toHaveLength(1);
        id = pending[0]!.id;
      });
      shared.cli('approvals', 'approve', id, '--as', 'alice');
      const results = await Promise.all(held);
      const ran = results.filter((result) => textOf(result) === '40');
      expect(ran).toHaveLength(1);
      expect(textOf(results.find((result) => textOf(result) !== '40'))).toMatch(/^\[APPROVAL PENDING\]/);
      await eventually(async () => {
        const records = await shared.rows<{ decision: string; outcome: string }>(
          `SELECT decision, outcome FROM $schema.audit_records WHERE approval_id = '${id}' AND tool = 'add'`,
        );
        expect(records.filter((record) => record.outcome === 'ok')).toHaveLength(1);
      });
    });

    it('keep one audit trail: `toolgate audit` reads every replica’s records', async () => {
      const shared = deployment(ALLOW);
      const token = shared.grant('agent');
      const [a, b] = await Promise.all([shared.replica(), shared.replica()]);
      await add(await shared.client(a, token), 1);
      await add(await shared.client(b, token), 2);
      const lines = shared
        .cli('audit', 'query', '--json', '--tool', 'add')
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown);
      expect(lines).toEqual([
        expect.objectContaining({ grantLabel: 'agent', decision: 'allow', outcome: 'ok' }),
        expect.objectContaining({ grantLabel: 'agent', decision: 'allow', outcome: 'ok' }),
      ]);
    });

    it('lose nothing a replica killed with SIGKILL acknowledged: no counted call, no audit record', async () => {
      const max = 60;
      const shared = deployment({
        version: '1',
        default: 'allow',
        tools: { add: { limits: [{ counter: 'adds', window: 'hour', max, scope: 'global' }] } },
      });
      const token = shared.grant('agent');
      const doomed = await shared.replica();
      const callers = await Promise.all(Array.from({ length: 8 }, () => shared.client(doomed, token)));
      let acknowledged = 0;
      let killed = false;
      // Eight callers call in a loop; after the tenth answer the replica is killed mid-load.
      await Promise.all(
        callers.map(async (client, c) => {
          for (let i = 0; !killed; i++) {
            const result = await add(client, c * 1000 + i).catch(() => undefined);
            if (result === undefined) return;
            if (!result.isError) acknowledged++;
            if (acknowledged >= 10 && !killed) {
              killed = true;
              doomed.process.kill('SIGKILL');
            }
          }
        }),
      );
      expect(acknowledged).toBeGreaterThanOrEqual(10);
      // Every call a client was told about has its record.
      const [stored] = await shared.rows<{ n: number }>(
        "SELECT count(*)::int AS n FROM $schema.audit_records WHERE tool = 'add' AND outcome = 'ok'",
      );
      expect(stored!.n).toBeGreaterThanOrEqual(acknowledged);
      // And is counted: another replica lets through at most what is left of the limit.
      const survivor = await shared.client(await shared.replica(), token);
      let more = 0;
      for (let i = 0; i <= max; i++) {
        const result = await add(survivor, i);
        if (result.isError) break;
        more++;
      }
      expect(acknowledged + more).toBeLessThanOrEqual(max);
    });
  });
});

describePostgres('a replica whose PostgreSQL goes away', () => {
  vi.setConfig({ testTimeout: 120_000 });

  it('refuses requests it cannot check with a clear error while it is away, and recovers by itself', async () => {
    const relay = await startTcpRelay(postgresTarget());
    try {
      const folder = mkdtempSync(join(tmpdir(), 'toolgate-replicas-'));
      const schema = freshSchema();
      writeFileSync(join(folder, 'policy.json'), JSON.stringify(ALLOW));
      const configOf = (name: string, url: string) => {
        const file = join(folder, name);
        writeFileSync(
          file,
          JSON.stringify({
            state: { postgres: { url, schema }, counters: 'memory' },
            audit: { flushMs: 20 },
            mcpServers: { alpha: fixtureCommand('fixture-server.ts', ['--name', 'alpha']) },
          }),
        );
        return file;
      };
      // The gateway reaches PostgreSQL through the relay; the CLI, run synchronously while the relay runs in this
      // process, goes straight to it.
      const file = configOf('gateway.json', postgresUrlVia(relay.port));
      const direct = configOf('cli.json', POSTGRES_URL);
      const token = tokenFrom(
        toolgate('grants', 'create', '--label', 'agent', '--policy', join(folder, 'policy.json'), '--config', direct),
      );
      const gateway = await startGatewayProcess(file);
      gateways.push(gateway);
      const client = await connectWithToken(gateway.url, token);
      clients.push(client);
      expect(textOf(await add(client, 5))).toBe('5');
      await relay.cut();
      // The token cannot be checked: the request is refused, and the error says why.
      const refused = await add(client, 6).catch((error: unknown) => error);
      expect(String(refused)).toMatch(/cannot reach the store of its grants/);
      await relay.restore();
      await eventually(async () => expect(textOf(await add(client, 7))).toBe('7'), 30_000);
      // The record of the call made while the database was away was kept and stored once it was back.
      await eventually(async () => {
        const lines = toolgate('audit', 'query', '--json', '--tool', 'add', '--config', direct).trimEnd().split('\n');
        expect(lines.length).toBeGreaterThanOrEqual(2);
      }, 30_000);
    } finally {
      await relay.close();
    }
  });
});
