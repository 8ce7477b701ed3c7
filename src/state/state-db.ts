import Database from 'libsql';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** A prepared statement of the state database: `P` its parameters, `R` a row it reads. */
export interface Statement<P extends unknown[] = unknown[], R = unknown> {
  run(...parameters: P): { readonly changes: number; readonly lastInsertRowid: number | bigint };
  get(...parameters: P): R | undefined;
  all(...parameters: P): R[];
}

/**
 * The embedded state store: one SQLite database file (config key `state.sqlite`).
 *
 * The binding is libsql, whose binaries are npm packages (one per platform), so installing Toolgate needs no
 * compiler, no Node headers and no download from outside the npm registry. Its API is better-sqlite3's, with
 * differences this module smooths over (see LibsqlStatement); one is left: a row read by `get()` carries an extra
 * `_metadata` property, so read a row's columns by name and never copy the whole row out.
 */
export interface StateDb {
  prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): Statement<P, R>;
  exec(sql: string): void;
  /**
   * `fn` wrapped so that each call runs in one transaction: committed when it returns, rolled back when it
   * throws. Transactions do not nest.
   */
  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  close(): void;
  /** False once closed. */
  readonly open: boolean;
}

class LibsqlStateDb implements StateDb {
  readonly #db: Database.Database;

  constructor(file: string) {
    this.#db = new Database(file);
  }

  prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): Statement<P, R> {
    return new LibsqlStatement<P, R>(this.#db.prepare(sql) as unknown as Statement<[unknown], R>);
  }

  exec(sql: string): void {
    this.#db.exec(sql);
  }

  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
    const db = this.#db;
    return (...args) => {
      db.exec('BEGIN');
      try {
        fn(...args);
        db.exec('COMMIT');
      } catch (error) {
        // SQLite rolls back by itself after some errors (a full disk, say); rolling back again would throw
        // "no transaction is active" and hide the error that matters.
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    };
  }

  close(): void {
    this.#db.close();
  }

  get open(): boolean {
    return this.#db.open;
  }
}

/**
 * A libsql statement that behaves as better-sqlite3's does where libsql's differs:
 * - libsql takes one parameter that is an object as named parameters, so a lone `null` or Buffer fails (or, for a
 *   Buffer, aborts the process): parameters are passed on as an array unless they are one plain object;
 * - libsql aborts the process on a boolean parameter, which better-sqlite3 refuses with a TypeError: so does this;
 * - libsql's `all()` reads a BLOB as an ArrayBuffer where its `get()` reads a Buffer: both read a Buffer here.
 */
class LibsqlStatement<P extends unknown[], R> implements Statement<P, R> {
  readonly #statement: Statement<[unknown], R>;

  constructor(statement: Statement<[unknown], R>) {
    this.#statement = statement;
  }

  run(...parameters: P): { readonly changes: number; readonly lastInsertRowid: number | bigint } {
    return this.#statement.run(bindable(parameters));
  }

  get(...parameters: P): R | undefined {
    return this.#statement.get(bindable(parameters));
  }

  all(...parameters: P): R[] {
    const rows = this.#statement.all(bindable(parameters));
    for (const row of rows as Record<string, unknown>[]) {
      for (const column in row) {
        const value = row[column];
        if (value instanceof ArrayBuffer) row[column] = Buffer.from(value);
      }
    }
    return rows;
  }
}

function bindable(parameters: readonly unknown[]): unknown {
  const only = parameters.length === 1 ? parameters[0] : undefined;
  if (typeof only === 'object' && only !== null && !ArrayBuffer.isView(only)) {
    const named = only as Record<string, unknown>;
    for (const name in named) refuseBoolean(named[name]);
    return named;
  }
  for (const value of parameters) refuseBoolean(value);
  return parameters;
}

function refuseBoolean(value: unknown): void {
  if (typeof value === 'boolean') throw new TypeError('SQLite cannot store a boolean; bind 0 or 1');
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
];

/** Opens (creating if needed) the state database and brings its schema up to date. */
export function openStateDb(file: string): StateDb {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db: StateDb = new LibsqlStateDb(file);
  db.exec('PRAGMA journal_mode = WAL');
  // In WAL mode a commit that skips the fsync stays consistent; only the last commits before a power cut may be
  // lost. SQLite's own default (FULL) fsyncs every commit; better-sqlite3, the binding before, built SQLite with
  // NORMAL for WAL, so this keeps the durability, and the write cost, Toolgate had.
  db.exec('PRAGMA synchronous = NORMAL');
  // better-sqlite3's page cache, too (16 MB; libsql's default is 2 MB): the audit table's indexes are written on
  // every batch.
  db.exec('PRAGMA cache_size = -16000');
  // Several processes (the gateway and the CLI) share the file; wait for a lock rather than fail at once.
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec('PRAGMA foreign_keys = ON');
  const version = pragmaValue(db, 'user_version') as number;
  if (version > MIGRATIONS.length) {
    db.close();
    throw new Error(`${file} was written by a newer Toolgate (schema ${version}; this one knows ${MIGRATIONS.length})`);
  }
  for (let index = version; index < MIGRATIONS.length; index++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[index]!);
      db.exec(`PRAGMA user_version = ${index + 1}`);
    })();
  }
  return db;
}
