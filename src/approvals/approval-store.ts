import type { StateDb } from '../state/state-db.js';
import { newApprovalId, type Approval, type ApprovalStatus } from './approval.js';

/** What a new approval is made of. */
export type NewApproval = Pick<
  Approval,
  'grantId' | 'grantLabel' | 'serverId' | 'tool' | 'arguments' | 'fingerprint' | 'rule' | 'reason' | 'expiresAt'
>;

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
 * the gateway that holds the call. Implementations: SQLite (embedded); PostgreSQL later. Every implementation
 * passes test/contract/approval-store.contract.ts.
 */
export interface ApprovalStore {
  create(approval: NewApproval, now: number): Promise<Approval>;
  get(id: string): Promise<Approval | undefined>;
  /** Approvals newest first, optionally of one status. */
  list(status?: ApprovalStatus): Promise<Approval[]>;
  /**
   * The latest approval of a call (by fingerprint) that still matters: pending, approved and not yet run, or
   * denied/expired and not yet reported to the agent.
   */
  findOpen(fingerprint: string, now: number): Promise<Approval | undefined>;
  /** Approves or denies a pending approval; an approval is resolved once. */
  resolve(id: string, verdict: Verdict, by: string, reason: string | null, now: number): Promise<Resolution>;
  /** Marks an approved call as run; false when it already ran (so it runs exactly once). */
  consume(id: string, now: number): Promise<boolean>;
  /** Marks a denial or expiry as told to the agent. */
  markReported(id: string, now: number): Promise<void>;
  /** Expires pending approvals past their time; returns them. */
  expire(now: number): Promise<Approval[]>;
}

interface ApprovalRow {
  id: string;
  status: ApprovalStatus;
  grant_id: string | null;
  grant_label: string | null;
  server_id: string;
  tool: string;
  arguments: string;
  fingerprint: string;
  rule: string;
  reason: string | null;
  created_at: number;
  expires_at: number;
  decided_at: number | null;
  decided_by: string | null;
  decision_reason: string | null;
  consumed_at: number | null;
  reported_at: number | null;
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

  async create(approval: NewApproval, now: number): Promise<Approval> {
    const id = newApprovalId();
    const insert = this.#db.prepare(
      `INSERT INTO approvals (id, status, grant_id, grant_label, server_id, tool, arguments, fingerprint, rule, reason, created_at, expires_at)
       VALUES (?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    await this.#db.write(() =>
      insert.run(
        id,
        approval.grantId,
        approval.grantLabel,
        approval.serverId,
        approval.tool,
        JSON.stringify(approval.arguments ?? {}),
        approval.fingerprint,
        approval.rule,
        approval.reason,
        now,
        approval.expiresAt,
      ),
    );
    return (await this.get(id))!;
  }

  async get(id: string): Promise<Approval | undefined> {
    const row = this.#db.prepare<[string], ApprovalRow>('SELECT * FROM approvals WHERE id = ?').get(id);
    return row ? toApproval(row) : undefined;
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
      `UPDATE approvals SET status = ?, decided_at = ?, decided_by = ?, decision_reason = ?
       WHERE id = ? AND status = 'pending'`,
    );
    const { changes: changed } = await this.#db.write(() =>
      update.run(verdict === 'approve' ? 'approved' : 'denied', now, by, reason, id),
    );
    const approval = await this.get(id);
    if (!approval) return { kind: 'not_found' };
    return { kind: changed === 0 ? 'already_resolved' : 'resolved', approval };
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
      `UPDATE approvals SET status = 'expired', decided_at = expires_at
       WHERE status = 'pending' AND expires_at <= ? RETURNING *`,
    );
    return (await this.#db.write(() => update.all(now))).map(toApproval);
  }
}

function toApproval(row: ApprovalRow): Approval {
  return Object.freeze({
    id: row.id,
    status: row.status,
    grantId: row.grant_id,
    grantLabel: row.grant_label,
    serverId: row.server_id,
    tool: row.tool,
    arguments: JSON.parse(row.arguments) as unknown,
    fingerprint: row.fingerprint,
    rule: row.rule,
    reason: row.reason,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    decidedAt: row.decided_at,
    decidedBy: row.decided_by,
    decisionReason: row.decision_reason,
    consumedAt: row.consumed_at,
    reportedAt: row.reported_at,
  });
}
