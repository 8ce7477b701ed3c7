import type { AuditRecord } from './audit-record.js';
import {
  DEFAULT_AUDIT_BATCH_SIZE,
  DEFAULT_AUDIT_FLUSH_MS,
  DEFAULT_AUDIT_MAX_PENDING,
  type AuditLogger,
  type AuditSink,
  type AuditSinkOptions,
  type AuditSinkStats,
} from './audit-sink.js';
import { FlushTimer } from '../state/flush-timer.js';
import { isLockedError } from '../state/lock-wait.js';

/** The longest wait between two attempts while the store keeps failing. */
const MAX_RETRY_DELAY_MS = 30_000;

interface Entry<Encoded> {
  readonly record: AuditRecord;
  /**
   * Told whether the record was stored (true), or not at the first attempt or dropped (false): the caller of
   * writeStored waits for it, once. A record whose first attempt failed stays queued, and is retried.
   */
  settled?: ((stored: boolean) => void) | undefined;
  /** Set once the record is encoded, so a batch retried after a failure is not encoded (or dropped) twice. */
  encoded: { readonly value: Encoded } | undefined;
}

/** Tells the caller waiting for an entry, once. */
function settle(entry: Entry<unknown>, stored: boolean): void {
  const settled = entry.settled;
  entry.settled = undefined;
  settled?.(stored);
}

/**
 * The batching every sink shares. `write` only appends to a queue in memory; a timer stores the queue in
 * batches, one at a time and in order: as soon as `batchSize` records are queued, or `flushMs` after the first
 * record of a batch, whichever comes first. Timers are unref'd: a sink never keeps the process alive, so its
 * owner closes it on shutdown.
 *
 * When the store fails, the batch stays at the head of the queue and is tried again after `flushMs`, doubling up
 * to 30 s; new records still queue, up to `maxPending`, and beyond that are dropped and counted. A store that
 * waited for another process's lock and gave up (isLockedError) is tried again after `flushMs` with no doubling:
 * the wait is its own backoff, and the records should follow soon after the lock goes.
 *
 * A subclass says how one record is encoded (on the timer, off the call path; a record that cannot be encoded is
 * dropped alone, never holding back the others) and how a batch is stored.
 */
