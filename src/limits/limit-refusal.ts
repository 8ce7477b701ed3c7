import type { ChargedLimit } from './charge.js';

/** Why a store will not take a call's charges: the limit the call would break, and when it would fit. */
export interface LimitRefusal {
  /** The rule of the limit that refuses: among those the call breaks, the one of lowest rank. */
  readonly rule: string;
  /** The counter that limit is on. */
  readonly counterKey: string;
  /**
   * When the same call would fit every limit of every charge, if nothing else is taken or released meanwhile; null
   * when it never can (its amount is more than a limit's max).
   */
  readonly retryAfterMs: number | null;
  /** Model-readable: the limit's words, then when to retry (`… Retry in 12 s.`). */
  readonly message: string;
}

/** The refusal of a call by `limit`, on the counter `counterKey` of a charge made for `subject`. */
export function limitRefusal(
  limit: ChargedLimit,
  counterKey: string,
  subject: string,
  retryAfterMs: number | null,
): LimitRefusal {
  return { rule: limit.rule, counterKey, retryAfterMs, message: refusalMessage(limit, subject, retryAfterMs) };
}

function refusalMessage(limit: ChargedLimit, subject: string, retryAfterMs: number | null): string {
  const retry =
    retryAfterMs === null
      ? 'This call alone is more than the limit allows, so it cannot succeed.'
      : `Retry in ${formatDuration(retryAfterMs)}.`;
  if (limit.onDeny !== null) return `${limit.onDeny} ${retry}`;
  return `${limit.reached} reached for tool ${subject}: ${limit.terms}. ${retry}`;
}

/** Milliseconds as a person reads a wait, rounded up to the second: "45 s", "2 min 5 s", "3 h 20 min". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) {
    const rest = seconds % 60;
    return rest === 0 ? `${seconds / 60} min` : `${Math.floor(seconds / 60)} min ${rest} s`;
  }
  const minutes = Math.ceil(seconds / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${minutes / 60} h` : `${Math.floor(minutes / 60)} h ${rest} min`;
}
