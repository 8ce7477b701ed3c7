import { FlushTimer } from '../state/flush-timer.js';
import { BatchInsert } from '../state/batch-insert.js';
import { isLockedError } from '../state/lock-wait.js';
import type { StateDb } from '../state/state-db.js';
import type { Charge } from './charge.js';
import type { LimitRefusal } from './limit-refusal.js';
import type { LimitStore, Reservation, ReservedCharge, Taken } from './limit-store.js';
import { MemoryLimitStore } from './memory-limit-store.js';
import type { WindowEvent } from './sliding-window.js';

/** Where a limit store reports its troubles; the gateway's pino logger fits. */
export interface LimitStoreLogger {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface SqliteLimitStoreOptions {
  /** Default: the console (the CLI, which only reads counters). */
  readonly logger?: LimitStoreLogger;
  /** Store committed events at most this long after the first of a batch. Default 100 ms. */
  readonly flushMs?: number;
  /** Store at once when this many events are queued. Default 1,000. */
  readonly batchSize?: number;
}

export const DEFAULT_COUNTER_FLUSH_MS = 100;
export const DEFAULT_COUNTER_BATCH_SIZE = 1_000;

/** The longest wait between two attempts while the store keeps failing. */
const MAX_RETRY_DELAY_MS = 30_000;

/** A committed charge, as a row of counter_events. */
type CounterEvent = Pick<ReservedCharge, 'counterKey' | 'at' | 'amount'>;

/**
 * Counters kept in memory, where every check and reservation is made, exactly (a MemoryLimitStore), and stored
 * in SQLite so that a restart (or a policy reload, which never touches counters) cannot be used to escape a
 * limit. A counter is read from the database the first time a call (or a question, such as `policy explain`'s)
 * touches it, with one query on its key; from then on memory is its truth.
 *
 * Committed events are queued and stored in batches, one transaction each, off the call path: at most `flushMs`
 * after the first event of a batch, at once when `batchSize` are queued, and on close. The price: a crash (not a
 * clean shutdown, which flushes) forgets the events of the last unflushed batch, at most `flushMs` of committed
 * calls, so after a crash those calls no longer count against their limits. Reservations of calls in flight live
 * in memory only: a crash forgets them too. Either way a crash can only give quota back, never take it.
 *
 * When the store fails, the queue is kept and retried with backoff (twice `flushMs`, doubling up to 30 s), and a
 * crash meanwhile loses all of it; it only holds events the counters in memory hold too, and pruning drops from
 * both, so it needs no bound of its own. While another process holds the database's write lock, a batch waits for
 * it as the database's opener chose (StateDb.write): in the gateway on a timer, so calls go on and count in
 * memory; a batch that waited in vain is tried again after `flushMs`.
 *
 * One process's counters: two gateways on one database would each count only their own calls after starting.
 * The database belongs to its opener: close() stores what is queued and leaves it open; close this store first.
 */
export class SqliteLimitStore implements LimitStore {
  readonly #db: StateDb;
  readonly #memory: MemoryLimitStore;
  readonly #insert: BatchInsert<CounterEvent>;
  readonly #prune;
  readonly #logger: LimitStoreLogger;
  readonly #flushMs: number;
  readonly #batchSize: number;
  /** Events committed and not yet being stored. */
  #queue: CounterEvent[] = [];
  /** The batches being stored, in order: each store waits for the previous one. */
  #chain: Promise<void> = Promise.resolve();
  readonly #timer = new FlushTimer(() => {
    // Reported, and retried, by #store.
    this.#drain().catch(() => undefined);
  });
  /** Failed attempts in a row; while non-zero, no attempt starts before `#retryAt`. */
  #failures = 0;
  #retryAt = 0;
  #closed = false;

  constructor(db: StateDb, options: SqliteLimitStoreOptions = {}) {
    this.#db = db;
    this.#logger = options.logger ?? CONSOLE_LOGGER;
    this.#flushMs = Math.max(0, options.flushMs ?? DEFAULT_COUNTER_FLUSH_MS);
    this.#batchSize = Math.max(1, options.batchSize ?? DEFAULT_COUNTER_BATCH_SIZE);
    this.#insert = new BatchInsert<CounterEvent>(
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
    this.#prune = db.prepare('DELETE FROM counter_events WHERE at <= ?');
    // Every stored event of the key: the store cannot know how long a window a policy loaded later may have, and
    // the gateway's pruning keeps the table to the longest one (at least a day).
    const eventsOf = db.prepare<[string], WindowEvent>(
      'SELECT at, amount FROM counter_events WHERE counter_key = ? ORDER BY at, rowid',
    );
    this.#memory = new MemoryLimitStore({
      load: (counterKey) => eventsOf.all(counterKey),
      committed: (charges) => this.#queueCommitted(charges),
    });
  }

  take(charges: readonly Charge[], now: number): Promise<Taken> {
    return this.#memory.take(charges, now);
  }

  peek(charges: readonly Charge[], now: number): Promise<LimitRefusal | null> {
    return this.#memory.peek(charges, now);
  }

  commit(reservation: Reservation): Promise<void> {
    return this.#memory.commit(reservation);
  }

  release(reservation: Reservation): Promise<void> {
    return this.#memory.release(reservation);
  }

  usage(counterKey: string, windowMs: number, now: number): Promise<number> {
    return this.#memory.usage(counterKey, windowMs, now);
  }

  async prune(now: number, keepMs: number): Promise<void> {
    const horizon = now - keepMs;
    await this.#memory.prune(now, keepMs);
    // Queued events the table would prune anyway need not be stored.
    this.#queue = this.#queue.filter((event) => event.at > horizon);
    await this.#db.write(() => this.#prune.run(horizon));
  }

  /**
   * Stores every event committed before the call. Rejects if the database fails; the events are then kept for
   * the next attempt. Counting never waits for it: the counters in memory are exact whatever the database's state.
   */
  flush(): Promise<void> {
    return this.#drain();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#drain();
    } catch (error) {
      this.#report(
        'error',
        { err: error, lost: this.#queue.length },
        'counter store failed at close: queued counter events are lost (those calls no longer count after a restart)',
      );
      this.#queue = [];
    }
  }

  #queueCommitted(charges: readonly ReservedCharge[]): void {
    if (this.#closed) {
      this.#report('error', { events: charges.length }, 'counter events committed after the store closed: not stored');
      return;
    }
    for (const { counterKey, at, amount } of charges) this.#queue.push({ counterKey, at, amount });
    this.#timer.schedule(this.#queue.length >= this.#batchSize ? 0 : this.#flushMs, this.#retryAt);
  }

  /** Stores everything queued, after any store already under way. */
  #drain(): Promise<void> {
    const run = this.#chain.then(() => this.#store());
    // The chain itself must not stay rejected, or every later store would fail with this error.
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Stores the whole queue in one transaction. If the store fails, the events go back to the head of the queue, a
   * retry is scheduled (with backoff, unless closed), and the error thrown.
   */
  async #store(): Promise<void> {
    this.#timer.clear();
    if (this.#queue.length === 0) return;
    // Events committed while this batch waits for the lock queue behind it.
    const batch = this.#queue;
    this.#queue = [];
    try {
      await this.#db.write(() => this.#insert.run(batch));
    } catch (error) {
      this.#queue = [...batch, ...this.#queue];
      this.#failures++;
      const locked = isLockedError(error);
      const delay = locked
        ? Math.max(1, this.#flushMs)
        : Math.min(MAX_RETRY_DELAY_MS, Math.max(1, this.#flushMs) * 2 ** this.#failures);
      this.#retryAt = Date.now() + delay;
      this.#report(
        locked ? 'warn' : 'error',
        { err: error, pending: this.#queue.length, retryInMs: delay },
        'counter store failed to write a batch; it will be retried (the counters in memory still count)',
      );
      if (!this.#closed) this.#timer.schedule(delay, this.#retryAt);
      throw error;
    }
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

const CONSOLE_LOGGER: LimitStoreLogger = {
  warn: (fields, message) => console.warn(message, fields),
  error: (fields, message) => console.error(message, fields),
};
