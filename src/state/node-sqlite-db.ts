import { writeWhenUnlocked, type LockWait } from './lock-wait.js';
import { inTransaction, transactionOf } from './transaction.js';
import type { StateDb, Statement } from './state-db.js';
import { refuseBooleans } from './statement-parameters.js';

/** The part of `node:sqlite` used here (the @types/node of Node 20 has none of it). */
interface NodeSqlite {
  DatabaseSync: new (file: string) => DatabaseSync;
}
interface DatabaseSync {
  prepare(sql: string): StatementSync;
  exec(sql: string): void;
  close(): void;
  readonly isOpen: boolean;
  /** Node 22.16 and 24 on; undefined before. */
  readonly isTransaction?: boolean;
}
interface StatementSync {
  run(...parameters: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...parameters: unknown[]): Record<string, unknown> | undefined;
  all(...parameters: unknown[]): Record<string, unknown>[];
}
/** What node:sqlite throws for an SQLite error: `code` is ERR_SQLITE_ERROR, `errcode` SQLite's extended code. */
interface SqliteError extends Error {
  code: string;
  errcode: number;
}

/**
 * `node:sqlite` where the running Node has it without a flag (22.13 on), else undefined. Its statements and values
 * cross into SQLite without libsql's N-API layer: less CPU per statement and per bound value.
 */
