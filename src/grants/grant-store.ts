import type { StateDb } from '../state/state-db.js';
import { issueToken, newGrantId, parseToken, secretMatches, type Grant } from './grant.js';

/** What a new grant is made of. */
export interface NewGrant {
  readonly label: string;
  readonly policy: string | null;
  readonly servers: readonly string[] | null;
}

/** What `update` changes of a grant; what is absent stays as it is. The token never changes (see `rotate`). */
export interface GrantChanges {
  readonly label?: string;
  readonly policy?: string | null;
  readonly servers?: readonly string[] | null;
}

/** A grant with the one copy of its token that will ever be shown. */
export interface GrantWithToken {
  readonly grant: Grant;
  readonly token: string;
}

/** A failure the grant store reports to its caller: no such active grant, or a label another grant has. */
export class GrantError extends Error {
  override readonly name = 'GrantError';
  readonly code: 'not_found' | 'label_taken';

  constructor(code: 'not_found' | 'label_taken', message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * Where grants live. The gateway reads it on every request, so an edit made by the CLI (create, update, rotate, revoke),
 * in this process or another, takes effect for every request that arrives after it commits, without a restart.
 * (Requests that arrive together, in one turn of the event loop, may share one look at the store: none of them
 * can have been sent after a commit that the look did not see.) Implementations: SQLite (embedded); PostgreSQL
 * (postgres-grant-store.ts), for several replicas. Every implementation passes the contract suite in
 * grant-store.contract.ts.
 */
export interface GrantStore {
  /** Creates a grant; the label must not belong to another active grant. */
  create(grant: NewGrant, now: number): Promise<GrantWithToken>;
  /** Every grant, revoked ones included (they stay for the record), oldest first. */
  list(): Promise<Grant[]>;
  /** The active grant with this label or id. */
  find(labelOrId: string): Promise<Grant | undefined>;
  /** Changes an active grant's label, policy or servers, keeping its token. */
  update(labelOrId: string, changes: GrantChanges): Promise<Grant>;
  /** Gives an active grant a new token; the old one stops working at once. */
  rotate(labelOrId: string, now: number): Promise<GrantWithToken>;
  /** Revokes an active grant; its token stops working at once. */
  revoke(labelOrId: string, now: number): Promise<Grant>;
  /** The active grant a bearer token proves, if any. */
  authenticate(token: string): Promise<Grant | undefined>;
  /** True when at least one grant is active (else the gateway warns that it serves no HTTP client). */
  hasActiveGrants(): Promise<boolean>;
}

/** A row of the `grants` table, as every engine returns it. */
export interface GrantRow {
  id: string;
  label: string;
  secret_hash: Buffer;
  policy: string | null;
  servers: string | null;
  created_at: number;
  rotated_at: number | null;
  revoked_at: number | null;
}

/** An active grant as the gateway checks tokens against it. */
interface ActiveGrant {
  readonly grant: Grant;
  readonly secretHash: Buffer;
}

/** The active grants as read at one version of the database. */
interface ActiveGrants {
  /** `PRAGMA data_version` when they were read: it changes when another connection commits. */
  readonly dataVersion: number;
  /** This connection's own grant writes when they were read (see LOCAL_WRITES). */
  readonly localWrites: number;
  readonly byId: ReadonlyMap<string, ActiveGrant>;
}

/**
 * Grant writes made through each connection. `PRAGMA data_version` only changes for other connections' commits,
 * so a store must also notice writes made through its own connection, by itself or another store sharing it.
 */
const LOCAL_WRITES = new WeakMap<StateDb, number>();

/**
 * Grants in the embedded SQLite state database.
 *
 * The gateway checks a token on every request, so the active grants are kept in memory, and the first check in
 * each turn of the event loop asks SQLite whether the database changed since they were read (`PRAGMA
 * data_version`, which changes whenever another connection, such as the `toolgate grants` CLI in another
 * process, commits). A revocation or rotation therefore applies to every request sent after it: such a request
 * arrives in a later turn than any look that missed the commit. The pragma costs about what the cheapest SELECT
 * does (it is the read transaction, three system calls, that costs), but there is no row to read and decode;
 * once per turn rather than per request took 15% off the CPU the pipeline spends per call at 16 busy clients.
 * Any commit by another connection (an approval decided by the CLI, say) reloads the grants: they are few.
 */
export class SqliteGrantStore implements GrantStore {
  readonly #db: StateDb;
  // Prepared once, not per call: the gateway runs them on every request.
  readonly #dataVersion;
  readonly #allActive;
  #active: ActiveGrants | undefined;
  /** Whether `#active` was checked against the database in this turn of the event loop. */
  #checkedThisTurn = false;

  constructor(db: StateDb) {
    this.#db = db;
    this.#dataVersion = db.prepare<[], { data_version: number }>('PRAGMA data_version');
    this.#allActive = db.prepare<[], GrantRow>('SELECT * FROM grants WHERE revoked_at IS NULL');
  }

  async create(grant: NewGrant, now: number): Promise<GrantWithToken> {
    const id = newGrantId();
    const { token, secretHash } = issueToken(id);
    const insert = this.#db.prepare(
      'INSERT INTO grants (id, label, secret_hash, policy, servers, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    try {
      await this.#db.write(() =>
        insert.run(
          id,
          grant.label,
          secretHash,
          grant.policy,
          grant.servers ? JSON.stringify(grant.servers) : null,
          now,
        ),
      );
      this.#wrote();
    } catch (error) {
      throw labelTaken(error, grant.label, 'rotate or revoke it instead');
    }
    return { grant: (await this.find(id))!, token };
  }

