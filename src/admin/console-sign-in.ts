import { timingSafeEqual } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Clock } from '../clock.js';
import type { ConsoleSession } from '../members/console-session.js';
import { MEMBER_NAME } from '../members/member.js';
import { permissionsOf } from '../members/permission.js';
import type { Services } from '../services/services.js';
import { ADMIN_TOKEN_OPERATOR, bearerMatches } from './admin-api.js';
import { objectBody, type AdminEnv } from './operator.js';
import { SignInThrottle } from './sign-in-throttle.js';

/** The sign-in cookie. Its value is a session token; only its hash is stored (see console-session.ts). */
const COOKIE = 'toolgate_console';
/** Requests that change nothing; every other method must carry the session's CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Longest password checked: scrypt's cost grows with it, and no real password is longer. */
const MAX_PASSWORD_LENGTH = 1_024;

export interface ConsoleSignInOptions {
  readonly services: Services;
  readonly clock: Clock;
  readonly sessionMs: number;
  /** Mark the cookie Secure; null: when the request came over TLS (or from a TLS proxy on loopback). */
  readonly secureCookies: boolean | null;
  /** The admin token, which scripts may use on the admin listener too; null: none. */
  readonly adminToken: string | null;
}

type ListenerEnv = AdminEnv;

/**
 * Members' sign-in for the console: `POST /admin/session` checks the name and password (throttled, audited) and
 * sets an HttpOnly, SameSite=Strict cookie; `GET` says who is signed in and gives the CSRF token; `DELETE` signs
 * out. `authenticate` is the admin API's authentication on the admin listener: the cookie (and, for a change, the
 * `x-csrf-token` header matching the session's) or the admin token.
 */
export function consoleSignIn(options: ConsoleSignInOptions): {
  readonly routes: Hono<ListenerEnv>;
  readonly authenticate: MiddlewareHandler<ListenerEnv>;
} {
  const { services, clock } = options;
  const throttle = new SignInThrottle({ maxFailures: 10, windowMs: 15 * 60_000, maxInFlight: 4, maxKeys: 10_000 });
  const routes = new Hono<ListenerEnv>();

  routes.post('/', async (c) => {
    const body = await objectBody(c);
    const { name, password } = body ?? {};
    if (typeof name !== 'string' || typeof password !== 'string' || password.length > MAX_PASSWORD_LENGTH) {
      return c.json({ error: 'expected { "name": string, "password": string }' }, 400);
    }
    if (!MEMBER_NAME.test(name)) return refusedSignIn(c);
    const address = c.env.incoming.socket.remoteAddress ?? '';
    const now = clock.now();
    const allowed = throttle.begin(name, address, now);
    if (!allowed.ok) {
      const seconds = Math.ceil(allowed.retryAfterMs / 1_000);
      return c.json({ error: `Too many failed sign-ins: try again in ${seconds} s` }, 429, {
        'Retry-After': String(seconds),
      });
    }
    let started;
    try {
      started = await services.members.startSession(name, password, options.sessionMs);
    } finally {
      throttle.done(name, address, started !== undefined, clock.now());
    }
    if (!started) {
      await services.operators.record({
        actor: name,
        action: 'sign_in_refused',
        target: name,
        message: `A sign-in as ${name} from ${address} was refused: wrong name or password`,
        refused: true,
      });
      return refusedSignIn(c);
    }
    setCookie(c, COOKIE, started.token, {
      httpOnly: true,
      sameSite: 'Strict',
      secure: secure(c, options.secureCookies),
      path: '/',
      maxAge: Math.floor(options.sessionMs / 1_000),
    });
    await services.operators.record({
      actor: name,
      action: 'signed_in',
      target: name,
      message: `${name} signed in to the console from ${address}`,
    });
    return c.json(sessionJson(started.session));
  });
  routes.get('/', async (c) => {
    const session = await sessionOf(c);
    return session ? c.json(sessionJson(session)) : c.json({ error: 'not signed in' }, 401);
  });
  routes.delete('/', async (c) => {
    const token = getCookie(c, COOKIE);
    const session = token === undefined ? undefined : await services.members.session(token);
    if (!session || !csrfMatches(c.req.header('x-csrf-token'), session.csrf)) {
      return c.json({ error: 'not signed in' }, 401);
    }
    await services.members.endSession(token!);
    deleteCookie(c, COOKIE, { path: '/', secure: secure(c, options.secureCookies) });
    return c.json({});
  });

  const authenticate: MiddlewareHandler<ListenerEnv> = async (c, next) => {
    if (options.adminToken !== null && c.req.header('authorization') !== undefined) {
      if (!bearerMatches(c.req.header('authorization'), options.adminToken)) {
        return c.json({ error: 'unauthorized: the bearer token is not the admin token' }, 401);
      }
      c.set('operator', ADMIN_TOKEN_OPERATOR);
      return next();
    }
    const session = await sessionOf(c);
    if (!session) return c.json({ error: 'not signed in: sign in to the console, or send the admin token' }, 401);
    // The cookie goes with any request the browser makes, a forged one from another site included; the CSRF token
    // is only in the console's own page.
    if (!SAFE_METHODS.has(c.req.method) && !csrfMatches(c.req.header('x-csrf-token'), session.csrf)) {
      return c.json({ error: 'forbidden: missing or wrong x-csrf-token' }, 403);
    }
    c.set('operator', { name: session.member.name, role: session.member.role, via: 'console' });
    return next();
  };

  async function sessionOf(c: Context<ListenerEnv>): Promise<ConsoleSession | undefined> {
    const token = getCookie(c, COOKIE);
    return token === undefined || token.length > 200 ? undefined : services.members.session(token);
  }
  return { routes, authenticate };
}

function refusedSignIn(c: Context) {
  return c.json({ error: 'Wrong name or password' }, 401);
}

function sessionJson(session: ConsoleSession) {
  const { member } = session;
  return {
    member: { name: member.name, role: member.role },
    csrf: session.csrf,
    permissions: permissionsOf(member.role),
    expiresAt: new Date(session.expiresAt).toISOString(),
  };
}

function csrfMatches(sent: string | undefined, expected: string): boolean {
  if (sent === undefined) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Whether the cookie is Secure: as configured, else when the request came over TLS, or says so through a proxy
 * on this machine (`X-Forwarded-Proto: https` is believed from loopback only: anyone can send the header).
 */
function secure(c: Context<ListenerEnv>, configured: boolean | null): boolean {
  if (configured !== null) return configured;
  const socket = c.env.incoming.socket as { encrypted?: boolean; remoteAddress?: string };
  if (socket.encrypted === true) return true;
  const loopback = /^(127\.|::1$|::ffff:127\.)/.test(socket.remoteAddress ?? '');
  return loopback && c.req.header('x-forwarded-proto') === 'https';
}
