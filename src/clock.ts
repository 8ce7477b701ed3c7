import { performance } from 'node:perf_hooks';

/**
 * Time as the gateway reads it. Everything that needs the time takes a Clock, so that tests move time on
 * instead of sleeping, and a decision's time is an input like any other.
 */
export interface Clock {
  /** Epoch milliseconds: for records, expiries and sliding windows. */
  now(): number;
  /** A monotonic millisecond counter: for latencies, which a change of the wall clock must not bend. */
  elapsed(): number;
}

export const systemClock: Clock = { now: () => Date.now(), elapsed: () => performance.now() };