  async update(labelOrId: string, changes: GrantChanges): Promise<Grant> {
    const row = this.#requireActive(labelOrId);
    const label = changes.label ?? row.label;
    const policy = changes.policy === undefined ? row.policy : changes.policy;
    const servers =
      changes.servers === undefined ? row.servers : changes.servers === null ? null : JSON.stringify(changes.servers);
    const update = this.#db.prepare('UPDATE grants SET label = ?, policy = ?, servers = ? WHERE id = ?');
    try {
      await this.#db.write(() => update.run(label, policy, servers, row.id));
      this.#wrote();
    } catch (error) {
      throw labelTaken(error, label, 'choose another label');
    }
    return (await this.find(row.id))!;
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
    const update = this.#db.prepare('UPDATE grants SET secret_hash = ?, rotated_at = ? WHERE id = ?');
    await this.#db.write(() => update.run(secretHash, now, row.id));
    this.#wrote();
    return { grant: (await this.find(row.id))!, token };
  }

  async revoke(labelOrId: string, now: number): Promise<Grant> {
    const row = this.#requireActive(labelOrId);
    const update = this.#db.prepare('UPDATE grants SET revoked_at = ? WHERE id = ?');
    await this.#db.write(() => update.run(now, row.id));
    this.#wrote();
    return toGrant({ ...row, revoked_at: now });
  }

  async authenticate(token: string): Promise<Grant | undefined> {
    const parsed = parseToken(token);
    if (!parsed) return undefined;
    const active = this.#activeGrants().get(parsed.grantId);
    // Only hashes are compared, in constant time: the secret itself is never kept.
    return active && secretMatches(parsed.secret, active.secretHash) ? active.grant : undefined;
  }

  async hasActiveGrants(): Promise<boolean> {
    return this.#activeGrants().size > 0;
  }

  /** The active grants, read again when anything may have changed them since the last read. */
  #activeGrants(): ReadonlyMap<string, ActiveGrant> {
    const localWrites = LOCAL_WRITES.get(this.#db) ?? 0;
    const cached = this.#active;
    // Requests that arrive in one turn of the event loop arrive together: no commit by another process can be
    // ordered between them, so one look at the database answers for all of them (at 16 busy clients, several).
    if (cached && this.#checkedThisTurn && cached.localWrites === localWrites) return cached.byId;
    const dataVersion = this.#dataVersion.get()!.data_version;
    if (!this.#checkedThisTurn) {
      this.#checkedThisTurn = true;
      setImmediate(() => (this.#checkedThisTurn = false));
    }
    if (cached && cached.dataVersion === dataVersion && cached.localWrites === localWrites) return cached.byId;
    const byId = new Map<string, ActiveGrant>();
    for (const row of this.#allActive.all()) byId.set(row.id, { grant: toGrant(row), secretHash: row.secret_hash });
    this.#active = { dataVersion, localWrites, byId };
    return byId;
  }

  #wrote(): void {
    LOCAL_WRITES.set(this.#db, (LOCAL_WRITES.get(this.#db) ?? 0) + 1);
  }

  #activeRow(labelOrId: string): GrantRow | undefined {
    return this.#db
      .prepare<[string, string], GrantRow>('SELECT * FROM grants WHERE (id = ? OR label = ?) AND revoked_at IS NULL')
      .get(labelOrId, labelOrId);
  }

  #requireActive(labelOrId: string): GrantRow {
    const row = this.#activeRow(labelOrId);
    if (!row) throw new GrantError('not_found', `No active grant labelled or numbered "${labelOrId}"`);
    return row;
  }
}

/** The label is another active grant's: the unique index said so. Any other failure is passed on as it is. */
function labelTaken(error: unknown, label: string, advice: string): unknown {
  if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') return error;
  return new GrantError('label_taken', `A grant labelled "${label}" already exists; ${advice}`);
}

export function toGrant(row: GrantRow): Grant {
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
