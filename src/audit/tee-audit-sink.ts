import type { AuditRecord } from './audit-record.js';
import type { AuditSink, AuditSinkStats } from './audit-sink.js';

/**
 * Several sinks as one: each record goes to every sink (SQLite for `toolgate audit`, and a JSON Lines file for a
 * SIEM). Each sink batches, fails and recovers on its own.
 */
export class TeeAuditSink implements AuditSink {
  readonly #sinks: readonly AuditSink[];

  constructor(sinks: readonly AuditSink[]) {
    this.#sinks = sinks;
  }

  write(record: AuditRecord): void {
    for (const sink of this.#sinks) sink.write(record);
  }

  /** Stored where a sink can tell (the stores); only written to the others. True when every such sink stored it. */
  async writeStored(record: AuditRecord): Promise<boolean> {
    const waits: Promise<boolean>[] = [];
    for (const sink of this.#sinks) {
      if (sink.writeStored) waits.push(sink.writeStored(record));
      else sink.write(record);
    }
    return (await Promise.all(waits)).every(Boolean);
  }

  async flush(): Promise<void> {
    // Every sink is flushed even when one fails; the first failure is reported.
    const results = await Promise.allSettled(this.#sinks.map((sink) => sink.flush()));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async close(): Promise<void> {
    await Promise.all(this.#sinks.map((sink) => sink.close()));
  }

  /**
   * The worst of the sinks, so that the counts are of records, not of copies: written is the fewest any sink
   * stored, pending and dropped the most any sink holds or lost; failedBatches adds up.
   */
  stats(): AuditSinkStats {
    const all = this.#sinks.map((sink) => sink.stats());
    return {
      written: all.length === 0 ? 0 : Math.min(...all.map((stats) => stats.written)),
      pending: Math.max(0, ...all.map((stats) => stats.pending)),
      dropped: Math.max(0, ...all.map((stats) => stats.dropped)),
      failedBatches: all.reduce((sum, stats) => sum + stats.failedBatches, 0),
    };
  }
}
