import { existsSync } from 'node:fs';
import { openStateDb, type StateDb } from '../state/state-db.js';

/**
 * The state database at `file`, for a command that reads it or changes what is already there. Opening a file
 * creates it, so a command run in the wrong folder would leave a stray empty database behind and answer from it
 * as if nothing had ever happened: when the file does not exist, the command reads an empty database in memory
 * instead, and `note` tells the user where it looked.
 */
export function openExistingStateDb(file: string, note: (line: string) => void): StateDb {
  if (file === ':memory:' || existsSync(file)) return openStateDb(file);
  note(`No state database at ${file} yet: it is created when the gateway starts or the first grant is created.`);
  return openStateDb(':memory:');
}
