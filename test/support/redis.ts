import { Redis } from 'ioredis';
import { describeNeeding } from './needs-service.js';

/** The Redis the tests use: this machine's. TOOLGATE_TEST_REDIS_URL points elsewhere. */
export const REDIS_URL = process.env.TOOLGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Why the Redis tests cannot run here, or null when Redis answers at REDIS_URL. */
async function redisUnavailable(): Promise<string | null> {
  const probe = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 1_000, retryStrategy: () => null });
  // The connection's own error (ECONNREFUSED, a timeout) says more than connect()'s "Connection is closed".
  let refused: Error | undefined;
  probe.on('error', (error: Error) => (refused ??= error));
  try {
    await probe.connect();
    await probe.ping();
    return null;
  } catch (error) {
    return `no Redis at ${REDIS_URL} (${(refused ?? (error as Error)).message})`;
  } finally {
    probe.disconnect();
  }
}

/** Null when Redis answers; else why not. */
export const redisMissing = await redisUnavailable();

/** `describe` when Redis answers; else skipped with the reason, or failing under CI (see describeNeeding). */
export function describeRedis(name: string, suite: () => void): void {
  describeNeeding(
    { name: 'Redis', missing: redisMissing, howToStart: 'start redis-server on 127.0.0.1:6379' },
    name,
    suite,
  );
}

/** Deletes every key under each prefix (the keys a test's gateways wrote), then disconnects. */
export async function deleteRedisKeys(prefixes: readonly string[]): Promise<void> {
  if (prefixes.length === 0 || redisMissing !== null) return;
  const admin = new Redis(REDIS_URL);
  try {
    for (const prefix of prefixes) {
      const keys = await admin.keys(`${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`);
      if (keys.length > 0) await admin.unlink(...keys);
    }
  } finally {
    admin.disconnect();
  }
}