export abstract class BatchingAuditSink<Encoded> implements AuditSink {
  readonly #logger: AuditLogger;
  readonly #batchSize: number;
  readonly #flushMs: number;
  readonly #maxPending: number;
  #queue: Entry<Encoded>[] = [];
  /** The batches being stored, in order: each drain waits for the previous one. */
  #chain: Promise<void> = Promise.resolve();
  readonly #timer = new FlushTimer(() => {
    // Failures are logged where they happen; the queue is kept and a retry scheduled.
    this.#drain().catch(() => undefined);
  });
  /** Failures in a row; while non-zero, no attempt starts before `#retryAt`. */
  #failures = 0;
  #retryAt = 0;
  #overflowed = 0;
  #closing: Promise<void> | undefined;
  #drainScheduled = false;
  #written = 0;
  #dropped = 0;
  #failedBatches = 0;

  protected constructor(options: AuditSinkOptions) {
    this.#logger = options.logger;
    this.#batchSize = Math.max(1, options.batchSize ?? DEFAULT_AUDIT_BATCH_SIZE);
    this.#flushMs = Math.max(0, options.flushMs ?? DEFAULT_AUDIT_FLUSH_MS);
    this.#maxPending = Math.max(this.#batchSize, options.maxPending ?? DEFAULT_AUDIT_MAX_PENDING);
  }

  /** Turns a record into what `storeBatch` takes. May throw: the record is then dropped and reported. */
  protected abstract encode(record: AuditRecord): Encoded;
  /** Stores a batch, all or nothing where the store allows it. Throwing keeps the batch for the next attempt. */
  protected abstract storeBatch(batch: readonly Encoded[]): void | Promise<void>;
  /** Releases what the sink holds (a file handle), after the last batch. */
  protected abstract release(): void | Promise<void>;

  write(record: AuditRecord): void {
    this.#enqueue(record, undefined);
  }

  writeStored(record: AuditRecord): Promise<boolean> {
    return new Promise((settled) => {
      if (!this.#enqueue(record, settled)) settled(false);
    });
  }

  /** Queues the record, false when it was dropped instead. */
  #enqueue(record: AuditRecord, settled: ((stored: boolean) => void) | undefined): boolean {
    try {
      if (this.#closing !== undefined) {
        this.#dropped++;
        this.#report('error', { decisionId: record.decisionId }, 'audit record written after the sink closed: dropped');
        return false;
      }
      if (this.#queue.length >= this.#maxPending) {
        this.#dropped++;
        if (this.#overflowed++ === 0) {
          this.#report(
            'error',
            { pending: this.#queue.length },
            'audit store failing and the audit buffer is full: new records are dropped until it recovers',
          );
        }
        return false;
      }
      this.#queue.push({ record, encoded: undefined, ...(settled ? { settled } : {}) });
      // A caller waits for this record: it is stored at the end of this turn of the event loop (not on a timer,
      // whose shortest wait is a millisecond), with whatever other calls queued meanwhile, so that the wait is one
      // batch's write and concurrent calls share it. While the store is failing, the retry's timer decides.
      if (settled !== undefined && Date.now() >= this.#retryAt) this.#drainThisTurn();
      else this.#timer.schedule(this.#queue.length >= this.#batchSize ? 0 : this.#flushMs, this.#retryAt);
      return true;
    } catch {
      // write() must never throw into the call path. Nothing above throws (the logger is guarded); this is the
      // last line of defence, and a record that reached it was counted where it was dropped.
      return false;
    }
  }

  flush(): Promise<void> {
    return this.#drain();
  }

  close(): Promise<void> {
    this.#closing ??= this.#closeOnce();
    return this.#closing;
  }

  stats(): AuditSinkStats {
    return {
      written: this.#written,
      pending: this.#queue.length,
      dropped: this.#dropped,
      failedBatches: this.#failedBatches,
    };
  }

  async #closeOnce(): Promise<void> {
    this.#timer.clear();
    try {
      await this.#drain();
    } catch (error) {
      const lost = this.#queue.length;
      for (const entry of this.#queue) settle(entry, false);
      this.#queue = [];
      this.#dropped += lost;
      this.#report('error', { err: error, lost }, 'audit store failed at close: queued audit records are lost');
    }
    this.#timer.clear();
    try {
      await this.release();
    } catch (error) {
      this.#report('error', { err: error }, 'audit sink did not close cleanly');
    }
  }

  /** Drains once at the end of this turn of the event loop, however many records were written in it. */
  #drainThisTurn(): void {
    if (this.#drainScheduled) return;
    this.#drainScheduled = true;
    setImmediate(() => {
      this.#drainScheduled = false;
      // Failures are logged where they happen; the queue is kept and a retry scheduled.
      this.#drain().catch(() => undefined);
    }).unref();
  }

  /** Stores everything queued, after any drain already under way. */
  #drain(): Promise<void> {
    const run = this.#chain.then(() => this.#storeQueued());
    // The chain itself must not stay rejected, or every later drain would fail with this error.
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #storeQueued(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#nextBatch();
      if (batch.length === 0) continue;
      try {
        await this.storeBatch(batch.map((entry) => entry.encoded!.value));
      } catch (error) {
        // Nobody waits through the retries: the callers are answered now, their records stored later.
        for (const entry of batch) settle(entry, false);
        this.#failedBatches++;
        this.#failures++;
        const locked = isLockedError(error);
        const delay = locked ? this.#flushMs : Math.min(MAX_RETRY_DELAY_MS, this.#flushMs * 2 ** this.#failures);
        this.#retryAt = Date.now() + delay;
        if (!locked) {
          this.#report(
            'error',
            { err: error, pending: this.#queue.length, retryInMs: delay },
            'audit store failed to write a batch; it will be retried',
          );
        } else if (this.#failures === 1) {
          this.#report(
            'warn',
            { err: error, pending: this.#queue.length },
            'audit records wait in memory: another process holds the state database write lock',
          );
        }
        if (this.#closing === undefined) this.#timer.schedule(delay, this.#retryAt);
        throw error;
      }
      // The batch is the head of the queue: writes only append, and drains run one at a time.
      this.#queue.splice(0, batch.length);
      this.#written += batch.length;
      for (const entry of batch) settle(entry, true);
      if (this.#failures > 0) {
        this.#report(
          'warn',
          { failedAttempts: this.#failures, droppedMeanwhile: this.#overflowed },
          'audit store recovered',
        );
        this.#failures = 0;
        this.#retryAt = 0;
        this.#overflowed = 0;
      }
    }
  }

  /** The head of the queue, encoded, up to batchSize; records that cannot be encoded are dropped from it. */
  #nextBatch(): Entry<Encoded>[] {
    const batch: Entry<Encoded>[] = [];
    let index = 0;
    while (batch.length < this.#batchSize && index < this.#queue.length) {
      const entry = this.#queue[index]!;
      if (entry.encoded === undefined) {
        try {
          entry.encoded = { value: this.encode(entry.record) };
        } catch (error) {
          this.#queue.splice(index, 1);
          this.#dropped++;
          settle(entry, false);
          this.#report(
            'error',
            { err: error, decisionId: entry.record.decisionId },
            'audit record cannot be encoded: dropped',
          );
          continue;
        }
      }
      batch.push(entry);
      index++;
    }
    return batch;
  }

  /** Logs, never throwing: a broken logger must not break the sink, nor the call path through write(). */
  #report(level: 'warn' | 'error', fields: object, message: string): void {
    try {
      this.#logger[level](fields, message);
    } catch {
      // Nowhere left to report to.
    }
  }
}
