import type { PostgresDb } from '../state/postgres-db.js';
import {
  newSession,
  sessionOf,
  tokenHash,
  type ConsoleSession,
  type ConsoleSessionStore,
  type SessionRow,
  type StartedSession,
} from './console-session.js';
import type { Member } from './member.js';

/**
 * Console sign-ins in PostgreSQL, shared by every replica: a member signed in through one is signed in on all.
 * A removed member's sessions go with them (the schema's ON DELETE CASCADE).
 */
export class PostgresConsoleSessionStore implements ConsoleSessionStore {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async start(member: Member, now: number, lifetimeMs: number): Promise<StartedSession> {
    const started = newSession(member, now, lifetimeMs);
    const { token, session } = started;
    await this.#db.run(
      'INSERT INTO console_sessions (id_hash, member, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
      [tokenHash(token), member.name, session.csrf, now, session.expiresAt],
    );
    return started;
  }

  async find(token: string, now: number): Promise<ConsoleSession | undefined> {
    const [row] = await this.#db.rows<SessionRow>(
      `SELECT m.name, m.role, m.created_at AS member_created_at, s.csrf, s.expires_at
         FROM console_sessions s JOIN members m ON m.name = s.member
        WHERE s.id_hash = $1 AND s.expires_at > $2`,
      [tokenHash(token), now],
    );
    return row && sessionOf(row);
  }

  async end(token: string): Promise<void> {
    await this.#db.run('DELETE FROM console_sessions WHERE id_hash = $1', [tokenHash(token)]);
  }

  async sweep(now: number): Promise<number> {
    return this.#db.run('DELETE FROM console_sessions WHERE expires_at <= $1', [now]);
  }
}
