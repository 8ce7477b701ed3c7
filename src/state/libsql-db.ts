import type Database from 'libsql';
import { createRequire } from 'node:module';
import { writeWhenUnlocked, type LockWait } from './lock-wait.js';
import { inTransaction, transactionOf } from './transaction.js';
import type { StateDb, Statement } from './state-db.js';
import { isNamedParameters, refuseBooleans } from './statement-parameters.js';

/**
 * The state database through libsql, whose binaries are npm packages (one per platform): the binding on Node lines
 * without node:sqlite. Loaded only when opened, so a process that uses node:sqlite never loads libsql's native
 * module. Its API is better-sqlite3's, with differences smoothed over here (see LibsqlStatement); one is left: a
 * row read by `get()` carries an extra `_metadata` property, so read a row's columns by name and never copy the
 * whole row out.
 */
export function openLibsqlDb(file: string, wait: LockWait): StateDb {
  const load = createRequire(import.meta.url) as (id: 'libsql') => typeof Database;
  return new LibsqlStateDb(new (load('libsql'))(file), wait);
}

class LibsqlStateDb implements StateDb {
  readonly #db: Database.Database;
  readonly #wait: LockWait;

  constructor(db: Database.Database, wait: LockWait) {
    this.#db = db;
    this.#wait = wait;
  }

  prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): Statement<P, R> {
    return new LibsqlStatement<P, R>(this.#db.prepare(sql) as unknown as Statement<[unknown], R>);
  }

  exec(sql: string): void {
    this.#db.exec(sql);
  }

  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
    const db = this.#db;
    return transactionOf(
      { exec: (sql) => db.exec(sql), rollback: () => db.exec('ROLLBACK'), inTransaction: () => db.inTransaction },
      fn,
    );
  }

  write<T>(write: () => T): Promise<T> {
    return writeWhenUnlocked(this.#wait, () => inTransaction(this, write));
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
  refuseBooleans(parameters);
  const only = parameters.length === 1 ? parameters[0] : undefined;
  return isNamedParameters(only) ? only : parameters;
}
