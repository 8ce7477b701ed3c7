import { SqliteApprovalStore } from '../approvals/approval-store.js';
import { SqliteAuditPruner } from '../audit/sqlite-audit-pruner.js';
import { SqliteAuditReader } from '../audit/sqlite-audit-reader.js';
import { SqliteAuditSink } from '../audit/sqlite-audit-sink.js';
import { SqliteGrantStore } from '../grants/grant-store.js';
import { SqliteConsoleSessionStore } from '../members/console-session.js';
import { SqliteMemberStore } from '../members/member-store.js';
import { SqlitePinStore } from '../pinning/sqlite-pin-store.js';
import { SqlitePolicyVersionStore } from '../policy/sqlite-policy-version-store.js';
import type { StateDb } from '../state/state-db.js';
import type { StateStores } from './state-stores.js';

/** The stores on one SQLite state database (config key `state.sqlite`), `file` naming it. */
export function sqliteStores(db: StateDb, file: string): StateStores {
  return {
    engine: 'sqlite',
    location: file,
    grants: new SqliteGrantStore(db),
    approvals: new SqliteApprovalStore(db),
    pins: new SqlitePinStore(db),
    members: new SqliteMemberStore(db),
    consoleSessions: new SqliteConsoleSessionStore(db),
    policyVersions: new SqlitePolicyVersionStore(db),
    auditReader: new SqliteAuditReader(db),
    auditSink: (options) => new SqliteAuditSink(db, options),
    auditPruner: new SqliteAuditPruner(db),
    // The database is closed by whoever opened it: it may hold the counters too.
    close: async () => undefined,
  };
}
