import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { runPinStoreContract } from '../../test/contract/pin-store.contract.js';
import { openStateDb } from '../state/state-db.js';
import { SqlitePinStore } from './sqlite-pin-store.js';

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

runPinStoreContract(
  'SQLite',
  () => new SqlitePinStore(openStateDb(':memory:')),
  () => {
    const folder = mkdtempSync(join(tmpdir(), 'toolgate-pins-'));
    folders.push(folder);
    const file = join(folder, 'state.db');
    return [new SqlitePinStore(openStateDb(file)), new SqlitePinStore(openStateDb(file))];
  },
);
