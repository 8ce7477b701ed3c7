import type { PostgresDb, PostgresQueries } from '../state/postgres-db.js';
import { issueToken, newGrantId, parseToken, secretMatches, type Grant } from './grant.js';
import {
  GrantError,
  toGrant,
  type GrantChanges,
  type GrantRow,
  type GrantStore,
  type GrantWithToken,
  type NewGrant,
} from './grant-store.js';

/** An active grant as the gateway checks tokens against it. */
interface ActiveGrant {
  readonly grant: Grant;
  readonly secretHash: Buffer;
}

/** One read of the active grants, shared by the checks of one turn of the event loop. */
interface Look {
  /** This database's grant writes when the read was sent (see LOCAL_WRITES). */
  readonly localWrites: number;
  readonly byId: Promise<ReadonlyMap<string, ActiveGrant>>;
}

/**
 * Grant writes made through each database, by any store on it: a look sent before one of them may have missed
 * it, so the next check reads again even within the same turn (as the SQLite store does for its connection).
 */
const LOCAL_WRITES = new WeakMap<PostgresDb, number>();

/** The unique index that keeps a label to one active grant (postgres-schema.ts). */
const ACTIVE_LABEL_INDEX = 'grants_active_label';

/**
 * Grants in PostgreSQL, shared by every replica and by `toolgate grants`.
 *
 * Nothing is kept from one turn of the event loop to the next: a revocation or rotation committed by any replica
 * applies to every request sent after it. The first check in a turn reads the active grants, and the other
 * checks of that turn share the read: they arrived together, so no commit can be ordered between them (the
 * SQLite store's reasoning; there, a pragma says whether anything changed, here there is no such thing to ask).
 */
export class PostgresGrantStore implements GrantStore {
  readonly #db: PostgresDb;
  #look: Look | undefined;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async create(grant: NewGrant, now: number): Promise<GrantWithToken> {
    const id = newGrantId();
    const { token, secretHash } = issueToken(id);
    try {
      await this.#write((db) =>
        db.run(
          'INSERT INTO grants (id, label, secret_hash, policy, servers, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
          [id, grant.label, secretHash, grant.policy, grant.servers ? JSON.stringify(grant.servers) : null, now],
        ),
      );
    } catch (error) {
      throw labelTaken(error, grant.label, 'rotate or revoke it instead');
    }
    return { grant: (await this.find(id))!, token };
  }

  async update(labelOrId: string, changes: GrantChanges): Promise<Grant> {
    // Read and written in one transaction, the row locked: a concurrent revoke or update waits, then applies.
    const row = await this.#write(async (tx) => {
      const current = await requireActive(tx, labelOrId);
      const label = changes.label ?? current.label;
      const policy = changes.policy === undefined ? current.policy : changes.policy;
      const servers =
        changes.servers === undefined
          ? current.servers
          : changes.servers === null
            ? null
            : JSON.stringify(changes.servers);
      try {
        const [updated] = await tx.rows<GrantRow>(
          'UPDATE grants SET label = $1, policy = $2, servers = $3 WHERE id = $4 RETURNING *',
          [label, policy, servers, current.id],
        );
        return updated!;
      } catch (error) {
        throw labelTaken(error, label, 'choose another label');
      }
    });
    return toGrant(row);
  }

  async list(): Promise<Grant[]> {
    // No rowid here: two grants created in the same millisecond are listed by id.
    return (await this.#db.rows<GrantRow>('SELECT * FROM grants ORDER BY created_at, id')).map(toGrant);
  }

  async find(labelOrId: string): Promise<Grant | undefined> {
    const row = await activeRow(this.#db, labelOrId);
    return row ? toGrant(row) : undefined;
  }

  async rotate(labelOrId: string, now: number): Promise<GrantWithToken> {
    return this.#write(async (tx) => {
      const current = await requireActive(tx, labelOrId);
      const { token, secretHash } = issueToken(current.id);
      const [rotated] = await tx.rows<GrantRow>(
        'UPDATE grants SET secret_hash = $1, rotated_at = $2 WHERE id = $3 RETURNING *',
        [secretHash, now, current.id],
      );
      return { grant: toGrant(rotated!), token };
    });
  }

  async revoke(labelOrId: string, now: number): Promise<Grant> {
    return this.#write(async (tx) => {
      const current = await requireActive(tx, labelOrId);
      const [revoked] = await tx.rows<GrantRow>('UPDATE grants SET revoked_at = $1 WHERE id = $2 RETURNING *', [
        now,
        current.id,
      ]);
      return toGrant(revoked!);
    });
  }

  async authenticate(token: string): Promise<Grant | undefined> {
    const parsed = parseToken(token);
    if (!parsed) return undefined;
    const active = (await this.#activeGrants()).get(parsed.grantId);
    // Only hashes are compared, in constant time: the secret itself is never kept.
    return active && secretMatches(parsed.secret, active.secretHash) ? active.grant : undefined;
  }

  async hasActiveGrants(): Promise<boolean> {
    return (await this.#activeGrants()).size > 0;
  }

  /** The active grants: this turn's read, or a new one when this turn has none or a write came after it. */
  #activeGrants(): Promise<ReadonlyMap<string, ActiveGrant>> {
    const localWrites = LOCAL_WRITES.get(this.#db) ?? 0;
    const look = this.#look;
    if (look && look.localWrites === localWrites) return look.byId;
    // Forgotten at the end of this turn, read or not: a check in a later turn always reads again.
    if (!look) setImmediate(() => (this.#look = undefined));
    const byId = this.#readActive();
    this.#look = { localWrites, byId };
    return byId;
  }

  async #readActive(): Promise<ReadonlyMap<string, ActiveGrant>> {
    const rows = await this.#db.rows<GrantRow>('SELECT * FROM grants WHERE revoked_at IS NULL');
    return new Map(rows.map((row) => [row.id, { grant: toGrant(row), secretHash: row.secret_hash }]));
  }

  /** Runs a write in a transaction and, once it committed, has the next check read again. */
  async #write<T>(work: (tx: PostgresQueries) => Promise<T>): Promise<T> {
    const result = await this.#db.transaction(work);
    LOCAL_WRITES.set(this.#db, (LOCAL_WRITES.get(this.#db) ?? 0) + 1);
    return result;
  }
}

/**
 * The active grant with this id or label, locked for the rest of the transaction when `db` is one. An id that is
 * also another grant's label names the grant with that id.
 */
async function activeRow(db: PostgresQueries, labelOrId: string, lock = false): Promise<GrantRow | undefined> {
  const [row] = await db.rows<GrantRow>(
    `SELECT * FROM grants WHERE (id = $1 OR label = $1) AND revoked_at IS NULL
      ORDER BY id = $1 DESC LIMIT 1${lock ? ' FOR UPDATE' : ''}`,
    [labelOrId],
  );
  return row;
}

/** The active grant, locked until the transaction ends; GrantError 'not_found' when there is none. */
async function requireActive(tx: PostgresQueries, labelOrId: string): Promise<GrantRow> {
  const row = await activeRow(tx, labelOrId, true);
  if (!row) throw new GrantError('not_found', `No active grant labelled or numbered "${labelOrId}"`);
  return row;
}

/** The label is another active grant's: the unique index said so. Any other failure is passed on as it is. */
function labelTaken(error: unknown, label: string, advice: string): unknown {
  const { code, constraint } = error as { code?: string; constraint?: string };
  if (code !== '23505' || constraint !== ACTIVE_LABEL_INDEX) return error;
  return new GrantError('label_taken', `A grant labelled "${label}" already exists; ${advice}`);
}
