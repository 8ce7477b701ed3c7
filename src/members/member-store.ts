import type { StateDb } from '../state/state-db.js';
import type { Member, Role } from './member.js';

/**
 * Where members live. The console (in the gateway) and `toolgate members` (another process) share it.
 * Implementations: SQLite (embedded); PostgreSQL (postgres-member-store.ts), for several replicas. Every
 * implementation passes test/contract/member-store.contract.ts.
 */
export interface MemberStore {
  /** Adds a member; false when the name is taken. */
  add(member: Member, passwordHash: string): Promise<boolean>;
  /** Every member, by name. */
  list(): Promise<Member[]>;
  /** A member and their password's hash, to check a sign-in. */
  find(name: string): Promise<{ readonly member: Member; readonly passwordHash: string } | undefined>;
  /** Removes a member; false when there was none. */
  remove(name: string): Promise<boolean>;
  /** How many members have the role. */
  count(role: Role): Promise<number>;
}

/** A row of the `members` table, as every engine returns it. */
export interface MemberRow {
  name: string;
  role: Role;
  password_hash: string;
  created_at: number;
}

/** Members in the embedded SQLite state database. */
export class SqliteMemberStore implements MemberStore {
  readonly #db: StateDb;

  constructor(db: StateDb) {
    this.#db = db;
  }

  async add(member: Member, passwordHash: string): Promise<boolean> {
    const insert = this.#db.prepare(
      'INSERT INTO members (name, role, password_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING',
    );
    const result = await this.#db.write(() => insert.run(member.name, member.role, passwordHash, member.createdAt));
    return Number(result.changes) === 1;
  }

  async list(): Promise<Member[]> {
    return this.#db.prepare<[], MemberRow>('SELECT * FROM members ORDER BY name').all().map(memberOf);
  }

  async find(name: string): Promise<{ member: Member; passwordHash: string } | undefined> {
    const row = this.#db.prepare<[string], MemberRow>('SELECT * FROM members WHERE name = ?').get(name);
    return row ? { member: memberOf(row), passwordHash: row.password_hash } : undefined;
  }

  async remove(name: string): Promise<boolean> {
    const remove = this.#db.prepare('DELETE FROM members WHERE name = ?');
    const result = await this.#db.write(() => remove.run(name));
    return Number(result.changes) === 1;
  }

  async count(role: Role): Promise<number> {
    return this.#db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM members WHERE role = ?').get(role)!.n;
  }
}

export function memberOf(row: MemberRow): Member {
  return { name: row.name, role: row.role, createdAt: row.created_at };
}
