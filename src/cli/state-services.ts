import { systemClock } from '../clock.js';
import type { ConfigOutline } from '../config/load.js';
import { servicesOn, type Services } from '../services/services.js';
import { openCounters } from '../stores/counters.js';
import { openPostgresStores } from '../stores/postgres-stores.js';
import { sqliteStores } from '../stores/sqlite-stores.js';
import type { StateStores } from '../stores/state-stores.js';
import type { StateDb } from '../state/state-db.js';
import type { CliOutput } from './cli-output.js';
import { openCliStateDb, openExistingStateDb } from './cli-state-db.js';

/**
 * Runs `run` on the services over the stores the config names (SQLite or PostgreSQL), then closes them. Only
 * commands that make something new (`grants create`) may create a SQLite database; the others act on what must
 * already be in it (see openExistingStateDb). Verdicts given here reach the running gateways through the stores:
 * their waiting calls look there every quarter of a second, and are woken at once where the engine can tell them.
 */
export async function withServices(
  config: ConfigOutline,
  out: CliOutput,
  run: (services: Services) => Promise<void>,
  opening: 'create' | 'existing' = 'existing',
): Promise<void> {
  let db: StateDb | undefined;
  const sqlite = (): StateDb =>
    (db ??=
      opening === 'create'
        ? openCliStateDb(config.state)
        : openExistingStateDb(config.state, (message) => out.error(message)));
  const stores: StateStores = config.state.postgres
    ? await openPostgresStores(config.state.postgres)
    : sqliteStores(sqlite(), config.state.sqlite);
  const quiet = { warn: () => undefined, info: () => undefined, error: () => undefined };
  try {
    await run(servicesOn(stores, () => openCounters(config.state, sqlite(), quiet), { clock: systemClock, config }));
  } finally {
    await stores.close();
    db?.close();
  }
}
