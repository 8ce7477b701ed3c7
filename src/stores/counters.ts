import type { GatewayConfig } from '../config/gateway-config.js';
import { FailOpenLimitStore, type OutageLogger } from '../limits/fail-open-limit-store.js';
import type { LimitStore } from '../limits/limit-store.js';
import { MemoryLimitStore } from '../limits/memory-limit-store.js';
import { RedisLimitStore } from '../limits/redis-limit-store.js';
import { SqliteLimitStore } from '../limits/sqlite-limit-store.js';
import type { StateDb } from '../state/state-db.js';

/**
 * The counters `state.counters` names: in memory, in the SQLite state database (`db`, which must be open when
 * that is the choice), or in Redis, where every replica counts in the same windows by Redis's clock, wrapped to
 * fail open when `state.redis.failOpen` says so.
 */
export function openCounters(
  state: GatewayConfig['state'],
  db: StateDb | undefined,
  log: OutageLogger & { error(fields: object, message: string): void },
): LimitStore {
  switch (state.counters) {
    case 'memory':
      return new MemoryLimitStore();
    case 'sqlite':
      if (!db) throw new Error('state.counters is "sqlite" but no SQLite state database is open');
      return new SqliteLimitStore(db, { logger: log });
    case 'redis': {
      const { redis } = state;
      if (!redis) throw new Error('state.counters is "redis" but state.redis is not set');
      const store = new RedisLimitStore({ url: redis.url, keyPrefix: redis.keyPrefix, logger: log });
      return redis.failOpen ? new FailOpenLimitStore(store, log) : store;
    }
  }
}
