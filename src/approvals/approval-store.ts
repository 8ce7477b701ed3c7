import type { StateDb } from '../state/state-db.js';
import { newApprovalId, type Approval, type ApprovalStatus } from './approval.js';
import { NEW_APPROVAL_COLUMNS, newApprovalValues, secretsOf, toApproval, type ApprovalRow } from './approval-row.js';

/**
 * What a new approval is made of: the call's arguments masked, where they hide values, and those values (in the
 * order of `hidden`), kept while the approval is pending for an approver who asks to see them.
 */
export type NewApproval = Pick<
  Approval,
  | 'grantId'
  | 'grantLabel'
  | 'serverId'
  | 'tool'
  | 'arguments'
  | 'hidden'
  | 'fingerprint'
  | 'rule'
  | 'reason'
  | 'expiresAt'
> & { readonly secrets: readonly unknown[] };

/** How asking for a new approval came out: made, or refused because its grant has as many pending as it may. */
export type Creation =
  { readonly kind: 'created'; readonly approval: Approval } | { readonly kind: 'too_many_pending' };

/** How asking to see an approval's hidden values came out. */
export type Revelation =
  /** The values, in the order of `approval.hidden` (none when nothing is hidden); the look is recorded. */
  | { readonly kind: 'revealed'; readonly approval: Approval; readonly values: readonly unknown[] }
  /** It is no longer pending, and its hidden values were dropped when it was decided or expired. */
  | { readonly kind: 'dropped'; readonly approval: Approval }
  | { readonly kind: 'not_found' };

/** An approver's verdict on a pending approval. */
export type Verdict = 'approve' | 'deny';

/**
 * How resolving an approval came out. Not errors: an approver racing another approver, or an expiry, is an
 * ordinary answer that every surface (CLI, admin API) reports in its own way.
 */
export type Resolution =
  | { readonly kind: 'resolved'; readonly approval: Approval }
  /** Someone else resolved it first, or it expired: it is as `approval.status` says. */
  | { readonly kind: 'already_resolved'; readonly approval: Approval }
  | { readonly kind: 'not_found' };

/**
 * Where approvals live. The gateway, the CLI and the admin API share it, so a decision made anywhere is seen by
 * the gateway that holds the call. Implementations: SQLite (embedded, below) and
 * PostgreSQL (postgres-approval-store.ts, shared by replicas). Every implementation
 * passes test/contract/approval-store.contract.ts.
 */
export interface ApprovalStore {
  /**
   * Stores a new pending approval, unless its grant (or the local operator, for a null grant) already has
   * `maxPending` pending approvals that have not expired: counted and stored in one step, so that calls racing
   * each other cannot pass the bound together. When the same call (its fingerprint) already has a pending
   * approval (opened since the caller's findOpen, by another call or another replica), that one is answered
   * instead: one call, one approval, however many replicas hold it.
   */
  create(approval: NewApproval, now: number, maxPending: number): Promise<Creation>;
  get(id: string): Promise<Approval | undefined>;
  /** The approvals among `ids` that are no longer pending: one look at the store for every call held here. */
  settledAmong(ids: readonly string[]): Promise<Approval[]>;
  /**
   * The hidden values of a pending approval, recording that `by` looked at `now`. Values are kept only while an
   * approval is pending: deciding or expiring it drops them, keeping the masked copy.
   */
  reveal(id: string, by: string, now: number): Promise<Revelation>;
  /** Approvals newest first, optionally of one status. */
  list(status?: ApprovalStatus): Promise<Approval[]>;
  /**
   * The latest approval of a call (by fingerprint) that still matters: pending, approved and not yet run, or
   * denied/expired and not yet reported to the agent.
   */
  findOpen(fingerprint: string, now: number): Promise<Approval | undefined>;
  /** Approves or denies a pending approval, dropping its hidden values; an approval is resolved once. */
  resolve(id: string, verdict: Verdict, by: string, reason: string | null, now: number): Promise<Resolution>;
  /**
   * Moves a pending approval's expiry to `expiresAt` (an approver needs longer to decide); undefined when it is
   * not pending, or has expired already.
   */
  extend(id: string, expiresAt: number, now: number): Promise<Approval | undefined>;
  /** Marks an approved call as run; false when it already ran (so it runs exactly once). */
  consume(id: string, now: number): Promise<boolean>;
  /** Marks a denial or expiry as told to the agent. */
  markReported(id: string, now: number): Promise<void>;
  /** Expires pending approvals past their time, dropping their hidden values; returns them. */
  expire(now: number): Promise<Approval[]>;
}

/**
 * Approvals in the embedded SQLite state database. Each write waits for another process's lock as the database's
 * opener chose (StateDb.write): in the gateway on a timer, for up to `state.lockWaitMs`, then it rejects with a
 * StateLockedError; the event loop, and every other call, goes on meanwhile.
 */
export class SqliteApprovalStore implements ApprovalStore {
  readonly #db: StateDb;

  constructor(db: StateDb) {
    this.#db = db;
  }

