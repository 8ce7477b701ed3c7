import type { Charge } from './charge.js';
import type { LimitRefusal } from './limit-refusal.js';
import { NOTHING_RESERVED, type LimitStore, type Reservation, type Taken } from './limit-store.js';

/** Told when the counters are lost and when they answer again: once per outage, not once per call. */
export interface OutageLogger {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

/**
 * A store that lets calls through, uncounted, while the store it wraps fails (Redis unreachable), as the operator
 * chose with `state.redis.failOpen`. Without it, a call a limit counts is refused while its counters cannot be
 * reached: failing closed is the default, and this choice is made per store, in the config, never implied.
 */
export class FailOpenLimitStore implements LimitStore {
  readonly #inner: LimitStore;
  readonly #log: OutageLogger;
  #failing = false;

  constructor(inner: LimitStore, log: OutageLogger) {
    this.#inner = inner;
    this.#log = log;
  }

  async take(charges: readonly Charge[], now: number): Promise<Taken> {
    return this.#answer(this.#inner.take(charges, now), { ok: true, reservation: NOTHING_RESERVED });
  }

  async peek(charges: readonly Charge[], now: number): Promise<LimitRefusal | null> {
    return this.#answer(this.#inner.peek(charges, now), null);
  }

  async commit(reservation: Reservation): Promise<void> {
    await this.#answer(this.#inner.commit(reservation), undefined);
  }

  async release(reservation: Reservation): Promise<void> {
    await this.#answer(this.#inner.release(reservation), undefined);
  }

  usage(counterKey: string, windowMs: number, now: number): Promise<number> {
    return this.#inner.usage(counterKey, windowMs, now);
  }

  prune(now: number, keepMs: number): Promise<void> {
    return this.#inner.prune(now, keepMs);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  /** What the inner store answers, or `open` (the call goes on, uncounted) while it fails. */
  async #answer<T>(answer: Promise<T>, open: T): Promise<T> {
    try {
      const value = await answer;
      if (this.#failing) {
        this.#failing = false;
        this.#log.info({}, 'the counters answer again: limits are counted again');
      }
      return value;
    } catch (error) {
      if (!this.#failing) {
        this.#failing = true;
        this.#log.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'the counters cannot be reached: calls go on uncounted until they answer again (state.redis.failOpen)',
        );
      }
      return open;
    }
  }
}
