import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** The embedded state store: one SQLite database file (config key `state.sqlite`). */
export type StateDb = Database.Database;

/**
 * Schema changes, in order. Each runs once, inside a transaction, and the database's `user_version` records how
 * many have run; a database written by a newer Toolgate is refused rather than misread.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE grants (
     id TEXT PRIMARY KEY,
     label TEXT NOT NULL,
     secret_hash BLOB NOT NULL,
     policy TEXT,
     servers TEXT,
     created_at INTEGER NOT NULL,
     rotated_at INTEGER,
     revoked_at INTEGER
   );
   CREATE UNIQUE INDEX grants_active_label ON grants(label) WHERE revoked_at IS NULL;`,
  `CREATE TABLE counter_events (
     counter_key TEXT NOT NULL,
     at INTEGER NOT NULL,
     amount REAL NOT NULL
   );
   CREATE INDEX counter_events_at ON counter_events(at);`,
  `CREATE TABLE approvals (
     id TEXT PRIMARY KEY,
     status TEXT NOT NULL,
     grant_id TEXT,
     grant_label TEXT,
     server_id TEXT NOT NULL,
     tool TEXT NOT NULL,
     arguments TEXT NOT NULL,
     fingerprint TEXT NOT NULL,
     rule TEXT NOT NULL,
     reason TEXT,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     decided_at INTEGER,
     decided_by TEXT,
     decision_reason TEXT,
     consumed_at INTEGER,
     reported_at INTEGER
   );
   CREATE INDEX approvals_fingerprint ON approvals(fingerprint, created_at);
   CREATE INDEX approvals_status ON approvals(status, expires_at);`,
  // The audit trail (src/audit). AUTOINCREMENT: seq never goes back, even once retention deletes the newest rows,
  // so `toolgate audit tail` can follow it. Each filter has an index ending in time, the order records are read.
  `CREATE TABLE audit_records (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     time INTEGER NOT NULL,
     decision_id TEXT NOT NULL UNIQUE,
     request_id TEXT,
     grant_id TEXT,
     grant_label TEXT,
     session TEXT NOT NULL,
     server TEXT,
     tool TEXT NOT NULL,
     decision TEXT NOT NULL,
     rule TEXT,
     message TEXT,
     policy_revision TEXT,
     approval_id TEXT,
     shadowed_decision TEXT,
     shadowed_rule TEXT,
     argument_keys TEXT NOT NULL,
     arguments TEXT,
     redacted TEXT,
     gateway_latency_ms REAL NOT NULL,
     server_latency_ms REAL,
     outcome TEXT NOT NULL
   );
   CREATE INDEX audit_records_time ON audit_records(time);
   CREATE INDEX audit_records_grant_id ON audit_records(grant_id, time);
   CREATE INDEX audit_records_grant_label ON audit_records(grant_label, time);
   CREATE INDEX audit_records_server ON audit_records(server, time);
   CREATE INDEX audit_records_tool ON audit_records(tool, time);
   CREATE INDEX audit_records_decision ON audit_records(decision, time);`,
];

/** Opens (creating if needed) the state database and brings its schema up to date. */
export function openStateDb(file: string): StateDb {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // Several processes (the gateway and the CLI) share the file; wait for a lock rather than fail at once.
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    db.close();
    throw new Error(`${file} was written by a newer Toolgate (schema ${version}; this one knows ${MIGRATIONS.length})`);
  }
  for (let index = version; index < MIGRATIONS.length; index++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[index]!);
      db.pragma(`user_version = ${index + 1}`);
    })();
  }
  return db;
}
