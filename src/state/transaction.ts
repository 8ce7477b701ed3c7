/** What a binding offers for running a function in one transaction. */
export interface TransactionSteps {
  /** Runs BEGIN or COMMIT, with the binding's own error mapping. */
  exec(sql: 'BEGIN' | 'COMMIT'): void;
  rollback(): void;
  /** Whether a transaction is open; undefined when the binding cannot tell. */
  inTransaction(): boolean | undefined;
}

/**
 * `fn` wrapped in BEGIN … COMMIT, rolled back when it throws. SQLite rolls back by itself after some errors (a full
 * disk, say); rolling back again would throw "no transaction is active" and hide the error that matters. Where the
 * binding cannot tell whether a transaction is open, the rollback is tried and its own error dropped in favour of
 * the first.
 */
export function transactionOf<A extends unknown[]>(
  steps: TransactionSteps,
  fn: (...args: A) => void,
): (...args: A) => void {
  return (...args) => {
    steps.exec('BEGIN');
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
