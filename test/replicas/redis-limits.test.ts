/**
 * Limits across replicas: several `toolgate start` processes counting in the real Redis on this machine, and
 * what calls meet while Redis is away.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, afterEach, expect, it } from 'vitest';
import { fixtureCommand } from '../fixtures/spawn-fixture.js';
import {
  connectHttp,
  eventually,
  startGatewayProcess,
  textOf,
  writeConfig,
  type GatewayProcess,
} from '../e2e/harness.js';
import { deleteRedisKeys, describeRedis, REDIS_URL } from '../support/redis.js';
import { startTcpRelay, type TcpRelay } from '../support/tcp-relay.js';

const POLICY = {
  version: '1',
  default: 'allow',
  tools: { add: { limits: [{ counter: 'adds', window: 'minute', max: 10, scope: 'global' }] } },
};

const gateways: GatewayProcess[] = [];
const clients: Client[] = [];
const relays: TcpRelay[] = [];
const prefixes: string[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(gateways.splice(0).map((gateway) => gateway.stop()));
  await Promise.all(relays.splice(0).map((relay) => relay.close()));
});

afterAll(() => deleteRedisKeys(prefixes));

/** A gateway process counting in Redis at `url` under `keyPrefix`, with a client connected to it. */
async function replica(redis: Record<string, unknown>): Promise<{ gateway: GatewayProcess; client: Client }> {
  const config = writeConfig(
    { state: { redis }, mcpServers: { alpha: fixtureCommand('fixture-server.ts', ['--name', 'alpha']) } },
    POLICY,
  );
  const gateway = await startGatewayProcess(config);
  gateways.push(gateway);
  const client = await connectHttp(gateway.url);
  clients.push(client);
  return { gateway, client };
}

function freshPrefix(): string {
  const prefix = `toolgate-test:${randomUUID()}:`;
  prefixes.push(prefix);
  return prefix;
}

const add = (client: Client, i: number) => client.callTool({ name: 'alpha__add', arguments: { a: i, b: 0 } });

describeRedis('replicas counting in Redis', () => {
  it('let no more than max calls through together, whichever replica each call reaches', async () => {
    const keyPrefix = freshPrefix();
    const replicas = await Promise.all([1, 2, 3].map(() => replica({ url: REDIS_URL, keyPrefix })));
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => add(replicas[i % 3]!.client, i)));
    const passed = results.filter((result) => !result.isError);
    expect(passed).toHaveLength(10);
    for (const result of results.filter((r) => r.isError)) expect(textOf(result)).toMatch(/^\[RATE LIMITED\] /);
    // Each replica let some through: the counting was shared, not split.
    const perReplica = replicas.map((_, r) => results.filter((result, i) => i % 3 === r && !result.isError).length);
    expect(perReplica.reduce((a, b) => a + b)).toBe(10);
  });

  it('refuse the calls a limit counts while Redis is away, serve the others, and count again once it is back', async () => {
    const relay = await startTcpRelay({ host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) });
    relays.push(relay);
    const { gateway, client } = await replica({ url: `redis://127.0.0.1:${relay.port}`, keyPrefix: freshPrefix() });
    expect((await add(client, 1)).isError).toBeFalsy();
    await relay.cut();
    const refused = await add(client, 2).catch((error: unknown) => error);
    expect(String(refused)).toMatch(
      /cannot reach the counters that the limits on this call need: the call was not run/,
    );
    expect(textOf(await client.callTool({ name: 'alpha__echo', arguments: { text: 'still here' } }))).toContain(
      'still here',
    );
    await eventually(() =>
      expect(gateway.log.some((line) => line.includes(`Redis at 127.0.0.1:${relay.port}`))).toBe(true),
    );
    await relay.restore();
    await eventually(async () => expect((await add(client, 3)).isError).toBeFalsy(), 20_000);
  });

  it('with failOpen, let calls through uncounted while Redis is away, and say so once', async () => {
    const relay = await startTcpRelay({ host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) });
    relays.push(relay);
    const { gateway, client } = await replica({
      url: `redis://127.0.0.1:${relay.port}`,
      keyPrefix: freshPrefix(),
      failOpen: true,
    });
    await relay.cut();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => add(client, i)));
    expect(results.filter((result) => result.isError)).toEqual([]);
    await eventually(() =>
      expect(gateway.log.filter((line) => line.includes('calls go on uncounted until they answer again'))).toHaveLength(
        1,
      ),
    );
  });
});
