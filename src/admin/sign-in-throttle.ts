/**
 * Bounds password guessing at the console's sign-in: at most `maxFailures` failed sign-ins per name and per
 * address within `windowMs`, then refusals until the window has passed; and at most `maxInFlight` password
 * checks at once (each scrypt check takes 64 MiB, so a flood of sign-ins must not take the memory). In memory:
 * each replica counts its own, which bounds a guesser as much (their number is the operator's).
 */
export class SignInThrottle {
  readonly #failures = new Map<string, number[]>();
  readonly #options: SignInThrottleOptions;
  #inFlight = 0;

  constructor(options: SignInThrottleOptions) {
    this.#options = options;
  }

  /**
   * Whether a sign-in as `name` from `address` may be checked now; when it may, it counts as in flight until
   * `done` is called with its result.
   */
  begin(
    name: string,
    address: string,
    now: number,
  ): { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number } {
    const keys = [`name:${name.toLowerCase()}`, `address:${address}`];
    let retryAfterMs = 0;
    for (const key of keys) {
      const recent = this.#recent(key, now);
      if (recent.length >= this.#options.maxFailures) {
        retryAfterMs = Math.max(retryAfterMs, recent[0]! + this.#options.windowMs - now);
      }
    }
    if (retryAfterMs > 0) return { ok: false, retryAfterMs };
    if (this.#inFlight >= this.#options.maxInFlight) return { ok: false, retryAfterMs: 1_000 };
    this.#inFlight++;
    return { ok: true };
  }

  done(name: string, address: string, succeeded: boolean, now: number): void {
    this.#inFlight--;
    if (succeeded) return;
    for (const key of [`name:${name.toLowerCase()}`, `address:${address}`]) {
      const recent = this.#recent(key, now);
      recent.push(now);
      this.#failures.set(key, recent);
    }
    // Forget keys whose failures have all aged out, so that guessed names cannot fill the memory.
    if (this.#failures.size > this.#options.maxKeys) {
      for (const [key, times] of this.#failures) {
        if (times.every((time) => time <= now - this.#options.windowMs)) this.#failures.delete(key);
      }
    }
  }

  #recent(key: string, now: number): number[] {
    return (this.#failures.get(key) ?? []).filter((time) => time > now - this.#options.windowMs);
  }
}

export interface SignInThrottleOptions {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly maxInFlight: number;
  /** Keys kept before aged ones are swept. */
  readonly maxKeys: number;
}