export function nodeSqlite(): NodeSqlite | undefined {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 13)) return undefined;
  // Node 22 warns on loading that node:sqlite is experimental, on the stderr of every `toolgate` command; the part
  // used here is pinned by the StateDb tests, which CI runs on node:sqlite, so that one warning is left out.
  // Unbound on purpose: it is put back as it was, and called with process as `this`.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (text.startsWith('SQLite is an experimental feature')) return;
    return (emitWarning as (this: NodeJS.Process, ...args: unknown[]) => void).call(this, warning, ...rest);
  };
  try {
    return process.getBuiltinModule?.('node:sqlite') as NodeSqlite | undefined;
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** The state database through Node's own `node:sqlite`; `sqlite` is what nodeSqlite() found. */
export function openNodeSqliteDb(sqlite: NodeSqlite, file: string, wait: LockWait): StateDb {
  return new NodeSqliteStateDb(new sqlite.DatabaseSync(file), wait);
}

class NodeSqliteStateDb implements StateDb {
  readonly #db: DatabaseSync;
  readonly #wait: LockWait;

  constructor(db: DatabaseSync, wait: LockWait) {
    this.#db = db;
    this.#wait = wait;
  }

  prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): Statement<P, R> {
    try {
      return new NodeSqliteStatement<P, R>(this.#db.prepare(sql));
    } catch (error) {
      throw withSqliteCode(error);
    }
  }

  exec(sql: string): void {
    try {
      this.#db.exec(sql);
    } catch (error) {
      throw withSqliteCode(error);
    }
  }

  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
    const db = this.#db;
    // Before Node 22.16 there is no isTransaction to ask (undefined).
    return transactionOf(
      { exec: (sql) => this.exec(sql), rollback: () => db.exec('ROLLBACK'), inTransaction: () => db.isTransaction },
      fn,
    );
  }

  write<T>(write: () => T): Promise<T> {
    return writeWhenUnlocked(this.#wait, () => inTransaction(this, write));
  }

  close(): void {
    // libsql, like better-sqlite3, lets a closed database be closed again; node:sqlite throws.
    if (this.#db.isOpen) this.#db.close();
  }

  get open(): boolean {
    return this.#db.isOpen;
  }
}

/**
 * A node:sqlite statement that behaves as the libsql one does (and better-sqlite3's did):
 * - a boolean parameter is refused with a TypeError (node:sqlite would store 1 or 0);
 * - a BLOB reads as a Buffer (node:sqlite reads a Uint8Array);
 * - an SQLite error carries SQLite's name for it as `code` (SQLITE_CONSTRAINT_UNIQUE, say).
 * `changes` is a number, as libsql's is (node:sqlite's is a bigint only with readBigInts, which is off).
 */
class NodeSqliteStatement<P extends unknown[], R> implements Statement<P, R> {
  readonly #statement: StatementSync;

  constructor(statement: StatementSync) {
    this.#statement = statement;
  }

  run(...parameters: P): { readonly changes: number; readonly lastInsertRowid: number | bigint } {
    refuseBooleans(parameters);
    try {
      const result = this.#statement.run(...parameters);
      return { changes: Number(result.changes), lastInsertRowid: result.lastInsertRowid };
    } catch (error) {
      throw withSqliteCode(error);
    }
  }

  get(...parameters: P): R | undefined {
    refuseBooleans(parameters);
    try {
      const row = this.#statement.get(...parameters);
      if (row) buffersForBlobs(row);
      return row as R | undefined;
    } catch (error) {
      throw withSqliteCode(error);
    }
  }

  all(...parameters: P): R[] {
    refuseBooleans(parameters);
    try {
      const rows = this.#statement.all(...parameters);
      for (const row of rows) buffersForBlobs(row);
      return rows as R[];
    } catch (error) {
      throw withSqliteCode(error);
    }
  }
}

function buffersForBlobs(row: Record<string, unknown>): void {
  for (const column in row) {
    const value = row[column];
    if (value instanceof Uint8Array) row[column] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
}

/** `error`, named by SQLite's code when it is an SQLite error. */
function withSqliteCode(error: unknown): unknown {
  if (isSqliteError(error)) error.code = sqliteCodeName(error.errcode);
  return error;
}

function isSqliteError(error: unknown): error is SqliteError {
  return error instanceof Error && (error as Partial<SqliteError>).code === 'ERR_SQLITE_ERROR';
}

/**
 * SQLite's name for a result code, as libsql (and better-sqlite3) put it in `code`: the extended name where it is
 * listed here, else the primary one (the low 8 bits), so code that tests for a name works with both bindings.
 */
function sqliteCodeName(code: number): string {
  return `SQLITE_${EXTENDED_CODES.get(code) ?? PRIMARY_CODES[code & 0xff] ?? 'ERROR'}`;
}

const PRIMARY_CODES: Readonly<Record<number, string>> = {
  1: 'ERROR',
  2: 'INTERNAL',
  3: 'PERM',
  4: 'ABORT',
  5: 'BUSY',
  6: 'LOCKED',
  7: 'NOMEM',
  8: 'READONLY',
  9: 'INTERRUPT',
  10: 'IOERR',
  11: 'CORRUPT',
  12: 'NOTFOUND',
  13: 'FULL',
  14: 'CANTOPEN',
  15: 'PROTOCOL',
  16: 'EMPTY',
  17: 'SCHEMA',
  18: 'TOOBIG',
  19: 'CONSTRAINT',
  20: 'MISMATCH',
  21: 'MISUSE',
  22: 'NOLFS',
  23: 'AUTH',
  24: 'FORMAT',
  25: 'RANGE',
  26: 'NOTADB',
  27: 'NOTICE',
  28: 'WARNING',
};

/** Extended codes of constraints, locks and read-only files, the errors code may tell apart; others go by the primary name. */
const EXTENDED_CODES: ReadonlyMap<number, string> = new Map([
  [275, 'CONSTRAINT_CHECK'],
  [531, 'CONSTRAINT_COMMITHOOK'],
  [787, 'CONSTRAINT_FOREIGNKEY'],
  [1043, 'CONSTRAINT_FUNCTION'],
  [1299, 'CONSTRAINT_NOTNULL'],
  [1555, 'CONSTRAINT_PRIMARYKEY'],
  [1811, 'CONSTRAINT_TRIGGER'],
  [2067, 'CONSTRAINT_UNIQUE'],
  [2323, 'CONSTRAINT_VTAB'],
  [2579, 'CONSTRAINT_ROWID'],
  [2835, 'CONSTRAINT_PINNED'],
  [3091, 'CONSTRAINT_DATATYPE'],
  [261, 'BUSY_RECOVERY'],
  [517, 'BUSY_SNAPSHOT'],
  [773, 'BUSY_TIMEOUT'],
  [262, 'LOCKED_SHAREDCACHE'],
  [518, 'LOCKED_VTAB'],
  [264, 'READONLY_RECOVERY'],
  [520, 'READONLY_CANTLOCK'],
  [776, 'READONLY_ROLLBACK'],
  [1032, 'READONLY_DBMOVED'],
  [1288, 'READONLY_CANTINIT'],
  [1544, 'READONLY_DIRECTORY'],
]);
