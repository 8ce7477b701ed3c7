import type { Reservation, WindowEvent } from '../policy/sliding-window.js';
import { SlidingWindowCounters, type Hold, type HoldRefusal } from '../policy/sliding-window.js';
import type { StateDb } from '../state/state-db.js';

/**
 * Rate-limit counters: decide() reads them, the call pipeline reserves, commits and releases. Implementations:
 * SQLite (embedded, survives a restart); Redis later, for several replicas.
 */
export interface CounterStore {
  events(counterKey: string): readonly WindowEvent[];
  reserve(reservations: readonly Reservation[], now: number): { readonly ok: true; readonly hold: Hold } | HoldRefusal;
  commit(hold: Hold): void;
  release(hold: Hold): void;
  /** Forgets what no window up to `keepMs` long can count any more. */
  prune(now: number, keepMs: number): void;
}

/**
 * Counters kept in memory for speed and written through to SQLite when a call is committed, so that a restart
 * (or a policy reload, which never touches counters) cannot be used to escape a limit. Reservations of calls in
 * flight live in memory only: a crash forgets them, which can only give quota back, never take it.
 */
export class SqliteCounterStore implements CounterStore {
  readonly #memory = new SlidingWindowCounters();
  readonly #insert;
  readonly #prune;

  constructor(db: StateDb) {
    this.#insert = db.prepare('INSERT INTO counter_events (counter_key, at, amount) VALUES (?, ?, ?)');
    this.#prune = db.prepare('DELETE FROM counter_events WHERE at <= ?');
    const rows = db
      .prepare<[], { counter_key: string; at: number; amount: number }>(
        'SELECT counter_key, at, amount FROM counter_events ORDER BY at, rowid',
      )
      .all();
    for (const row of rows) this.#memory.restore(row.counter_key, row.at, row.amount);
  }

  events(counterKey: string): readonly WindowEvent[] {
    return this.#memory.events(counterKey);
  }

  reserve(reservations: readonly Reservation[], now: number): { readonly ok: true; readonly hold: Hold } | HoldRefusal {
    return this.#memory.reserve(reservations, now);
  }

  commit(hold: Hold): void {
    for (const event of this.#memory.held(hold)) this.#insert.run(event.counterKey, event.at, event.amount);
    this.#memory.commit(hold);
  }

  release(hold: Hold): void {
    this.#memory.release(hold);
  }

  prune(now: number, keepMs: number): void {
    this.#memory.prune(now, keepMs);
    this.#prune.run(now - keepMs);
  }
}
