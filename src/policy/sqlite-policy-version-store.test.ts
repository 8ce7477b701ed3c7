import { runPolicyVersionStoreContract } from '../../test/contract/policy-version-store.contract.js';
import { openStateDb } from '../state/state-db.js';
import { SqlitePolicyVersionStore } from './sqlite-policy-version-store.js';

runPolicyVersionStoreContract('SQLite', async () => new SqlitePolicyVersionStore(openStateDb(':memory:')));
