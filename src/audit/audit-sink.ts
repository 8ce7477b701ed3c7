import type { AuditRecord } from './audit-record.js';

/**
 * Where audit records go. The gateway calls `write` once per tool call, on the call path, so a sink keeps
 * records in memory and stores them later, in batches. Implementations: SQLite (the default, queried by
 * `toolgate audit`), PostgreSQL (shared by replicas), a JSON Lines file (for a SIEM's file shipper). Every
 * implementation passes the contract suite in test/contract/audit-sink.contract.ts.
 */
export interface AuditSink {
  /**
   * Queues one record. Never throws and never waits for I/O, whatever state the store is in: a record that
   * cannot be kept (the sink is closed, its buffer is full, the record cannot be encoded) is dropped, counted in
   * `stats().dropped` and reported through the logger.
   */
  write(record: AuditRecord): void;
  /**
   * Writes one record as `write` does, and resolves once it is stored: true; or false when it was dropped, or when
   * the first attempt to store it failed (it stays queued and is retried; nobody waits through the retries). Never
   * rejects. Records written meanwhile, by other calls, are stored in the same batch. For the gateway's
   * `audit.acknowledge: "stored"`, which answers a call only once its record is stored. A sink without it (a
   * counter of records, say) is only written to.
   */
  writeStored?(record: AuditRecord): Promise<boolean>;
  /**
   * Stores every record written before the call. Rejects if the store fails; the records are then kept for the
   * next attempt (up to `maxPending`).
   */
  flush(): Promise<void>;
  /**
   * Stores everything still queued, then releases the sink's resources: after a clean shutdown nothing is lost.
   * Never rejects: records the store refuses at this point are dropped, counted and reported. Idempotent.
   */
  close(): Promise<void>;
  /** Counts since the sink was made, for metrics and health. */
  stats(): AuditSinkStats;
}

export interface AuditSinkStats {
  /** Records stored. */
  readonly written: number;
  /** Records queued, not stored yet: what a crash now would lose. */
  readonly pending: number;
  /** Records lost: written after close, over `maxPending` while the store failed, unencodable, or refused at close. */
  readonly dropped: number;
  /** Batches the store refused (each is retried, with backoff). */
  readonly failedBatches: number;
}

/** Where a sink reports its troubles; the gateway's pino logger fits. */
export interface AuditLogger {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface AuditSinkOptions {
  readonly logger: AuditLogger;
  /** Store a batch as soon as this many records are queued. Default 100. */
  readonly batchSize?: number;
  /** Store what is queued at most this long after the first record of a batch was written. Default 200 ms. */
  readonly flushMs?: number;
  /** While the store fails, keep at most this many records for the next attempt, then drop new ones. Default 10,000. */
  readonly maxPending?: number;
}

export const DEFAULT_AUDIT_BATCH_SIZE = 100;
export const DEFAULT_AUDIT_FLUSH_MS = 200;
export const DEFAULT_AUDIT_MAX_PENDING = 10_000;
