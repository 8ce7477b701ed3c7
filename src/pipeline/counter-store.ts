import type { CounterView, Reservation, WindowEvent } from '../policy/sliding-window.js';
import { SlidingWindowCounters, type Hold, type HoldRefusal } from '../policy/sliding-window.js';
import { BatchInsert } from '../state/batch-insert.js';
import type { StateDb } from '../state/state-db.js';
import { FlushTimer } from '../flush-timer.js';

/**
 * Rate-limit counters: decide() reads them, the call pipeline reserves, commits and releases. Implementations:
 * SQLite (embedded, survives a restart); Redis later, for several replicas. Every implementation passes the
 * contract suite in test/contract/counter-store.contract.ts.
 */
export interface CounterStore extends CounterView {
  reserve(reservations: readonly Reservation[], now: number): { readonly ok: true; readonly hold: Hold } | HoldRefusal;
  commit(hold: Hold): void;
  release(hold: Hold): void;
  /** Forgets what no window up to `keepMs` long can count any more. */
  prune(now: number, keepMs: number): void;
  /**
   * Stores every event committed before the call. Rejects if the store fails; the events are then kept for the
   * next attempt. Counting never waits for it: the counters in memory are exact whatever the store's state.
   */
  flush(): Promise<void>;
  /** Stores what is still queued, then stops storing: after a clean shutdown no event is lost. Never rejects. */
  close(): Promise<void>;
}

