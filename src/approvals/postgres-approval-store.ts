import type { PostgresDb } from '../state/postgres-db.js';
import { newApprovalId, type Approval, type ApprovalStatus } from './approval.js';
import { NEW_APPROVAL_COLUMNS, newApprovalValues, secretsOf, toApproval, type ApprovalRow } from './approval-row.js';
import type { ApprovalStore, Creation, NewApproval, Resolution, Revelation, Verdict } from './approval-store.js';
import { APPROVAL_CHANNEL } from './postgres-approval-signal.js';

/**
 * The first key of the advisory lock that create takes on a grant (the second is the grant's hash): replicas
 * creating approvals for one grant count its pending ones one after the other.
 */
const PENDING_LOCK = 0x7467_6170; // 'tgap'

/**
 * Approvals in PostgreSQL, shared by every gateway replica and the CLI. Each step that decides on what it reads is
 * one statement (an UPDATE's WHERE is checked again on the locked row), or holds a lock for its transaction, so
 * that replicas racing each other resolve an approval once, run its call once and keep a grant within its bound.
 *
 * Settling an approval (resolve, expire) notifies channel `toolgate_approvals` with its id in the same statement:
 * PostgreSQL delivers it when that commits, and a PostgresApprovalSignal on every replica wakes the calls waiting
 * there at once.
 */
