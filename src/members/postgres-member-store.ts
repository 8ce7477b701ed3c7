import type { PostgresDb } from '../state/postgres-db.js';
import type { Member, Role } from './member.js';
import { memberOf, type MemberRow, type MemberStore } from './member-store.js';

/** Members in PostgreSQL, shared by every replica's console and by `toolgate members`. */
export class PostgresMemberStore implements MemberStore {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async add(member: Member, passwordHash: string): Promise<boolean> {
    // ON CONFLICT rather than a read first: two replicas adding one name at once cannot both succeed.
    const added = await this.#db.run(
      'INSERT INTO members (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING',
      [member.name, member.role, passwordHash, member.createdAt],
    );
    return added === 1;
  }

  async list(): Promise<Member[]> {
    return (await this.#db.rows<MemberRow>('SELECT * FROM members ORDER BY name')).map(memberOf);
  }

  async find(name: string): Promise<{ member: Member; passwordHash: string } | undefined> {
    const [row] = await this.#db.rows<MemberRow>('SELECT * FROM members WHERE name = $1', [name]);
    return row ? { member: memberOf(row), passwordHash: row.password_hash } : undefined;
  }

  async remove(name: string): Promise<boolean> {
    return (await this.#db.run('DELETE FROM members WHERE name = $1', [name])) === 1;
  }

  async count(role: Role): Promise<number> {
    const [row] = await this.#db.rows<{ n: number }>('SELECT count(*) AS n FROM members WHERE role = $1', [role]);
    return row!.n;
  }
}