/** Where a counter store reports its troubles; the gateway's pino logger fits. */
export interface CounterLogger {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface CounterStoreOptions {
  /** Default: the console (the CLI, which only reads counters). */
  readonly logger?: CounterLogger;
  /** Store committed events at most this long after the first of a batch. Default 100 ms. */
  readonly flushMs?: number;
  /** Store at once when this many events are queued. Default 1,000. */
  readonly batchSize?: number;
}

export const DEFAULT_COUNTER_FLUSH_MS = 100;
export const DEFAULT_COUNTER_BATCH_SIZE = 1_000;

/** The longest wait between two attempts while the store keeps failing. */
const MAX_RETRY_DELAY_MS = 30_000;

interface CounterEvent {
  readonly counterKey: string;
  readonly at: number;
  readonly amount: number;
}

/**
 * Counters kept in memory, where every decision and reservation is made, exactly, and stored in SQLite so that a
 * restart (or a policy reload, which never touches counters) cannot be used to escape a limit.
 *
 * Committed events are queued and stored in batches, one transaction each, off the call path: at most `flushMs`
 * after the first event of a batch, at once when `batchSize` are queued, and on close. One INSERT transaction
 * per call was the pipeline's largest cost; a batch costs about what one of them did. The price: a crash (not a
 * clean shutdown, which flushes) forgets the events of the last unflushed batch, at most `flushMs` of committed
 * calls, so after a crash those calls no longer count against their limits. Reservations of calls in flight live
 * in memory only: a crash forgets them too. Either way a crash can only give quota back, never take it.
 *
 * When the store fails, the queue is kept and retried with backoff (twice `flushMs`, doubling up to 30 s), and a
 * crash meanwhile loses all of it; it only holds events the counters in memory hold too, and pruning drops from
 * both, so it needs no bound of its own.
 *
 * The database belongs to its opener: close() stores what is queued and leaves it open; close this store first.
 */
export class SqliteCounterStore implements CounterStore {
  readonly #memory = new SlidingWindowCounters();
  readonly #insertAll: (events: readonly CounterEvent[]) => void;
  readonly #prune;
  readonly #logger: CounterLogger;
  readonly #flushMs: number;
  readonly #batchSize: number;
  /** What each hold will store if committed: its events, noted when reserved. */
  readonly #reserved = new WeakMap<Hold, CounterEvent[]>();
  #queue: CounterEvent[] = [];
  readonly #timer = new FlushTimer(() => {
    try {
      this.#store();
    } catch {
      // Reported, and retried, by #store.
    }
  });
  /** Failed attempts in a row; while non-zero, no attempt starts before `#retryAt`. */
  #failures = 0;
  #retryAt = 0;
  #closed = false;

  constructor(db: StateDb, options: CounterStoreOptions = {}) {
    this.#logger = options.logger ?? CONSOLE_LOGGER;
    this.#flushMs = Math.max(0, options.flushMs ?? DEFAULT_COUNTER_FLUSH_MS);
    this.#batchSize = Math.max(1, options.batchSize ?? DEFAULT_COUNTER_BATCH_SIZE);
    const insert = new BatchInsert<CounterEvent>(
      db,
      'counter_events',
      ['counter_key', 'at', 'amount'],
      '',
      (event, values, offset) => {
        values[offset] = event.counterKey;
        values[offset + 1] = event.at;
        values[offset + 2] = event.amount;
      },
    );
    this.#insertAll = db.transaction((events: readonly CounterEvent[]) => insert.run(events));
    this.#prune = db.prepare('DELETE FROM counter_events WHERE at <= ?');
    // Every stored event is read back, oldest first: the store cannot know how long a window a policy loaded later
    // may have, and the gateway's pruning keeps the table to the longest one (at least a day).
    const rows = db
      .prepare<[], CounterEvent>('SELECT counter_key AS counterKey, at, amount FROM counter_events ORDER BY at, rowid')
      .all();
    for (const row of rows) this.#memory.restore(row.counterKey, row.at, row.amount);
  }

  events(counterKey: string): readonly WindowEvent[] {
    return this.#memory.events(counterKey);
  }

  used(counterKey: string, now: number, windowMs: number): number {
    return this.#memory.used(counterKey, now, windowMs);
  }

  reserve(reservations: readonly Reservation[], now: number): { readonly ok: true; readonly hold: Hold } | HoldRefusal {
    const reserved = this.#memory.reserve(reservations, now);
    if (reserved.ok && reserved.hold.length > 0) {
      // A reservation is appended to its counter, so right now it is the newest event there: noting it here spares
      // commit a search through the counter's events for it.
      const events: CounterEvent[] = [];
      for (const { counterKey } of reserved.hold) {
        const event = this.#memory.events(counterKey).at(-1);
        if (event) events.push({ counterKey, at: event.at, amount: event.amount });
      }
      this.#reserved.set(reserved.hold, events);
    }
    return reserved;
  }

  commit(hold: Hold): void {
    this.#memory.commit(hold);
    const events = this.#reserved.get(hold);
    if (events === undefined) return;
    this.#reserved.delete(hold);
    if (this.#closed) {
      this.#report('error', { events: events.length }, 'counter events committed after the store closed: not stored');
      return;
    }
    for (const event of events) this.#queue.push(event);
    this.#timer.schedule(this.#queue.length >= this.#batchSize ? 0 : this.#flushMs, this.#retryAt);
  }

  release(hold: Hold): void {
    this.#reserved.delete(hold);
    this.#memory.release(hold);
  }

  prune(now: number, keepMs: number): void {
    const horizon = now - keepMs;
    this.#memory.prune(now, keepMs);
    // Queued events the table would prune anyway need not be stored.
    this.#queue = this.#queue.filter((event) => event.at > horizon);
    this.#prune.run(horizon);
  }

  async flush(): Promise<void> {
    this.#store();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#store();
    } catch (error) {
      this.#report(
        'error',
        { err: error, lost: this.#queue.length },
        'counter store failed at close: queued counter events are lost (those calls no longer count after a restart)',
      );
      this.#queue = [];
    }
  }

  /**
   * Stores the whole queue in one transaction. If the store fails, the queue is kept, a retry is scheduled (with
   * backoff, unless closed), and the error thrown.
   */
  #store(): void {
    this.#timer.clear();
    if (this.#queue.length === 0) return;
    try {
      this.#insertAll(this.#queue);
    } catch (error) {
      this.#failures++;
      const delay = Math.min(MAX_RETRY_DELAY_MS, Math.max(1, this.#flushMs) * 2 ** this.#failures);
      this.#retryAt = Date.now() + delay;
      this.#report(
        'error',
        { err: error, pending: this.#queue.length, retryInMs: delay },
        'counter store failed to write a batch; it will be retried (the counters in memory still count)',
      );
      if (!this.#closed) this.#timer.schedule(delay, this.#retryAt);
      throw error;
    }
    // Synchronous from end to end: nothing was queued meanwhile.
    this.#queue = [];
    if (this.#failures > 0) {
      this.#report('warn', { failedAttempts: this.#failures }, 'counter store recovered');
      this.#failures = 0;
      this.#retryAt = 0;
    }
  }

  /** Logs, never throwing: a broken logger must not break the call path through commit(). */
  #report(level: 'warn' | 'error', fields: object, message: string): void {
    try {
      this.#logger[level](fields, message);
    } catch {
      // Nowhere left to report to.
    }
  }
}

const CONSOLE_LOGGER: CounterLogger = {
  warn: (fields, message) => console.warn(message, fields),
  error: (fields, message) => console.error(message, fields),
};