  async create(approval: NewApproval, now: number, maxPending: number): Promise<Creation> {
    const id = newApprovalId();
    const insert = this.#db.prepare(
      `INSERT INTO approvals (id, status, created_at, ${NEW_APPROVAL_COLUMNS.join(', ')})
       SELECT ?, 'pending', ?, ${NEW_APPROVAL_COLUMNS.map(() => '?').join(', ')}
       WHERE (SELECT count(*) FROM approvals
              WHERE status = 'pending' AND grant_id IS ? AND expires_at > ?) < ?`,
    );
    const pending = this.#db.prepare<[string, number], { id: string }>(
      `SELECT id FROM approvals WHERE fingerprint = ? AND status = 'pending' AND expires_at > ?
       ORDER BY created_at DESC LIMIT 1`,
    );
    const created = await this.#db.write(() => {
      const open = pending.get(approval.fingerprint, now);
      if (open) return open.id;
      const { changes } = insert.run(id, now, ...newApprovalValues(approval), approval.grantId, now, maxPending);
      return changes === 0 ? undefined : id;
    });
    if (created === undefined) return { kind: 'too_many_pending' };
    return { kind: 'created', approval: (await this.get(created))! };
  }

  async get(id: string): Promise<Approval | undefined> {
    const row = this.#db.prepare<[string], ApprovalRow>('SELECT * FROM approvals WHERE id = ?').get(id);
    return row ? toApproval(row) : undefined;
  }

  async settledAmong(ids: readonly string[]): Promise<Approval[]> {
    if (ids.length === 0) return [];
    return this.#db
      .prepare<[string], ApprovalRow>(
        `SELECT * FROM approvals WHERE id IN (SELECT value FROM json_each(?)) AND status != 'pending'`,
      )
      .all(JSON.stringify(ids))
      .map(toApproval);
  }

  async reveal(id: string, by: string, now: number): Promise<Revelation> {
    await this.expire(now);
    // Recorded in the same step that reads the values: no look goes unrecorded.
    const update = this.#db.prepare<[string, number, string], ApprovalRow>(
      `UPDATE approvals SET reveals = json_insert(reveals, '$[#]', json_object('by', ?, 'at', ?))
       WHERE id = ? AND status = 'pending' AND secrets IS NOT NULL RETURNING *`,
    );
    const row = await this.#db.write(() => update.get(by, now, id));
    if (row) return { kind: 'revealed', approval: toApproval(row), values: secretsOf(row) };
    const approval = await this.get(id);
    if (!approval) return { kind: 'not_found' };
    return approval.hidden.length === 0 ? { kind: 'revealed', approval, values: [] } : { kind: 'dropped', approval };
  }

  async list(status?: ApprovalStatus): Promise<Approval[]> {
    const rows =
      status === undefined
        ? this.#db.prepare<[], ApprovalRow>('SELECT * FROM approvals ORDER BY created_at DESC, rowid DESC').all()
        : this.#db
            .prepare<[string], ApprovalRow>(
              'SELECT * FROM approvals WHERE status = ? ORDER BY created_at DESC, rowid DESC',
            )
            .all(status);
    return rows.map(toApproval);
  }

  async findOpen(fingerprint: string, now: number): Promise<Approval | undefined> {
    await this.expire(now);
    const row = this.#db
      .prepare<[string], ApprovalRow>(
        `SELECT * FROM approvals WHERE fingerprint = ? AND (
           status = 'pending'
           OR (status = 'approved' AND consumed_at IS NULL)
           OR (status IN ('denied', 'expired') AND reported_at IS NULL))
         ORDER BY created_at DESC, rowid DESC LIMIT 1`,
      )
      .get(fingerprint);
    return row ? toApproval(row) : undefined;
  }

  async resolve(id: string, verdict: Verdict, by: string, reason: string | null, now: number): Promise<Resolution> {
    await this.expire(now);
    const update = this.#db.prepare(
      `UPDATE approvals SET status = ?, decided_at = ?, decided_by = ?, decision_reason = ?, secrets = NULL
       WHERE id = ? AND status = 'pending'`,
    );
    const { changes: changed } = await this.#db.write(() =>
      update.run(verdict === 'approve' ? 'approved' : 'denied', now, by, reason, id),
    );
    const approval = await this.get(id);
    if (!approval) return { kind: 'not_found' };
    return { kind: changed === 0 ? 'already_resolved' : 'resolved', approval };
  }

  async extend(id: string, expiresAt: number, now: number): Promise<Approval | undefined> {
    const update = this.#db.prepare(
      `UPDATE approvals SET expires_at = ? WHERE id = ? AND status = 'pending' AND expires_at > ?`,
    );
    const { changes } = await this.#db.write(() => update.run(expiresAt, id, now));
    return changes === 1 ? this.get(id) : undefined;
  }

  async consume(id: string, now: number): Promise<boolean> {
    const update = this.#db.prepare(
      `UPDATE approvals SET consumed_at = ? WHERE id = ? AND status = 'approved' AND consumed_at IS NULL`,
    );
    return (await this.#db.write(() => update.run(now, id))).changes === 1;
  }

  async markReported(id: string, now: number): Promise<void> {
    const update = this.#db.prepare('UPDATE approvals SET reported_at = ? WHERE id = ? AND reported_at IS NULL');
    await this.#db.write(() => update.run(now, id));
  }

  async expire(now: number): Promise<Approval[]> {
    // A read first: the sweep runs every few seconds and on every held call, and an UPDATE takes the write lock
    // even when it changes nothing.
    const due = this.#db
      .prepare<[number], { due: number }>(
        `SELECT EXISTS (SELECT 1 FROM approvals WHERE status = 'pending' AND expires_at <= ?) AS due`,
      )
      .get(now);
    if (due?.due !== 1) return [];
    const update = this.#db.prepare<[number], ApprovalRow>(
      `UPDATE approvals SET status = 'expired', decided_at = expires_at, secrets = NULL
       WHERE status = 'pending' AND expires_at <= ? RETURNING *`,
    );
    return (await this.#db.write(() => update.all(now))).map(toApproval);
  }
}
