/**
 * What a connection does when another one (a `toolgate` CLI command, a backup tool) holds the lock a statement
 * needs. SQLite's bindings are synchronous: a connection that waits for a lock inside SQLite (busy_timeout) stops
 * its whole thread, and in the gateway that thread serves every client.
 * - 'wait': SQLite waits for the lock, up to `lockWaitMs`, on the spot. For a short-lived process whose thread
 *   serves no one else: a CLI command.
 * - 'fail': a statement that meets a lock fails at once with SQLITE_BUSY, so the thread never stops on a lock;
 *   `StateDb.write` tries again on a timer, and write-behind queues (audit records, counter events) keep their
 *   rows and try again later. For the gateway.
 * Reads never wait in either mode while another connection writes: the database is in WAL mode.
 */
export type WhenLocked = 'wait' | 'fail';

/** How long a write waits for another connection's lock unless the opener says otherwise. */
export const DEFAULT_LOCK_WAIT_MS = 5_000;

/** The first pause before a locked write is tried again, and the longest: it doubles from one to the other. */
const FIRST_RETRY_MS = 5;
const LONGEST_RETRY_MS = 250;

/**
 * A write that found the state database locked by another connection for longer than it may wait. `file` and
 * `waitedMs` say which database and how long; `cause` is SQLite's last "database is locked".
 */
export class StateLockedError extends Error {
  override readonly name = 'StateLockedError';
  readonly file: string;
  readonly waitedMs: number;

  constructor(file: string, waitedMs: number, cause: unknown) {
    super(`the state database ${file} is locked by another process (waited ${waitedMs} ms for its write lock)`, {
      cause,
    });
    this.file = file;
    this.waitedMs = waitedMs;
  }
}

/**
 * True when `error` is SQLite's "database is locked": another connection holds the lock a statement needed
 * (SQLITE_BUSY and its extended codes, as both bindings name them). Waiting and trying again can cure it.
 */
export function isLockedError(error: unknown): boolean {
  if (error instanceof StateLockedError) return true;
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'));
}

/** How `StateDb.write` runs on one connection: see WhenLocked. */
export interface LockWait {
  readonly file: string;
  readonly whenLocked: WhenLocked;
  readonly lockWaitMs: number;
}

/**
 * Runs `write`, and on a 'fail' connection runs it again while another connection holds the lock, pausing on a
 * timer between attempts (5 ms, doubling to 250 ms) so that the event loop goes on; after `lockWaitMs` it throws
 * StateLockedError. On a 'wait' connection SQLite has already waited when a lock error comes out: it is thrown
 * as it is. Any other error is thrown at once.
 */
export async function writeWhenUnlocked<T>(wait: LockWait, write: () => T): Promise<T> {
  const started = performance.now();
  let pause = FIRST_RETRY_MS;
  for (;;) {
    try {
      return write();
    } catch (error) {
      if (wait.whenLocked === 'wait' || !isLockedError(error)) throw error;
      const waited = performance.now() - started;
      if (waited >= wait.lockWaitMs) throw new StateLockedError(wait.file, Math.round(waited), error);
      await new Promise((resume) => setTimeout(resume, Math.min(pause, wait.lockWaitMs - waited)));
      pause = Math.min(LONGEST_RETRY_MS, pause * 2);
    }
  }
}
