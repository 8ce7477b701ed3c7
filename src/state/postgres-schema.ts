/**
 * The PostgreSQL schema, in order: each entry runs once (src/state/postgres-db.ts, migratePostgres) and the table
 * `toolgate_schema` records how many have. Tables and columns are those of the SQLite schema (state-db.ts), so
 * that every store reads the same rows whichever engine holds them; times are BIGINT epoch milliseconds.
 * Released entries are never edited: a change is a new entry.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `CREATE TABLE grants (
     id TEXT PRIMARY KEY,
     label TEXT NOT NULL,
     secret_hash BYTEA NOT NULL,
     policy TEXT,
     servers TEXT,
     created_at BIGINT NOT NULL,
     rotated_at BIGINT,
     revoked_at BIGINT
   );
   CREATE UNIQUE INDEX grants_active_label ON grants(label) WHERE revoked_at IS NULL;

   CREATE TABLE approvals (
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
     created_at BIGINT NOT NULL,
     expires_at BIGINT NOT NULL,
     decided_at BIGINT,
     decided_by TEXT,
     decision_reason TEXT,
     consumed_at BIGINT,
     reported_at BIGINT,
     hidden TEXT NOT NULL DEFAULT '[]',
     secrets TEXT,
     reveals TEXT NOT NULL DEFAULT '[]',
     -- The order approvals were made in, where SQLite has its rowid: ties on created_at read newest first.
     seq BIGINT GENERATED ALWAYS AS IDENTITY
   );
   CREATE INDEX approvals_fingerprint ON approvals(fingerprint, created_at);
   CREATE INDEX approvals_status ON approvals(status, expires_at);
   CREATE INDEX approvals_pending_grant ON approvals(grant_id, expires_at) WHERE status = 'pending';

   CREATE TABLE audit_records (
     seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     time BIGINT NOT NULL,
     decision_id TEXT NOT NULL UNIQUE,
     request_id TEXT,
     grant_id TEXT,
     grant_label TEXT,
     session TEXT NOT NULL,
     server TEXT,
     tool TEXT NOT NULL,
     method TEXT NOT NULL DEFAULT 'tools/call',
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
     gateway_latency_ms DOUBLE PRECISION NOT NULL,
     server_latency_ms DOUBLE PRECISION,
     outcome TEXT NOT NULL,
     actor TEXT
   );
   CREATE INDEX audit_records_time_decision ON audit_records(time, decision);
   CREATE INDEX audit_records_grant_id ON audit_records(grant_id, time);
   CREATE INDEX audit_records_grant_label ON audit_records(grant_label, time);
   CREATE INDEX audit_records_server ON audit_records(server, time);
   CREATE INDEX audit_records_tool ON audit_records(tool, time);
   CREATE INDEX audit_records_decision ON audit_records(decision, time);

   CREATE TABLE pin_servers (
     server_id TEXT PRIMARY KEY,
     revision BIGINT NOT NULL,
     accepted_instructions TEXT,
     accepted_fingerprint TEXT NOT NULL,
     pending_instructions TEXT,
     pending_fingerprint TEXT,
     changed_at BIGINT,
     accepted_at BIGINT NOT NULL,
     accepted_by TEXT
   );
   CREATE INDEX pin_servers_revision ON pin_servers(revision);
   CREATE TABLE pin_tools (
     server_id TEXT NOT NULL,
     tool TEXT NOT NULL,
     accepted_fingerprint TEXT,
     accepted_definition TEXT,
     accepted_class TEXT,
     pending_fingerprint TEXT,
     pending_definition TEXT,
     pending_class TEXT,
     listed_class TEXT,
     first_seen BIGINT NOT NULL,
     changed_at BIGINT,
     removed_at BIGINT,
     accepted_at BIGINT,
     accepted_by TEXT,
     -- The order tools were first stored in, where SQLite has its rowid: a server's tools read in that order.
     seq BIGINT GENERATED ALWAYS AS IDENTITY,
     PRIMARY KEY (server_id, tool)
   );
   -- The pins' revision moves on with each recorded change, across every replica: one sequence, not max()+1.
   CREATE SEQUENCE pin_revision;

   CREATE TABLE members (
     name TEXT PRIMARY KEY,
     role TEXT NOT NULL,
     password_hash TEXT NOT NULL,
     created_at BIGINT NOT NULL
   );
   CREATE TABLE console_sessions (
     id_hash BYTEA PRIMARY KEY,
     member TEXT NOT NULL REFERENCES members(name) ON DELETE CASCADE,
     csrf TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     expires_at BIGINT NOT NULL
   );
   CREATE INDEX console_sessions_expires ON console_sessions(expires_at);

   CREATE TABLE policy_versions (
     file TEXT NOT NULL,
     version INTEGER NOT NULL,
     text TEXT NOT NULL,
     saved_by TEXT NOT NULL,
     saved_at BIGINT NOT NULL,
     note TEXT,
     PRIMARY KEY (file, version)
   );`,
];
