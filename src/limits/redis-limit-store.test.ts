import { randomUUID } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { recordingLogger } from '../../test/contract/audit-sink.contract.js';
import { chargeOf, runLimitStoreContract } from '../../test/contract/limit-store.contract.js';
import { RedisLimitStore, type RedisLimitStoreOptions } from './redis-limit-store.js';
import { describeRedis, REDIS_URL, redisMissing } from '../../test/support/redis.js';

const T0 = 1_000_000;
const admin = redisMissing === null ? new Redis(REDIS_URL) : undefined;
const opened: RedisLimitStore[] = [];
const prefixes: string[] = [];

/** A store on a prefix no other test uses; closed, and its keys deleted, after the test. */
function openStore(options: Partial<RedisLimitStoreOptions> & { keyPrefix?: string } = {}): RedisLimitStore {
  const keyPrefix = options.keyPrefix ?? `toolgate-test:${randomUUID()}:`;
  prefixes.push(keyPrefix);
  const store = new RedisLimitStore({ url: REDIS_URL, clock: 'caller', ...options, keyPrefix });
  opened.push(store);
  return store;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
  if (admin === undefined) return;
  for (const prefix of prefixes.splice(0)) {
    const keys = await admin.keys(`${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`);
    if (keys.length > 0) await admin.unlink(...keys);
  }
});

afterAll(() => {
  admin?.disconnect();
});

describeRedis('RedisLimitStore on the Redis at 127.0.0.1:6379', () => {
  runLimitStoreContract('Redis', () => ({ store: openStore() }));

  it('two replicas (two connections) racing 50 takes against max 10 let exactly 10 through', async () => {
    const keyPrefix = `toolgate-test:${randomUUID()}:`;
    const replicas = [openStore({ keyPrefix, clock: 'server' }), openStore({ keyPrefix, clock: 'server' })];
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => replicas[i % 2]!.take([chargeOf('shared', 10)], Date.now())),
    );
    expect(results.filter((taken) => taken.ok)).toHaveLength(10);
    for (const replica of replicas) expect(await replica.usage('shared', 60_000, Date.now())).toBe(10);
    // What one replica commits, the other sees; what it releases, the other may take again.
    const [first, second] = results.filter((taken) => taken.ok);
    if (!first?.ok || !second?.ok) throw new Error('unreachable');
    await replicas[0]!.release(first.reservation);
    expect((await replicas[1]!.take([chargeOf('shared', 10)], Date.now())).ok).toBe(true);
    expect((await replicas[1]!.take([chargeOf('shared', 10)], Date.now())).ok).toBe(false);
  });

  it('counts with the server’s clock by default, whatever `now` a replica passes', async () => {
    const store = openStore({ clock: undefined });
    const before = Date.now();
    const taken = await store.take([chargeOf('c', 1)], 0);
    expect(taken.ok).toBe(true);
    const at = taken.ok ? taken.reservation.charges[0]!.at : 0;
    expect(Math.abs(at - before)).toBeLessThan(5_000);
    // A replica whose clock is an hour ahead still sees the event in its window.
    expect(await store.peek([chargeOf('c', 1)], before + 3_600_000)).toMatchObject({ counterKey: 'c' });
  });

  it('commits and releases fractional amounts (spend caps) exactly as taken', async () => {
    const store = openStore();
    const spend = (amount: number) => [chargeOf('spend', 1, amount)];
    const kept = await store.take(spend(0.1), T0);
    const given = await store.take(spend(1 / 3), T0);
    if (!kept.ok || !given.ok) throw new Error('refused');
    await store.commit(kept.reservation);
    await store.release(given.reservation);
    expect(await store.usage('spend', 60_000, T0)).toBe(0.1);
    expect((await store.take(spend(0.9), T0)).ok).toBe(true);
    expect(await store.take(spend(0.1), T0)).toMatchObject({ ok: false, refusal: { retryAfterMs: 60_000 } });
  });

  it('keeps its keys under its prefix, each with a TTL at least the longest window, kept by commit', async () => {
    const keyPrefix = `toolgate-test:${randomUUID()}:`;
    const store = openStore({ keyPrefix });
    const taken = await store.take([chargeOf('ttl', 5)], T0);
    if (!taken.ok) throw new Error('refused');
    await store.commit(taken.reservation);
    const keys = (await admin!.keys(`${keyPrefix}*`)).sort();
    expect(keys).toEqual([`${keyPrefix}ev:ttl`, `${keyPrefix}seq:ttl`]);
    for (const key of keys) {
      const ttl = await admin!.pttl(key);
      expect(ttl).toBeGreaterThan(60_000);
      expect(ttl).toBeLessThanOrEqual(120_000);
    }
  });
});

describe('RedisLimitStore when Redis is unreachable', () => {
  it('rejects take and peek promptly, naming Redis and its address', async () => {
    const port = await freePort();
    const logger = recordingLogger();
    const store = openStore({ url: `redis://127.0.0.1:${port}`, logger, connectTimeoutMs: 1_000 });
    const started = Date.now();
    const message = new RegExp(`^Redis at 127\\.0\\.0\\.1:${port} is unreachable \\(.*ECONNREFUSED.*\\)`);
    await expect(store.take([chargeOf('x', 1)], T0)).rejects.toThrow(message);
    await expect(store.peek([chargeOf('x', 1)], T0)).rejects.toThrow(message);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(logger.lines).toEqual([{ level: 'error', message: 'limit store cannot reach Redis' }]);
    await store.close();
    await store.close();
  });
});

describeRedis('RedisLimitStore when the connection to Redis comes and goes', () => {
  it('fails fast while Redis is away, and counts again once it is back', async () => {
    const port = await freePort();
    const logger = recordingLogger();
    const store = openStore({ url: `redis://127.0.0.1:${port}`, logger, connectTimeoutMs: 1_000 });
    await expect(store.take([chargeOf('x', 5)], T0)).rejects.toThrow(/is unreachable/);
    // Redis appears on the port (a proxy to the real one): the store reconnects by itself, within a second.
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const server = connect(6379, '127.0.0.1');
      for (const socket of [client, server]) {
        sockets.add(socket);
        socket.on('error', () => {});
        socket.on('close', () => sockets.delete(socket));
      }
      client.pipe(server).pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
    try {
      await expect.poll(async () => (await store.take([chargeOf('x', 5)], T0)).ok, { timeout: 3_000 }).toBe(true);
      // Gone again: the next call fails at once rather than waiting for a reconnection.
      const closed = new Promise<void>((resolve) => proxy.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      await expect
        .poll(() => store.usage('x', 60_000, T0).catch((error: Error) => error.message))
        .toMatch(/^Redis at 127\.0\.0\.1:\d+ is unreachable/);
      const started = Date.now();
      await expect(store.take([chargeOf('x', 5)], T0)).rejects.toThrow(/is unreachable/);
      expect(Date.now() - started).toBeLessThan(100);
      expect(logger.lines.map((line) => line.message)).toEqual([
        'limit store cannot reach Redis',
        'limit store reached Redis again',
        'limit store cannot reach Redis',
      ]);
    } finally {
      if (proxy.listening) proxy.close();
      for (const socket of sockets) socket.destroy();
    }
  });
});

/** A port nothing listens on: one the system just gave out and took back. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
