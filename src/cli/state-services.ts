import { systemClock } from '../clock.js';
import type { ConfigOutline } from '../config/load.js';
import { sqliteServices, type Services } from '../services/services.js';
import type { CliOutput } from './cli-output.js';
import { openCliStateDb, openExistingStateDb } from './cli-state-db.js';

/**
 * Runs `run` on the services over the state database the config names, then closes it. Only commands that make
 * something new (`grants create`) may create the database; the others act on what must already be in it (see
 * openExistingStateDb). Verdicts given here reach the running gateway through the database: its waiting calls
 * look at it every quarter of a second.
 */
export async function withServices(
  config: ConfigOutline,
  out: CliOutput,
  run: (services: Services) => Promise<void>,
  opening: 'create' | 'existing' = 'existing',
): Promise<void> {
  const db =
    opening === 'create'
      ? openCliStateDb(config.state)
      : openExistingStateDb(config.state, (message) => out.error(message));
  try {
    await run(sqliteServices(db, { clock: systemClock, config }));
  } finally {
    db.close();
  }
}
