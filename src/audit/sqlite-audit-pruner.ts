import type { StateDb } from '../state/state-db.js';
import type { AuditPruner } from './audit-retention.js';

/** Rows deleted per statement: small enough that the gateway's own audit writes never wait long for the lock. */
const PRUNE_CHUNK = 1000;

/**
 * Prunes the audit trail in the state database. Each chunk waits for another process's lock as the database's
 * opener chose (StateDb.write).
 */
export class SqliteAuditPruner implements AuditPruner {
  readonly #db: StateDb;

  constructor(db: StateDb) {
    this.#db = db;
  }

  async prune(before: number, signal?: AbortSignal): Promise<number> {
    const chunk = this.#db.prepare<[number]>(
      `DELETE FROM audit_records WHERE seq IN
         (SELECT seq FROM audit_records WHERE time < ? ORDER BY time LIMIT ${PRUNE_CHUNK})`,
    );
    let deleted = 0;
    for (;;) {
      const { changes } = await this.#db.write(() => chunk.run(before));
      deleted += changes;
      if (changes < PRUNE_CHUNK || signal?.aborted) return deleted;
      await new Promise((resume) => setImmediate(resume));
    }
  }
}
