import { systemClock, type Clock } from '../clock.js';
import { isLockedError } from '../state/lock-wait.js';
import type { AuditLogger } from './audit-sink.js';

const DAY_MS = 24 * 60 * 60_000;
/** How often the retention schedule prunes, by default. */
const DEFAULT_AUDIT_PRUNE_INTERVAL_MS = 60 * 60_000;

/** Deletes old audit records from one store: SqliteAuditPruner, PostgresAuditPruner. */
export interface AuditPruner {
  /**
   * Deletes the audit records whose time is before `before` (epoch ms) and resolves with how many. Deletes in
   * bounded chunks, yielding between them, so that a first prune of a large trail neither stalls the gateway nor
   * holds up its audit writes; stops between chunks once `signal` is aborted (what is left goes at the next prune).
   */
  prune(before: number, signal?: AbortSignal): Promise<number>;
}

export interface AuditRetentionOptions {
  /** Records older than this many days are deleted. */
  readonly retentionDays: number;
  readonly logger: AuditLogger & { info(fields: object, message: string): void };
  /** How often to prune. Default one hour. */
  readonly intervalMs?: number;
  /** Whose `now` decides what is old; the system clock by default. */
  readonly clock?: Clock;
}

/** A running retention schedule. */
export interface AuditRetention {
  /** Stops the schedule; resolves once a prune under way has finished (close the database after). */
  stop(): Promise<void>;
}

/**
 * Prunes the audit trail now and then every `intervalMs`, keeping `retentionDays` days. The timer is unref'd;
 * a failed prune is logged and tried again at the next interval. A state database is pruned by SqliteAuditPruner.
 */
export function startAuditRetention(pruner: AuditPruner, options: AuditRetentionOptions): AuditRetention {
  const clock = options.clock ?? systemClock;
  const keepMs = options.retentionDays * DAY_MS;
  let running: Promise<void> = Promise.resolve();
  const stopped = new AbortController();
  const prune = () => {
    if (stopped.signal.aborted) return;
    running = running.then(async () => {
      try {
        const deleted = await pruner.prune(clock.now() - keepMs, stopped.signal);
        if (deleted > 0) options.logger.info({ deleted, retentionDays: options.retentionDays }, 'audit records pruned');
      } catch (error) {
        // Another process holding the lock longer than the wait is no fault: the next interval tries again.
        const level = isLockedError(error) ? 'warn' : 'error';
        options.logger[level]({ err: error }, 'audit retention failed to prune; it will try again');
      }
    });
  };
  prune();
  const timer = setInterval(prune, options.intervalMs ?? DEFAULT_AUDIT_PRUNE_INTERVAL_MS);
  timer.unref();
  return {
    stop: async () => {
      stopped.abort();
      clearInterval(timer);
      await running;
    },
  };
}
