import type { PostgresDb } from '../state/postgres-db.js';
import type { AuditPruner } from './audit-retention.js';

/** Rows deleted per statement: a short transaction, so that no replica's audit writes wait long behind it. */
const PRUNE_CHUNK = 1000;

/**
 * Prunes the audit trail in PostgreSQL. Every replica may run its own retention: a chunk skips the rows another
 * replica's prune is deleting (SKIP LOCKED) instead of waiting for them, and deleting never touches a seq that
 * a tail has yet to read past, so readers following the trail are not disturbed.
 */
export class PostgresAuditPruner implements AuditPruner {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async prune(before: number, signal?: AbortSignal): Promise<number> {
    let deleted = 0;
    for (;;) {
      const changes = await this.#db.run(
        `DELETE FROM audit_records WHERE seq IN
           (SELECT seq FROM audit_records WHERE time < $1 ORDER BY time LIMIT ${PRUNE_CHUNK} FOR UPDATE SKIP LOCKED)`,
        [Math.ceil(before)],
      );
      deleted += changes;
      if (changes < PRUNE_CHUNK || signal?.aborted) return deleted;
      await new Promise((resume) => setImmediate(resume));
    }
  }
}
