import { runGrantStoreContract } from '../../test/contract/grant-store.contract.js';
import { openStateDb } from '../state/state-db.js';
import { SqliteGrantStore } from './grant-store.js';

runGrantStoreContract('SQLite', () => new SqliteGrantStore(openStateDb(':memory:')));
