import { describe, expect, it } from 'vitest';
import { chargeOf } from '../../test/contract/limit-store.contract.js';
import { FailOpenLimitStore } from './fail-open-limit-store.js';
import { MemoryLimitStore } from './memory-limit-store.js';
import { NOTHING_RESERVED, type LimitStore } from './limit-store.js';

/** A memory store that fails every call while `down` is true, as an unreachable Redis does. */
function flakyStore(): { store: LimitStore; setDown(down: boolean): void } {
  const memory = new MemoryLimitStore();
  let down = false;
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      down ? Promise.reject(new Error('Redis at 127.0.0.1:1 is unreachable')) : fn(...args);
  const store: LimitStore = {
    take: guard((charges, now) => memory.take(charges, now)),
    peek: guard((charges, now) => memory.peek(charges, now)),
    commit: guard((reservation) => memory.commit(reservation)),
    release: guard((reservation) => memory.release(reservation)),
    usage: guard((key, windowMs, now) => memory.usage(key, windowMs, now)),
    prune: guard((now, keepMs) => memory.prune(now, keepMs)),
    close: () => memory.close(),
  };
  return { store, setDown: (value) => (down = value) };
}

function recordingLog() {
  const lines: string[] = [];
  return {
    lines,
    warn: (_: object, message: string) => lines.push(`warn ${message}`),
    info: (_: object, message: string) => lines.push(`info ${message}`),
  };
}

describe('FailOpenLimitStore', () => {
  const charge = chargeOf('k', 1);

  it('counts as the store it wraps while that store answers', async () => {
    const { store } = flakyStore();
    const open = new FailOpenLimitStore(store, recordingLog());
    const first = await open.take([charge], 1);
    expect(first.ok).toBe(true);
    expect((await open.take([charge], 2)).ok).toBe(false);
    expect(await open.peek([charge], 3)).not.toBeNull();
  });

  it('lets calls through uncounted while the store fails, logging the outage once and its end once', async () => {
    const { store, setDown } = flakyStore();
    const log = recordingLog();
    const open = new FailOpenLimitStore(store, log);
    setDown(true);
    expect(await open.take([charge], 1)).toEqual({ ok: true, reservation: NOTHING_RESERVED });
    expect(await open.take([charge], 2)).toEqual({ ok: true, reservation: NOTHING_RESERVED });
    expect(await open.peek([charge], 3)).toBeNull();
    await open.commit({ charges: [{ counterKey: 'k', amount: 1, at: 1, id: 1 }] });
    setDown(false);
    expect((await open.take([charge], 4)).ok).toBe(true);
    expect((await open.take([charge], 5)).ok).toBe(false);
    expect(log.lines).toEqual([
      'warn the counters cannot be reached: calls go on uncounted until they answer again (state.redis.failOpen)',
      'info the counters answer again: limits are counted again',
    ]);
  });

  it('does not hide a failure to read usage (policy explain)', async () => {
    const { store, setDown } = flakyStore();
    setDown(true);
    await expect(new FailOpenLimitStore(store, recordingLog()).usage('k', 1_000, 1)).rejects.toThrow(/unreachable/);
  });
});
