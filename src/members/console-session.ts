import { hash, randomBytes } from 'node:crypto';
import type { StateDb } from '../state/state-db.js';
import type { Member, Role } from './member.js';

/** A member signed in to the console: the cookie proves it, the CSRF token goes with every change. */
export interface ConsoleSession {
  /** The member as stored now: a role changed or a member removed applies to the next request. */
  readonly member: Member;
  /** Sent back by the console in `x-csrf-token` on every change; a page of another site cannot read it. */
  readonly csrf: string;
  readonly expiresAt: number;
}

/** A new sign-in: the cookie's value (shown to the browser once) and the session it proves. */
export interface StartedSession {
  readonly token: string;
  readonly session: ConsoleSession;
}

/**
 * Where sign-ins live: shared by every process on the state, and by every replica. Only a hash of a
 * session's token is kept, as for grants. Implementations: SQLite (embedded); PostgreSQL
 * (postgres-console-session-store.ts), for several replicas. Removing a member ends their sessions.
 */
export interface ConsoleSessionStore {
  start(member: Member, now: number, lifetimeMs: number): Promise<StartedSession>;
  /** The live session a token proves; undefined for an unknown, expired or ended one. */
  find(token: string, now: number): Promise<ConsoleSession | undefined>;
  end(token: string): Promise<void>;
  /** Forgets expired sessions; how many. */
  sweep(now: number): Promise<number>;
}

/** A session joined with its member, as `find` reads it from every engine. */
export interface SessionRow {
  name: string;
  role: Role;
  member_created_at: number;
  csrf: string;
  expires_at: number;
}

export class SqliteConsoleSessionStore implements ConsoleSessionStore {
  readonly #db: StateDb;

  constructor(db: StateDb) {
    this.#db = db;
  }

  async start(member: Member, now: number, lifetimeMs: number): Promise<StartedSession> {
    const started = newSession(member, now, lifetimeMs);
    const { token, session } = started;
    const insert = this.#db.prepare(
      'INSERT INTO console_sessions (id_hash, member, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
    );
    await this.#db.write(() => insert.run(tokenHash(token), member.name, session.csrf, now, session.expiresAt));
    return started;
  }

  async find(token: string, now: number): Promise<ConsoleSession | undefined> {
    const row = this.#db
      .prepare<[Buffer, number], SessionRow>(
        `SELECT m.name, m.role, m.created_at AS member_created_at, s.csrf, s.expires_at
           FROM console_sessions s JOIN members m ON m.name = s.member
          WHERE s.id_hash = ? AND s.expires_at > ?`,
      )
      .get(tokenHash(token), now);
    return row && sessionOf(row);
  }

  async end(token: string): Promise<void> {
    const remove = this.#db.prepare('DELETE FROM console_sessions WHERE id_hash = ?');
    await this.#db.write(() => remove.run(tokenHash(token)));
  }

  async sweep(now: number): Promise<number> {
    const remove = this.#db.prepare('DELETE FROM console_sessions WHERE expires_at <= ?');
    const result = await this.#db.write(() => remove.run(now));
    return Number(result.changes);
  }
}

export function sessionOf(row: SessionRow): ConsoleSession {
  return {
    member: { name: row.name, role: row.role, createdAt: row.member_created_at },
    csrf: row.csrf,
    expiresAt: row.expires_at,
  };
}

/** A new session's token and CSRF token, drawn at random; what every store's `start` stores (by its hash). */
export function newSession(member: Member, now: number, lifetimeMs: number): StartedSession {
  const token = `tgc_${randomBytes(32).toString('base64url')}`;
  const csrf = randomBytes(24).toString('base64url');
  return { token, session: { member, csrf, expiresAt: now + lifetimeMs } };
}

/**
 * The key a session is stored under. A fast hash is enough: the token is 256 random bits, and it is looked up by
 * its hash, so no stored value is ever compared with what a browser sent.
 */
export function tokenHash(token: string): Buffer {
  return hash('sha256', token, 'buffer');
}
