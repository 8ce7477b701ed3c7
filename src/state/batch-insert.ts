import type { StateDb, Statement } from './state-db.js';

/** The most rows one statement inserts; a batch goes in chunks of powers of two up to this. */
const LARGEST_CHUNK = 64;

/** Writes a row's values, in the columns' order, into `values` from `offset` on. */
export type FillValues<T> = (row: T, values: unknown[], offset: number) => void;

/**
 * Inserts many rows with few statements: `INSERT … VALUES (…), (…), …`, a statement for each chunk of up to 64
 * rows. Each statement run crosses into the SQLite binding, and with libsql that crossing costs about as much as
 * storing the row itself: a batch of 100 audit records took about twice the CPU row by row that it did with
 * better-sqlite3, and about the same this way. Chunk sizes are powers of two, so at most seven statements are
 * ever prepared, and a batch of any size takes at most seven runs.
 *
 * Run it inside a transaction (`StateDb.write`) to store a batch whole or not at all.
 */
export class BatchInsert<T> {
  readonly #db: StateDb;
  readonly #width: number;
  readonly #head: string;
  readonly #row: string;
  readonly #tail: string;
  readonly #fill: FillValues<T>;
  /** By rows per statement. */
  readonly #statements = new Map<number, Statement>();

  /** `tail` follows the VALUES list: an ON CONFLICT clause, say. */
  constructor(db: StateDb, table: string, columns: readonly string[], tail: string, fill: FillValues<T>) {
    this.#db = db;
    this.#width = columns.length;
    this.#head = `INSERT INTO ${table} (${columns.join(', ')}) VALUES `;
    this.#row = `(${columns.map(() => '?').join(', ')})`;
    this.#tail = tail;
    this.#fill = fill;
  }

  run(rows: readonly T[]): void {
    const width = this.#width;
    let start = 0;
    while (start < rows.length) {
      let size = LARGEST_CHUNK;
      while (size > rows.length - start) size >>= 1;
      const values: unknown[] = new Array(size * width);
      for (let index = 0; index < size; index++) this.#fill(rows[start + index]!, values, index * width);
      this.#statement(size).run(...values);
      start += size;
    }
  }

  #statement(size: number): Statement {
    let statement = this.#statements.get(size);
    if (!statement) {
      statement = this.#db.prepare(`${this.#head}${Array<string>(size).fill(this.#row).join(', ')} ${this.#tail}`);
      this.#statements.set(size, statement);
    }
    return statement;
  }
}