export class PostgresApprovalStore implements ApprovalStore {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async create(approval: NewApproval, now: number, maxPending: number): Promise<Creation> {
    const values = [newApprovalId(), now, ...newApprovalValues(approval)];
    const [row] = await this.#db.transaction(async (tx) => {
      // Counting and inserting are two reads of the table: without the lock, two replicas could both count
      // maxPending - 1 and both insert. A null grant (the local operator) has a lock of its own.
      await tx.run('SELECT pg_advisory_xact_lock($1, hashtext($2))', [PENDING_LOCK, approval.grantId ?? '']);
      // The same call held on another replica may have opened its approval since this one looked: that one it is.
      const open = await tx.rows<ApprovalRow>(
        `SELECT * FROM approvals WHERE fingerprint = $1 AND status = 'pending' AND expires_at > $2
         ORDER BY created_at DESC, seq DESC LIMIT 1`,
        [approval.fingerprint, now],
      );
      if (open.length > 0) return open;
      return tx.rows<ApprovalRow>(
        `INSERT INTO approvals (id, status, created_at, ${NEW_APPROVAL_COLUMNS.join(', ')})
         SELECT $1, 'pending', $2, ${NEW_APPROVAL_COLUMNS.map((_, index) => `$${index + 3}`).join(', ')}
         WHERE (SELECT count(*) FROM approvals
                WHERE status = 'pending' AND grant_id IS NOT DISTINCT FROM $3 AND expires_at > $2) < $${values.length + 1}
         RETURNING *`,
        [...values, maxPending],
      );
    });
    return row ? { kind: 'created', approval: toApproval(row) } : { kind: 'too_many_pending' };
  }

  async get(id: string): Promise<Approval | undefined> {
    const [row] = await this.#db.rows<ApprovalRow>('SELECT * FROM approvals WHERE id = $1', [id]);
    return row ? toApproval(row) : undefined;
  }

  async settledAmong(ids: readonly string[]): Promise<Approval[]> {
    if (ids.length === 0) return [];
    const rows = await this.#db.rows<ApprovalRow>(
      `SELECT * FROM approvals WHERE id = ANY($1::text[]) AND status <> 'pending'`,
      [ids],
    );
    return rows.map(toApproval);
  }

  async reveal(id: string, by: string, now: number): Promise<Revelation> {
    await this.expire(now);
    // Recorded in the same statement that reads the values: no look goes unrecorded.
    const [row] = await this.#db.rows<ApprovalRow>(
      `UPDATE approvals SET reveals = (reveals::jsonb || jsonb_build_array(jsonb_build_object('by', $1::text, 'at', $2::bigint)))::text
       WHERE id = $3 AND status = 'pending' AND secrets IS NOT NULL RETURNING *`,
      [by, now, id],
    );
    if (row) return { kind: 'revealed', approval: toApproval(row), values: secretsOf(row) };
    const approval = await this.get(id);
    if (!approval) return { kind: 'not_found' };
    return approval.hidden.length === 0 ? { kind: 'revealed', approval, values: [] } : { kind: 'dropped', approval };
  }

  async list(status?: ApprovalStatus): Promise<Approval[]> {
    const rows =
      status === undefined
        ? await this.#db.rows<ApprovalRow>('SELECT * FROM approvals ORDER BY created_at DESC, seq DESC')
        : await this.#db.rows<ApprovalRow>(
            'SELECT * FROM approvals WHERE status = $1 ORDER BY created_at DESC, seq DESC',
            [status],
          );
    return rows.map(toApproval);
  }

  async findOpen(fingerprint: string, now: number): Promise<Approval | undefined> {
    await this.expire(now);
    const [row] = await this.#db.rows<ApprovalRow>(
      `SELECT * FROM approvals WHERE fingerprint = $1 AND (
         status = 'pending'
         OR (status = 'approved' AND consumed_at IS NULL)
         OR (status IN ('denied', 'expired') AND reported_at IS NULL))
       ORDER BY created_at DESC, seq DESC LIMIT 1`,
      [fingerprint],
    );
    return row ? toApproval(row) : undefined;
  }

  async resolve(id: string, verdict: Verdict, by: string, reason: string | null, now: number): Promise<Resolution> {
    await this.expire(now);
    // Only from pending, and only before its expiry (which another replica may not have swept yet): of two
    // approvers racing, the second finds it resolved.
    const [row] = await this.#db.rows<ApprovalRow>(
      `WITH resolved AS (
         UPDATE approvals SET status = $1, decided_at = $2, decided_by = $3, decision_reason = $4, secrets = NULL
         WHERE id = $5 AND status = 'pending' AND expires_at > $2 RETURNING *)
       SELECT resolved.*, pg_notify('${APPROVAL_CHANNEL}', resolved.id) AS notified FROM resolved`,
      [verdict === 'approve' ? 'approved' : 'denied', now, by, reason, id],
    );
    if (row) return { kind: 'resolved', approval: toApproval(row) };
    const approval = await this.get(id);
    return approval ? { kind: 'already_resolved', approval } : { kind: 'not_found' };
  }

  async extend(id: string, expiresAt: number, now: number): Promise<Approval | undefined> {
    const [row] = await this.#db.rows<ApprovalRow>(
      `UPDATE approvals SET expires_at = $1 WHERE id = $2 AND status = 'pending' AND expires_at > $3 RETURNING *`,
      [expiresAt, id, now],
    );
    return row ? toApproval(row) : undefined;
  }

  async consume(id: string, now: number): Promise<boolean> {
    // Two replicas claiming at once: the second UPDATE waits for the first's row lock, then finds consumed_at set.
    const changed = await this.#db.run(
      `UPDATE approvals SET consumed_at = $1 WHERE id = $2 AND status = 'approved' AND consumed_at IS NULL`,
      [now, id],
    );
    return changed === 1;
  }

  async markReported(id: string, now: number): Promise<void> {
    await this.#db.run('UPDATE approvals SET reported_at = $1 WHERE id = $2 AND reported_at IS NULL', [now, id]);
  }

  async expire(now: number): Promise<Approval[]> {
    // One statement that usually matches nothing: an UPDATE of no row locks nothing, so no read comes first.
    const rows = await this.#db.rows<ApprovalRow>(
      `WITH expired AS (
         UPDATE approvals SET status = 'expired', decided_at = expires_at, secrets = NULL
         WHERE status = 'pending' AND expires_at <= $1 RETURNING *)
       SELECT expired.*, pg_notify('${APPROVAL_CHANNEL}', expired.id) AS notified FROM expired`,
      [now],
    );
    return rows.map(toApproval);
  }
}
