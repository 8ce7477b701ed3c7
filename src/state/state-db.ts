import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { openLibsqlDb } from './libsql-db.js';
import { DEFAULT_LOCK_WAIT_MS, type LockWait, type WhenLocked } from './lock-wait.js';
import { nodeSqlite, openNodeSqliteDb } from './node-sqlite-db.js';

/** A prepared statement of the state database: `P` its parameters, `R` a row it reads. */
export interface Statement<P extends unknown[] = unknown[], R = unknown> {
  run(...parameters: P): { readonly changes: number; readonly lastInsertRowid: number | bigint };
  get(...parameters: P): R | undefined;
  all(...parameters: P): R[];
}

/**
 * The embedded state store: one SQLite database file (config key `state.sqlite`).
 *
 * The binding is Node's own node:sqlite where the running Node has it, libsql elsewhere (Node 20): neither needs a
 * compiler, Node headers or a download from outside the npm registry. Both behave alike here (parameters, BLOBs
 * as Buffers, errors' `code`); what is left to callers: a row is not a plain object (libsql adds a `_metadata`
 * property, node:sqlite's rows have no prototype), so read a row's columns by name and never copy the whole row.
 */
export interface StateDb {
  prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): Statement<P, R>;
  exec(sql: string): void;
  /**
   * `fn` wrapped so that each call runs in one transaction: committed when it returns, rolled back when it
   * throws. It takes the write lock first, failing at once on a 'fail' connection when another connection holds
   * it; `write` is the same with the wait. Transactions do not nest.
   */
  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  /**
   * Runs `write` in one transaction (its statements all committed, or none when it throws) and resolves with what
   * it returns. The write lock is taken first (BEGIN IMMEDIATE), and waited for as the opener chose
   * (StateDbOptions.whenLocked): on a 'fail' connection it is tried again on a timer, never blocking the event
   * loop, until `lockWaitMs` is over, and then rejects with a StateLockedError; on a 'wait' connection SQLite waits
   * inside the call. Transactions do not nest: `write` must not call `transaction` or `write`.
   */
  write<T>(write: () => T): Promise<T>;
  close(): void;
  /** False once closed. */
  readonly open: boolean;
}

export type SqliteBinding = 'node:sqlite' | 'libsql';

export interface StateDbOptions {
  /** What a statement does when another connection holds the lock it needs (see WhenLocked). Default 'fail'. */
  readonly whenLocked?: WhenLocked;
  /** How long a write waits for another connection's lock, in milliseconds. Default 5,000. */
  readonly lockWaitMs?: number;
  /** Default: node:sqlite where the running Node has it, libsql elsewhere (see chosenBinding). */
  readonly binding?: SqliteBinding;
  /** Told the schema version found and the one it was brought to (`toolgate db migrate` reports them). */
  readonly migrated?: (from: number, to: number) => void;
}

/** The bindings the running Node can use, the one openStateDb picks first. */
export function sqliteBindings(): SqliteBinding[] {
  return nodeSqlite() ? ['node:sqlite', 'libsql'] : ['libsql'];
}

/**
 * The binding openStateDb uses: node:sqlite where the running Node has it (22.13 on), libsql elsewhere, unless the
 * environment variable TOOLGATE_SQLITE_BINDING names one (to compare the two, or to step back to libsql).
 */
function chosenBinding(): SqliteBinding {
  const named = process.env.TOOLGATE_SQLITE_BINDING;
  if (named === undefined || named === '') return sqliteBindings()[0]!;
  if (named !== 'node:sqlite' && named !== 'libsql') {
    throw new Error(`TOOLGATE_SQLITE_BINDING: expected "node:sqlite" or "libsql", got ${JSON.stringify(named)}`);
  }
  if (!sqliteBindings().includes(named)) {
    throw new Error(`TOOLGATE_SQLITE_BINDING: node:sqlite needs Node 22.13 or later; this is ${process.version}`);
  }
  return named;
}

