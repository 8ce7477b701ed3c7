import { mkdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { toAuditJsonLine, type AuditRecord } from './audit-record.js';
import type { AuditSinkOptions } from './audit-sink.js';
import { BatchingAuditSink } from './batching-audit-sink.js';

/**
 * Audit records appended to a JSON Lines file, one record a line (the same lines as `toolgate audit export`),
 * for a SIEM's file shipper (Filebeat, Vector, Fluent Bit). The file is only ever appended to; rotate it with
 * the shipper's or logrotate's copytruncate.
 *
 * Each batch is one append followed by an fsync, so a stored batch survives a power loss too. An append that
 * fails part-way may leave a partial line, and its batch is appended again on the next attempt: after a failed
 * write, a record may appear twice (readers keep the first line of each decisionId) and a line may be cut.
 */
export class JsonlFileSink extends BatchingAuditSink<string> {
  readonly #file: string;
  #handle: Promise<FileHandle> | undefined;

  constructor(file: string, options: AuditSinkOptions) {
    super(options);
    this.#file = file;
  }

  protected encode(record: AuditRecord): string {
    return `${toAuditJsonLine(record)}\n`;
  }

  protected async storeBatch(batch: readonly string[]): Promise<void> {
    const handle = await this.#open();
    await handle.appendFile(batch.join(''), 'utf8');
    await handle.datasync();
  }

  protected async release(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    // A file that never opened has nothing to close.
    if (handle)
      await handle.then(
        (opened) => opened.close(),
        () => undefined,
      );
  }

  /** Opens the file on the first batch, not in the constructor, so that a sink nobody writes to creates nothing. */
  #open(): Promise<FileHandle> {
    if (this.#handle === undefined) {
      const opening = (async () => {
        mkdirSync(dirname(this.#file), { recursive: true });
        return open(this.#file, 'a');
      })();
      this.#handle = opening;
      // A failed open is tried again with the next batch.
      opening.catch(() => {
        if (this.#handle === opening) this.#handle = undefined;
      });
    }
    return this.#handle;
  }
}
