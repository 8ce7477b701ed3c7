import { afterEach, describe, expect, it, vi } from 'vitest';
import { FlushTimer } from './flush-timer.js';

describe('FlushTimer', () => {
  afterEach(() => void vi.useRealTimers());

  it('flushes once, by the earliest deadline asked for, and never before a retry is due', () => {
    vi.useFakeTimers({ now: 1_000 });
    const flush = vi.fn();
    const timer = new FlushTimer(flush);
    timer.schedule(100);
    timer.schedule(500); // later: the earlier timer stays
    vi.advanceTimersByTime(99);
    expect(flush).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(flush).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1_000);
    expect(flush).toHaveBeenCalledTimes(1);

    timer.schedule(0, Date.now() + 300); // a retry is due in 300 ms
    vi.advanceTimersByTime(299);
    expect(flush).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(flush).toHaveBeenCalledTimes(2);
  });

  it('runs nothing once cleared', () => {
    vi.useFakeTimers();
    const flush = vi.fn();
    const timer = new FlushTimer(flush);
    timer.schedule(10);
    timer.clear();
    vi.advanceTimersByTime(100);
    expect(flush).not.toHaveBeenCalled();
  });
});