/** The value of a pragma that reads one value, such as `user_version`. */
function pragmaValue(db: StateDb, name: string): unknown {
  return db.prepare<[], Record<string, unknown>>(`PRAGMA ${name}`).get()?.[name];
}

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
  // Prompts, resource reads and completions are audited too: the request's method says which.
  `ALTER TABLE audit_records ADD COLUMN method TEXT NOT NULL DEFAULT 'tools/call';`,
  // An approval keeps its arguments masked; the masked values rest apart (`secrets`) only while it is pending, for
  // an approver who asks to see them, and each look is recorded (`reveals`). Pending approvals are counted per
  // grant, against approvals.maxPendingPerGrant, on every new one.
  `ALTER TABLE approvals ADD COLUMN hidden TEXT NOT NULL DEFAULT '[]';
   ALTER TABLE approvals ADD COLUMN secrets TEXT;
   ALTER TABLE approvals ADD COLUMN reveals TEXT NOT NULL DEFAULT '[]';
   CREATE INDEX approvals_pending_grant ON approvals(grant_id, expires_at) WHERE status = 'pending';`,
  // Pinned tool definitions (src/pinning): a server's instructions, accepted and pending, with a revision that
  // moves on with each recorded change (the gateways look for it); one row a tool. Instructions and definitions
  // are JSON, a tool's name the inside of a JSON string (see SqlitePinStore).
  `CREATE TABLE pin_servers (
     server_id TEXT PRIMARY KEY,
     revision INTEGER NOT NULL,
     accepted_instructions TEXT,
     accepted_fingerprint TEXT NOT NULL,
     pending_instructions TEXT,
     pending_fingerprint TEXT,
     changed_at INTEGER,
     accepted_at INTEGER NOT NULL,
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
     first_seen INTEGER NOT NULL,
     changed_at INTEGER,
     removed_at INTEGER,
     accepted_at INTEGER,
     accepted_by TEXT,
     PRIMARY KEY (server_id, tool)
   );`,
  // The console's operators: a password is kept only as its scrypt hash (src/members/password.ts).
  `CREATE TABLE members (
     name TEXT PRIMARY KEY,
     role TEXT NOT NULL,
     password_hash TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );`,
  // The console: members' sign-ins (only a hash of the cookie's secret is kept), the versions of policy files
  // saved from it, and who made an operator change.
  `CREATE TABLE console_sessions (
     id_hash BLOB PRIMARY KEY,
     member TEXT NOT NULL REFERENCES members(name) ON DELETE CASCADE,
     csrf TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX console_sessions_expires ON console_sessions(expires_at);
   CREATE TABLE policy_versions (
     file TEXT NOT NULL,
     version INTEGER NOT NULL,
     text TEXT NOT NULL,
     saved_by TEXT NOT NULL,
     saved_at INTEGER NOT NULL,
     note TEXT,
     PRIMARY KEY (file, version)
   );
   ALTER TABLE audit_records ADD COLUMN actor TEXT;`,
  // The console's chart counts decisions per slice of time: an index on both lets it count from the index alone.
  `DROP INDEX audit_records_time;
   CREATE INDEX audit_records_time_decision ON audit_records(time, decision);`,
];

/**
 * Opens (creating if needed) the state database and brings its schema up to date. Opening waits for a lock on the
 * spot, whatever `whenLocked` says (a schema change needs the write lock, and nothing is served yet); from then on
 * the connection meets locks as `whenLocked` says: 'fail' (the default, the gateway's) or 'wait' (a CLI command's).
 */
export function openStateDb(file: string, options: StateDbOptions = {}): StateDb {
  const binding = options.binding ?? chosenBinding();
  const wait: LockWait = {
    file,
    whenLocked: options.whenLocked ?? 'fail',
    lockWaitMs: options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS,
  };
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = binding === 'node:sqlite' ? nodeSqlite() : undefined;
  if (binding === 'node:sqlite' && !sqlite)
    throw new Error(`node:sqlite needs Node 22.13 or later; this is ${process.version}`);
  const db = sqlite ? openNodeSqliteDb(sqlite, file, wait) : openLibsqlDb(file, wait);
  try {
    // Before anything reads the file: another process may be writing it (or migrating it) this moment.
    db.exec(`PRAGMA busy_timeout = ${wait.lockWaitMs}`);
    db.exec('PRAGMA journal_mode = WAL');
    // In WAL mode a commit that skips the fsync stays consistent; only the last commits before a power cut may be
    // lost. SQLite's own default (FULL, libsql's and node:sqlite's) fsyncs every commit; better-sqlite3, the binding
    // before, built SQLite with NORMAL for WAL, so this keeps the durability, and the write cost, Toolgate had.
    db.exec('PRAGMA synchronous = NORMAL');
    // better-sqlite3's page cache, too (16 MB; SQLite's default, libsql's and node:sqlite's, is 2 MB): the audit
    // table's indexes are written on every batch.
    db.exec('PRAGMA cache_size = -16000');
    db.exec('PRAGMA foreign_keys = ON');
    const version = pragmaValue(db, 'user_version') as number;
    if (version > MIGRATIONS.length) {
      throw new Error(
        `${file} was written by a newer Toolgate (schema ${version}; this one knows ${MIGRATIONS.length})`,
      );
    }
    for (let index = version; index < MIGRATIONS.length; index++) {
      db.transaction(() => {
        // Under the write lock: another process opening the same new file may have applied it meanwhile.
        if ((pragmaValue(db, 'user_version') as number) > index) return;
        db.exec(MIGRATIONS[index]!);
        db.exec(`PRAGMA user_version = ${index + 1}`);
      })();
    }
    options.migrated?.(version, MIGRATIONS.length);
    // A 'fail' connection never waits inside SQLite. Its automatic checkpoints are PASSIVE: they copy what no
    // reader needs and skip the rest, never waiting for another connection either.
    if (wait.whenLocked === 'fail') db.exec('PRAGMA busy_timeout = 0');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * Writes to `db` and commits, as every write will: it fails when the file, its folder or its disk cannot take a
 * write (read-only, wrong owner, full), or rejects with a StateLockedError when another process holds the write
 * lock for longer than the connection waits. What it writes changes nothing (the schema version, rewritten).
 */
export async function proveWritable(db: StateDb): Promise<void> {
  await db.write(() => db.exec(`PRAGMA user_version = ${pragmaValue(db, 'user_version') as number}`));
}
