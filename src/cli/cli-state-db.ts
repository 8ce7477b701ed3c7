import { existsSync } from 'node:fs';
import { openStateDb, type StateDb } from '../state/state-db.js';

/**
 * The state database the config names, for a command that reads it or changes what is already there. Opening a
 * file creates it, so a command run in the wrong folder would leave a stray empty database behind and answer from
 * it as if nothing had ever happened: when the file does not exist, the command reads an empty database in memory
 * instead, and `note` tells the user where it looked.
 */
export function openExistingStateDb(state: StateSettings, note: (line: string) => void): StateDb {
  const file = state.sqlite;
  if (file === ':memory:' || existsSync(file)) return openCliStateDb(state);
  note(`No state database at ${file} yet: it is created when the gateway starts or the first grant is created.`);
  return openCliStateDb({ ...state, sqlite: ':memory:' });
}

/** The config's `state` section. */
export interface StateSettings {
  readonly sqlite: string;
  readonly lockWaitMs: number;
}

/**
 * The state database for a CLI command: a short-lived process whose thread serves no one else, so a statement that
 * meets the running gateway's lock (or a backup's) waits for it on the spot, up to `state.lockWaitMs`.
 */
export function openCliStateDb(state: StateSettings): StateDb {
  return openStateDb(state.sqlite, { whenLocked: 'wait', lockWaitMs: state.lockWaitMs });
}
