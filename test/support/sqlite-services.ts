import { SqliteLimitStore } from '../../src/limits/sqlite-limit-store.js';
import { servicesOn, type ServiceOptions, type Services } from '../../src/services/services.js';
import type { StateDb } from '../../src/state/state-db.js';
import { sqliteStores } from '../../src/stores/sqlite-stores.js';

/** The services on one SQLite state database, counters in it too: what a single gateway on its defaults runs. */
export function sqliteServices(db: StateDb, options: ServiceOptions): Services {
  return servicesOn(sqliteStores(db, ':memory:'), () => new SqliteLimitStore(db), options);
}
