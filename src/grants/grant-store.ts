import type { StateDb } from '../state/state-db.js';
import { issueToken, newGrantId, parseToken, secretMatches, type Grant } from './grant.js';

/** What a new grant is made of. */
export interface NewGrant {
  readonly label: string;
  readonly policy: string | null;
  readonly servers: readonly string[] | null;
}

/** A grant with the one copy of its token that will ever be shown. */
export interface GrantWithToken {
  readonly grant: Grant;
  readonly token: string;
}

/** A failure the grant store reports to its caller (unknown label, duplicate label). */
export class GrantError extends Error {
  override readonly name = 'GrantError';
}

/**
 * Where grants live. The gateway reads it on every request, so an edit made by the CLI (create, rotate, revoke)
 * takes effect on the next call without a restart. Implementations: SQLite (embedded); PostgreSQL later, for
 * several replicas. Every implementation passes the contract suite in grant-store.contract.ts.
 */
export interface GrantStore {
  /** Creates a grant; the label must not belong to another active grant. */
  create(grant: NewGrant, now: number): Promise<GrantWithToken>;
  /** Every grant, revoked ones included (they stay for the record), oldest first. */
  list(): Promise<Grant[]>;
  /** The active grant with this label or id. */
  find(labelOrId: string): Promise<Grant | undefined>;
  /** Gives an active grant a new token; the old one stops working at once. */
  rotate(labelOrId: string, now: number): Promise<GrantWithToken>;
  /** Revokes an active grant; its token stops working at once. */
  revoke(labelOrId: string, now: number): Promise<Grant>;
  /** The active grant a bearer token proves, if any. */
  authenticate(token: string): Promise<Grant | undefined>;
  /** True when at least one grant is active: then every HTTP caller must present a token. */
  hasActiveGrants(): Promise<boolean>;
}

interface GrantRow {
  id: string;
  label: string;
  secret_hash: Buffer;
  policy: string | null;
  servers: string | null;
  created_at: number;
  rotated_at: number | null;
  revoked_at: number | null;
}

/** Grants in the embedded SQLite state database. */
export class SqliteGrantStore implements GrantStore {
  readonly #db: StateDb;
  // The gateway reads these on every request: prepared once, not per call.
  readonly #byId;
  readonly #anyActive;

  constructor(db: StateDb) {
    this.#db = db;
    this.#byId = db.prepare<[string], GrantRow>('SELECT * FROM grants WHERE id = ? AND revoked_at IS NULL');
    this.#anyActive = db.prepare('SELECT 1 FROM grants WHERE revoked_at IS NULL LIMIT 1');
  }

  async create(grant: NewGrant, now: number): Promise<GrantWithToken> {
    const id = newGrantId();
    const { token, secretHash } = issueToken(id);
    try {
      this.#db
        .prepare('INSERT INTO grants (id, label, secret_hash, policy, servers, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, grant.label, secretHash, grant.policy, grant.servers ? JSON.stringify(grant.servers) : null, now);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new GrantError(`A grant labelled "${grant.label}" already exists; rotate or revoke it instead`);
      }
      throw error;
    }
    return { grant: (await this.find(id))!, token };
  }

  async list(): Promise<Grant[]> {
    return this.#db.prepare<[], GrantRow>('SELECT * FROM grants ORDER BY created_at, rowid').all().map(toGrant);
  }

  async find(labelOrId: string): Promise<Grant | undefined> {
    const row = this.#activeRow(labelOrId);
    return row ? toGrant(row) : undefined;
  }

  async rotate(labelOrId: string, now: number): Promise<GrantWithToken> {
    const row = this.#requireActive(labelOrId);
    const { token, secretHash } = issueToken(row.id);
    this.#db.prepare('UPDATE grants SET secret_hash = ?, rotated_at = ? WHERE id = ?').run(secretHash, now, row.id);
    return { grant: (await this.find(row.id))!, token };
  }

  async revoke(labelOrId: string, now: number): Promise<Grant> {
    const row = this.#requireActive(labelOrId);
    this.#db.prepare('UPDATE grants SET revoked_at = ? WHERE id = ?').run(now, row.id);
    return toGrant({ ...row, revoked_at: now });
  }

  async authenticate(token: string): Promise<Grant | undefined> {
    const parsed = parseToken(token);
    if (!parsed) return undefined;
    const row = this.#byId.get(parsed.grantId);
    return row && secretMatches(parsed.secret, row.secret_hash) ? toGrant(row) : undefined;
  }

  async hasActiveGrants(): Promise<boolean> {
    return this.#anyActive.get() !== undefined;
  }

  #activeRow(labelOrId: string): GrantRow | undefined {
    return this.#db
      .prepare<[string, string], GrantRow>('SELECT * FROM grants WHERE (id = ? OR label = ?) AND revoked_at IS NULL')
      .get(labelOrId, labelOrId);
  }

  #requireActive(labelOrId: string): GrantRow {
    const row = this.#activeRow(labelOrId);
    if (!row) throw new GrantError(`No active grant labelled or numbered "${labelOrId}"`);
    return row;
  }
}

function toGrant(row: GrantRow): Grant {
  return Object.freeze({
    id: row.id,
    label: row.label,
    policy: row.policy,
    servers: row.servers === null ? null : Object.freeze(JSON.parse(row.servers) as string[]),
    createdAt: row.created_at,
    rotatedAt: row.rotated_at,
    revokedAt: row.revoked_at,
  });
}
