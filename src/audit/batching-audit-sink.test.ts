import { afterEach, describe, expect, it, vi } from 'vitest';
import { recordingLogger, sampleRecord } from '../../test/contract/audit-sink.contract.js';
import type { AuditRecord } from './audit-record.js';
import type { AuditSinkOptions } from './audit-sink.js';
import { BatchingAuditSink } from './batching-audit-sink.js';

/** A sink over an array, whose store can be told to fail. */
class ArraySink extends BatchingAuditSink<string> {
  readonly stored: string[] = [];
  readonly batches: number[] = [];
  failing = false;
  released = 0;

  constructor(options: AuditSinkOptions) {
    super(options);
  }

  protected encode(record: AuditRecord): string {
    return record.requestId ?? '';
  }

  protected async storeBatch(batch: readonly string[]): Promise<void> {
    await Promise.resolve();
    if (this.failing) throw new Error('store down');
    this.batches.push(batch.length);
    this.stored.push(...batch);
  }

  protected release(): void {
    this.released++;
  }
}

const record = (requestId: string) => sampleRecord({ requestId });

describe('BatchingAuditSink', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('stores in batches of at most batchSize', async () => {
    const sink = new ArraySink({ logger: recordingLogger(), batchSize: 3, flushMs: 60_000 });
    for (let index = 0; index < 8; index++) sink.write(record(String(index)));
    await sink.flush();
    expect(sink.batches).toEqual([3, 3, 2]);
    expect(sink.stored).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
  });

  it('answers writeStored once the record is stored, storing the records of concurrent callers together', async () => {
    const sink = new ArraySink({ logger: recordingLogger(), batchSize: 100, flushMs: 60_000 });
    const waits = ['a', 'b', 'c'].map((id) => sink.writeStored(record(id)));
    sink.write(record('d'));
    // Not the flush timer (a minute away): a caller waiting is what stores the batch.
    expect(await Promise.all(waits)).toEqual([true, true, true]);
    expect(sink.stored).toEqual(['a', 'b', 'c', 'd']);
    expect(sink.batches).toEqual([4]);
  });

  it('answers writeStored false at the first failure, keeps the record and stores it later; false once closed', async () => {
    const sink = new ArraySink({ logger: recordingLogger(), batchSize: 100, flushMs: 1 });
    sink.failing = true;
    expect(await sink.writeStored(record('a'))).toBe(false);
    expect(sink.stats().pending).toBe(1);
    sink.failing = false;
    await sink.flush();
    expect(sink.stored).toEqual(['a']);
    await sink.close();
    expect(await sink.writeStored(record('b'))).toBe(false);
    expect(sink.stats().dropped).toBe(1);
  });

  it('keeps records while the store fails, retries with backoff, and stores them in order once it recovers', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const logger = recordingLogger();
    const sink = new ArraySink({ logger, batchSize: 2, flushMs: 5 });
    sink.failing = true;
    sink.write(record('a'));
    sink.write(record('b'));
    await expect(sink.flush()).rejects.toThrow('store down');
    sink.write(record('c'));
    // Failed twice at 0 ms (the flush, then the full batch's timer), then the delay doubles from 2 × flushMs: the
    // third attempt waits 20 ms (at 20), the fourth 40 (at 60), the fifth 80 (at 140).
    await vi.advanceTimersByTimeAsync(59);
    expect(sink.stats().failedBatches).toBe(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.stats().failedBatches).toBe(4);
    sink.failing = false;
    await vi.advanceTimersByTimeAsync(79);
    expect(sink.stored).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.stored).toEqual(['a', 'b', 'c']);
    expect(sink.stats()).toMatchObject({ written: 3, pending: 0, dropped: 0 });
    expect(logger.lines.at(-1)).toEqual({ level: 'warn', message: 'audit store recovered' });
    await sink.close();
  });

  it('drops new records beyond maxPending while the store fails, counts them, and says so once', async () => {
    const logger = recordingLogger();
    const sink = new ArraySink({ logger, batchSize: 2, flushMs: 60_000, maxPending: 4 });
    sink.failing = true;
    for (let index = 0; index < 10; index++) sink.write(record(String(index)));
    expect(sink.stats()).toMatchObject({ pending: 4, dropped: 6 });
    expect(logger.lines.filter((line) => /buffer is full/.test(line.message))).toHaveLength(1);
    sink.failing = false;
    await sink.close();
    expect(sink.stored).toEqual(['0', '1', '2', '3']);
  });

  it('on close, counts and reports what a failing store refused, and still releases', async () => {
    const logger = recordingLogger();
    const sink = new ArraySink({ logger });
    sink.failing = true;
    sink.write(record('a'));
    sink.write(record('b'));
    await expect(sink.close()).resolves.toBeUndefined();
    expect(sink.stats()).toMatchObject({ written: 0, pending: 0, dropped: 2 });
    expect(logger.lines.map((line) => line.message)).toContain(
      'audit store failed at close: queued audit records are lost',
    );
    expect(sink.released).toBe(1);
  });

  it('never throws from write, even when its logger does', () => {
    const throwing = {
      warn: () => {
        throw new Error('logger down');
      },
      error: () => {
        throw new Error('logger down');
      },
    };
    const sink = new ArraySink({ logger: throwing });
    void sink.close();
    expect(() => sink.write(record('late'))).not.toThrow();
    expect(sink.stats().dropped).toBe(1);
  });
});
