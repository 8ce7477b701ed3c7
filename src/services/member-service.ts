import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { MEMBER_NAME, ROLES, type Member, type Role } from '../members/member.js';
import type { MemberStore } from '../members/member-store.js';
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from '../members/password.js';
import { ServiceError } from './service-error.js';
import type { ConsoleSession, ConsoleSessionStore, StartedSession } from '../members/console-session.js';

/** A new member, and the password made for them when none was given (shown once). */
export interface AddedMember {
  readonly member: Member;
  readonly madePassword?: string;
}

/**
 * The console's operators: added, listed, removed (`toolgate members`, the console's own page to come), and their
 * sign-in checked. The last admin cannot be removed: nobody could add one again but from the CLI.
 */
export class MemberService {
  readonly #store: MemberStore;
  readonly #clock: Clock;
  readonly #sessions: ConsoleSessionStore;

  constructor(store: MemberStore, clock: Clock, sessions: ConsoleSessionStore) {
    this.#store = store;
    this.#clock = clock;
    this.#sessions = sessions;
  }

  /** Signs a member in to the console: a new session, or undefined when the name and password prove no one. */
  async startSession(name: string, password: string, lifetimeMs: number): Promise<StartedSession | undefined> {
    const member = await this.signIn(name, password);
    return member && this.#sessions.start(member, this.#clock.now(), lifetimeMs);
  }

  /** The live session a cookie's token proves. */
  session(token: string): Promise<ConsoleSession | undefined> {
    return this.#sessions.find(token, this.#clock.now());
  }

  endSession(token: string): Promise<void> {
    return this.#sessions.end(token);
  }

  /** Forgets expired sessions. */
  sweepSessions(): Promise<number> {
    return this.#sessions.sweep(this.#clock.now());
  }

  /**
   * Adds a member with `password`, or with a new random one (returned, to be shown once).
   * @throws ServiceError `invalid` for a bad name, role or short password; `conflict` for a name taken.
   */
  async add(name: string, role: string, password?: string): Promise<AddedMember> {
    if (!MEMBER_NAME.test(name)) {
      throw new ServiceError(
        'invalid',
        `A member's name is 1 to 64 letters, digits, "_", ".", "@" or "-", starting with a letter or digit: got ${JSON.stringify(name)}`,
      );
    }
    if (!isRole(role))
      throw new ServiceError('invalid', `role: expected one of ${ROLES.join(', ')}; got ${JSON.stringify(role)}`);
    if (password !== undefined && [...password].length < MIN_PASSWORD_LENGTH) {
      throw new ServiceError('invalid', `A password has at least ${MIN_PASSWORD_LENGTH} characters`);
    }
    const madePassword = password === undefined ? randomBytes(18).toString('base64url') : undefined;
    const member: Member = { name, role, createdAt: this.#clock.now() };
    if (!(await this.#store.add(member, await hashPassword(password ?? madePassword!)))) {
      throw new ServiceError('conflict', `A member named "${name}" exists already`);
    }
    return madePassword === undefined ? { member } : { member, madePassword };
  }

  list(): Promise<Member[]> {
    return this.#store.list();
  }

  /** @throws ServiceError `not_found` for no such member; `conflict` for the last admin. */
  async remove(name: string): Promise<Member> {
    const found = await this.#store.find(name);
    if (!found) throw new ServiceError('not_found', `No member named "${name}"`);
    if (found.member.role === 'admin' && (await this.#store.count('admin')) === 1) {
      throw new ServiceError('conflict', `"${name}" is the last admin: add another admin first`);
    }
    await this.#store.remove(name);
    return found.member;
  }

  /** The member a name and password prove, if any. An unknown name costs a hash too, so timing does not tell it. */
  async signIn(name: string, password: string): Promise<Member | undefined> {
    const found = await this.#store.find(name);
    const ok = await verifyPassword(password, found?.passwordHash ?? UNKNOWN_MEMBER_HASH);
    return ok && found ? found.member : undefined;
  }
}

/** A hash no password can be expected to match, checked for unknown names so that they take as long. */
const UNKNOWN_MEMBER_HASH = `scrypt$65536$8$1$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(32).toString('base64url')}`;

function isRole(role: string): role is Role {
  return (ROLES as readonly string[]).includes(role);
}
