import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStateDb as openWithBinding, sqliteBindings, type SqliteBinding, type StateDb } from './state-db.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function databaseFile(): string {
  const folder = mkdtempSync(join(tmpdir(), 'toolgate-state-db-'));
  folders.push(folder);
  return join(folder, 'nested', 'state.db');
}

function pragma(db: StateDb, name: string): unknown {
  return db.prepare<[], Record<string, unknown>>(`PRAGMA ${name}`).get()?.[name];
}

// The same contract for each binding; one the running Node cannot load is skipped, and says so.
const available = sqliteBindings();
describe.each<SqliteBinding>(['node:sqlite', 'libsql'])('StateDb through %s', (binding) => {
  if (!available.includes(binding)) {
    it.skip(`${binding} is not available on Node ${process.version} (node:sqlite needs 22.13 or later)`, () => {});
    return;
  }
  const openStateDb = (file: string) => openWithBinding(file, { binding });

  describe('openStateDb', () => {
    it('creates the file and its folder, in WAL mode, with the schema up to date', () => {
      const file = databaseFile();
      const db = openStateDb(file);
      expect(pragma(db, 'journal_mode')).toBe('wal');
      const version = pragma(db, 'user_version');
      expect(version).toBeGreaterThan(0);
      const tables = db
        .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .all()
        .map((row) => row.name);
      expect(tables).toEqual(expect.arrayContaining(['approvals', 'audit_records', 'counter_events', 'grants']));
      db.close();
      expect(db.open).toBe(false);
      // Opened again, nothing runs twice.
      const again = openStateDb(file);
      expect(pragma(again, 'user_version')).toBe(version);
      again.close();
    });

    it("waits for another connection's lock inside SQLite only when the opener says so ('wait', the CLI's)", () => {
      const file = databaseFile();
      const timeout = (db: StateDb) => db.prepare<[], { timeout: number }>('PRAGMA busy_timeout').get()?.timeout;
      const [gateway, cli] = [
        openWithBinding(file, { binding }),
        openWithBinding(file, { binding, whenLocked: 'wait', lockWaitMs: 1234 }),
      ];
      expect(timeout(gateway)).toBe(0);
      expect(timeout(cli)).toBe(1234);
      gateway.close();
      cli.close();
    });

    it('refuses a database written by a newer Toolgate', () => {
      const file = databaseFile();
      const db = openStateDb(file);
      db.exec('PRAGMA user_version = 999');
      db.close();
      expect(() => openStateDb(file)).toThrow(/written by a newer Toolgate \(schema 999/);
    });

    it("keeps better-sqlite3's settings: synchronous NORMAL, a 16 MB page cache, foreign keys on", () => {
      const db = openStateDb(databaseFile());
      expect(pragma(db, 'synchronous')).toBe(1);
      expect(pragma(db, 'cache_size')).toBe(-16000);
      expect(pragma(db, 'foreign_keys')).toBe(1);
      db.close();
    });

    it("sees another connection's commits in data_version, and not its own", () => {
      const file = databaseFile();
      const [db, other] = [openStateDb(file), openStateDb(file)];
      const version = () => pragma(db, 'data_version');
      const before = version();
      db.exec('CREATE TABLE mine (a)');
      expect(version()).toBe(before);
      other.exec('CREATE TABLE theirs (a)');
      expect(version()).not.toBe(before);
      db.close();
      other.close();
    });

    it('can be closed twice', () => {
      const db = openStateDb(':memory:');
      db.close();
      expect(() => db.close()).not.toThrow();
      expect(db.open).toBe(false);
    });
  });

  describe('StateDb statements', () => {
    function table(): StateDb {
      const db = openStateDb(':memory:');
      db.exec('CREATE TABLE t (a, b)');
      return db;
    }

    it('binds a lone null or Buffer as a value, and one plain object as named parameters', () => {
      const db = table();
      db.prepare<[Buffer | null]>('INSERT INTO t (a) VALUES (?)').run(Buffer.from([1, 2]));
      db.prepare<[Buffer | null]>('INSERT INTO t (a) VALUES (?)').run(null);
      db.prepare<[{ a: number; b: string }]>('INSERT INTO t (a, b) VALUES (@a, @b)').run({ a: 3, b: 'x' });
      expect(db.prepare<[null], { n: number }>('SELECT COUNT(*) AS n FROM t WHERE a IS ?').get(null)?.n).toBe(1);
      expect(db.prepare<[string], { a: unknown }>('SELECT a FROM t WHERE b = ?').get('x')?.a).toBe(3);
    });

    it('reads a BLOB as a Buffer from get() and from all()', () => {
      const db = table();
      db.prepare('INSERT INTO t (a, b) VALUES (?, ?)').run(Buffer.from([7, 8, 9]), 1);
      const one = db.prepare<[], { a: unknown }>('SELECT a FROM t').get()!.a;
      const all = db.prepare<[], { a: unknown }>('SELECT a FROM t').all()[0]!.a;
      for (const value of [one, all]) {
        expect(Buffer.isBuffer(value)).toBe(true);
        expect([...(value as Buffer)]).toEqual([7, 8, 9]);
      }
    });

    it('refuses a boolean with a TypeError, positional or named, and stores nothing', () => {
      const db = table();
      expect(() => db.prepare('INSERT INTO t (a, b) VALUES (?, ?)').run(true, 1)).toThrow(TypeError);
      expect(() => db.prepare('INSERT INTO t (a) VALUES (@a)').run({ a: false })).toThrow(TypeError);
      expect(db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM t').get()?.n).toBe(0);
    });

    it('reports how many rows a statement changed', () => {
      const db = table();
      const insert = db.prepare<[number]>('INSERT INTO t (a) VALUES (?)');
      expect(insert.run(1).changes).toBe(1);
      insert.run(2);
      expect(db.prepare<[number]>('DELETE FROM t WHERE a <= ?').run(5).changes).toBe(2);
    });

    it('reports the rowid it inserted, and names SQLite errors by their SQLite code', () => {
      const db = openStateDb(':memory:');
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, a NOT NULL)');
      expect(db.prepare<[number]>('INSERT INTO t (a) VALUES (?)').run(1).lastInsertRowid).toBe(1);
      expect(() => db.prepare<[null]>('INSERT INTO t (a) VALUES (?)').run(null)).toThrow(
        expect.objectContaining({ code: 'SQLITE_CONSTRAINT_NOTNULL' }),
      );
      expect(() => db.exec('SELECT * FROM missing')).toThrow(expect.objectContaining({ code: 'SQLITE_ERROR' }));
    });
  });

  describe('StateDb transactions', () => {
    it('commit when the function returns and roll back all of it when it throws', () => {
      const db = openStateDb(':memory:');
      db.exec('CREATE TABLE t (a UNIQUE)');
      const insert = db.prepare<[number]>('INSERT INTO t (a) VALUES (?)');
      const insertAll = db.transaction((values: readonly number[]) => {
        for (const value of values) insert.run(value);
      });
      insertAll([1, 2]);
      expect(() => insertAll([3, 1])).toThrow(expect.objectContaining({ code: 'SQLITE_CONSTRAINT_UNIQUE' }));
      expect(
        db
          .prepare<[], { a: number }>('SELECT a FROM t ORDER BY a')
          .all()
          .map((row) => row.a),
      ).toEqual([1, 2]);
      // The connection is usable afterwards: no transaction was left open.
      insertAll([3]);
      expect(db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM t').get()?.n).toBe(3);
    });

    it('passes on the error itself when SQLite has already rolled the transaction back', () => {
      const db = openStateDb(':memory:');
      db.exec('CREATE TABLE t (a)');
      // RAISE(ROLLBACK) ends the transaction inside the statement, as a full disk would.
      db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON t WHEN NEW.a < 0 BEGIN SELECT RAISE(ROLLBACK, 'negative'); END`);
      const insert = db.prepare<[number]>('INSERT INTO t (a) VALUES (?)');
      const insertAll = db.transaction((values: readonly number[]) => {
        for (const value of values) insert.run(value);
      });
      expect(() => insertAll([1, -1])).toThrow(/negative/);
      insertAll([2]);
      expect(
        db
          .prepare<[], { a: number }>('SELECT a FROM t')
          .all()
          .map((row) => row.a),
      ).toEqual([2]);
    });
  });
});

describe('the binding openStateDb picks', () => {
  it('refuses a TOOLGATE_SQLITE_BINDING it does not know, naming the variable and what it takes', () => {
    const before = process.env.TOOLGATE_SQLITE_BINDING;
    process.env.TOOLGATE_SQLITE_BINDING = 'sqlite3';
    try {
      expect(() => openWithBinding(':memory:')).toThrow(
        'TOOLGATE_SQLITE_BINDING: expected "node:sqlite" or "libsql", got "sqlite3"',
      );
    } finally {
      if (before === undefined) delete process.env.TOOLGATE_SQLITE_BINDING;
      else process.env.TOOLGATE_SQLITE_BINDING = before;
    }
  });
});
