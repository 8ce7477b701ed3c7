/** What a binding offers for running a function in one transaction. */
export interface TransactionSteps {
  /** Runs BEGIN IMMEDIATE or COMMIT, with the binding's own error mapping. */
  exec(sql: 'BEGIN IMMEDIATE' | 'COMMIT'): void;
  rollback(): void;
  /** Whether a transaction is open; undefined when the binding cannot tell. */
  inTransaction(): boolean | undefined;
}

/**
 * `fn` wrapped in BEGIN IMMEDIATE … COMMIT, rolled back when it throws. IMMEDIATE takes the write lock before `fn`
 * runs, so that when another connection holds it, BEGIN fails (or waits) and no statement of `fn` does: a statement
 * that fails with SQLITE_BUSY stays half-run in libsql, which has no reset, and holds its connection's read
 * snapshot until it is run again, so every later read through that connection would miss other processes'
 * commits (a grant revoked by the CLI, say). A deferred BEGIN would also fail for good (SQLITE_BUSY_SNAPSHOT) when
 * `fn` reads before it writes and another connection commits in between. SQLite rolls back by itself after some errors (a full
 * disk, say); rolling back again would throw "no transaction is active" and hide the error that matters. Where the
 * binding cannot tell whether a transaction is open, the rollback is tried and its own error dropped in favour of
 * the first.
 */
export function transactionOf<A extends unknown[]>(
  steps: TransactionSteps,
  fn: (...args: A) => void,
): (...args: A) => void {
  return (...args) => {
    steps.exec('BEGIN IMMEDIATE');
    try {
      fn(...args);
      steps.exec('COMMIT');
    } catch (error) {
      const open = steps.inTransaction();
      if (open ?? true) {
        try {
          steps.rollback();
        } catch (rollbackError) {
          if (open !== undefined) throw rollbackError;
        }
      }
      throw error;
    }
  };
}

/** What `write` returns, run in one transaction of `db` (see transactionOf). */
export function inTransaction<T>(db: { transaction(fn: () => void): () => void }, write: () => T): T {
  let result: { value: T } | undefined;
  db.transaction(() => {
    result = { value: write() };
  })();
  return result!.value;
}
