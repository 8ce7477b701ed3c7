import { describe, expect, it } from 'vitest';
import { SignInThrottle } from './sign-in-throttle.js';

const options = { maxFailures: 3, windowMs: 60_000, maxInFlight: 2, maxKeys: 100 };

describe('SignInThrottle', () => {
  it('refuses a name after maxFailures failures in the window, from any address, until they age out', () => {
    const throttle = new SignInThrottle(options);
    for (const [index, address] of ['a', 'b', 'c'].entries()) {
      expect(throttle.begin('amir', address, 1_000 + index)).toEqual({ ok: true });
      throttle.done('amir', address, false, 1_000 + index);
    }
    expect(throttle.begin('AMIR', 'd', 2_000)).toEqual({ ok: false, retryAfterMs: 59_000 });
    expect(throttle.begin('zoe', 'd', 2_000)).toEqual({ ok: true });
    throttle.done('zoe', 'd', true, 2_000);
    expect(throttle.begin('amir', 'd', 61_001)).toEqual({ ok: true });
  });

  it('refuses an address that failed for many names', () => {
    const throttle = new SignInThrottle(options);
    for (const name of ['x', 'y', 'z']) {
      throttle.begin(name, 'evil', 1_000);
      throttle.done(name, 'evil', false, 1_000);
    }
    expect(throttle.begin('amir', 'evil', 1_500).ok).toBe(false);
    expect(throttle.begin('amir', 'good', 1_500).ok).toBe(true);
  });

  it('lets no more than maxInFlight checks run at once, and successes count no failure', () => {
    const throttle = new SignInThrottle(options);
    expect(throttle.begin('a', '1', 0).ok).toBe(true);
    expect(throttle.begin('b', '2', 0).ok).toBe(true);
    expect(throttle.begin('c', '3', 0)).toEqual({ ok: false, retryAfterMs: 1_000 });
    throttle.done('a', '1', true, 0);
    expect(throttle.begin('c', '3', 0).ok).toBe(true);
  });
});
