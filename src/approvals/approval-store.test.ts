import { runApprovalStoreContract } from '../../test/contract/approval-store.contract.js';
import { openStateDb } from '../state/state-db.js';
import { SqliteApprovalStore } from './approval-store.js';

runApprovalStoreContract('SQLite', () => new SqliteApprovalStore(openStateDb(':memory:')));
