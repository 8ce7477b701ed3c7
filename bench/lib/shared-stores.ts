/**
 * The stores replicas share, for the replicas cell: PostgreSQL for the state, Redis for the counters. The bench
 * uses this machine's (the ones the tests use) unless TOOLGATE_BENCH_POSTGRES_URL / TOOLGATE_BENCH_REDIS_URL say
 * otherwise, each run in a schema and a key prefix of its own, dropped at the end.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { addressOf } from '../../src/state/postgres-db.js';

const POSTGRES_URL = process.env.TOOLGATE_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TOOLGATE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A schema and a key prefix no one else uses, and how to remove what the gateways wrote there. */
export interface SharedStores {
  readonly postgres: { readonly url: string; readonly schema: string };
  readonly redis: { readonly url: string; readonly keyPrefix: string };
  drop(): Promise<void>;
}

/** Why the replicas cell cannot run here (no PostgreSQL, no Redis), or null when both answer. */
export async function sharedStoresMissing(): Promise<string | null> {
  const postgres = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2_000 });
  try {
    await postgres.connect();
    await postgres.query('SELECT 1');
  } catch (error) {
    return `no PostgreSQL at ${addressOf(POSTGRES_URL)} (${(error as Error).message}); set TOOLGATE_BENCH_POSTGRES_URL`;
  } finally {
    await postgres.end().catch(() => undefined);
  }
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2_000, retryStrategy: () => null });
  let refused: Error | undefined;
  redis.on('error', (error: Error) => (refused ??= error));
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    return `no Redis at ${redisAddress(REDIS_URL)} (${(refused ?? (error as Error)).message}); set TOOLGATE_BENCH_REDIS_URL`;
  } finally {
    redis.disconnect();
  }
}

export function freshSharedStores(): SharedStores {
  const id = randomUUID().replaceAll('-', '').slice(0, 16);
  const schema = `toolgate_bench_${id}`;
  const keyPrefix = `toolgate-bench:${id}:`;
  return {
    postgres: { url: POSTGRES_URL, schema },
    redis: { url: REDIS_URL, keyPrefix },
    async drop() {
      const postgres = new pg.Client({ connectionString: POSTGRES_URL });
      await postgres.connect();
      try {
        await postgres.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await postgres.end();
      }
      const redis = new Redis(REDIS_URL);
      try {
        const keys = await redis.keys(`${keyPrefix}*`);
        if (keys.length > 0) await redis.unlink(...keys);
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** Where a Redis URL points, without its credentials. */
function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || '6379'}`;
  } catch {
    return 'Redis (TOOLGATE_BENCH_REDIS_URL is not a URL)';
  }
}
