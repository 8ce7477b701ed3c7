/**
 * The timer of a write-behind queue (audit records, counter events): it runs `flush` by the earliest deadline
 * asked for, never before a retry is due, and never keeps the process alive.
 */
export class FlushTimer {
  readonly #flush: () => void;
  #timer: NodeJS.Timeout | undefined;
  #at = Infinity;

  constructor(flush: () => void) {
    this.#flush = flush;
  }

  /** Makes sure `flush` runs within `delay` ms, but not before `notBefore` (ms since the epoch); an earlier timer stays. */
  schedule(delay: number, notBefore = 0): void {
    const at = Math.max(Date.now() + delay, notBefore);
    if (this.#timer !== undefined && this.#at <= at) return;
    this.clear();
    this.#at = at;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#at = Infinity;
        this.#flush();
      },
      Math.max(0, at - Date.now()),
    );
    this.#timer.unref();
  }

  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#at = Infinity;
  }
}
