import { runMemberStoreContract } from '../../test/contract/member-store.contract.js';
import { openStateDb } from '../state/state-db.js';
import { SqliteMemberStore } from './member-store.js';

runMemberStoreContract('SQLite', () => new SqliteMemberStore(openStateDb(':memory:')));
