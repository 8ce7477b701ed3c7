import { describe, expect, it } from 'vitest';
import { BatchInsert } from './batch-insert.js';
import { openStateDb, type StateDb } from './state-db.js';

interface Item {
  readonly key: string;
  readonly n: number | null;
}

function table(): StateDb {
  const db = openStateDb(':memory:');
  db.exec('CREATE TABLE items (seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, n)');
  return db;
}

function batchInsert(db: StateDb): BatchInsert<Item> {
  return new BatchInsert<Item>(db, 'items', ['key', 'n'], 'ON CONFLICT (key) DO NOTHING', (item, values, offset) => {
    values[offset] = item.key;
    values[offset + 1] = item.n;
  });
}

function items(count: number, from = 0): Item[] {
  return Array.from({ length: count }, (_, index) => ({ key: `k${from + index}`, n: index % 7 === 0 ? null : index }));
}

describe('BatchInsert', () => {
  it('stores batches of any size whole, in order, each value in its column', () => {
    for (const count of [0, 1, 2, 63, 64, 65, 100, 127, 200]) {
      const db = table();
      const batch = items(count);
      batchInsert(db).run(batch);
      const stored = db.prepare<[], { key: string; n: number | null }>('SELECT key, n FROM items ORDER BY seq').all();
      expect(stored.map((row) => ({ key: row.key, n: row.n }))).toEqual(batch);
      db.close();
    }
  });

  it('keeps its statements between batches and ends each with the tail clause', () => {
    const db = table();
    const insert = batchInsert(db);
    insert.run(items(100));
    // The same keys again, and new ones: ON CONFLICT skips the old, one by one.
    insert.run([...items(2, 98), ...items(2, 500)]);
    const keys = db.prepare<[], { key: string }>('SELECT key FROM items ORDER BY seq').all();
    expect(keys.length).toBe(102);
    expect(keys.slice(-3).map((row) => row.key)).toEqual(['k99', 'k500', 'k501']);
  });

  it('stores nothing of a batch that fails inside a transaction', () => {
    const db = table();
    db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON items WHEN NEW.key = 'k70' BEGIN SELECT RAISE(FAIL, 'no'); END`);
    const insert = batchInsert(db);
    const insertAll = db.transaction((batch: readonly Item[]) => insert.run(batch));
    expect(() => insertAll(items(100))).toThrow(/no/);
    expect(db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM items').get()?.n).toBe(0);
  });
});
