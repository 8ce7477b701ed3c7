import type { HttpBindings } from '@hono/node-server';
import type { Context, MiddlewareHandler } from 'hono';
import type { Role } from '../members/member.js';
import { roleMay, type Permission } from '../members/permission.js';
import type { OperatorChange, OperatorLog } from '../services/operator-log.js';

/** Who is acting through the admin API: a signed-in member, or a script with the admin token. */
interface Operator {
  /** The member's name; `admin-api` for the admin token. What the audit trail records as `actor`. */
  readonly name: string;
  readonly role: Role;
  readonly via: 'console' | 'token';
}

/** The admin API's Hono environment: authentication (the listener's) sets the operator before any route runs. */
export type AdminEnv = { Bindings: HttpBindings; Variables: { operator: Operator } };

/** Refuses the route unless the operator's role has `permission`. */
export function needs(permission: Permission): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    const { role } = c.get('operator');
    if (!roleMay(role, permission)) {
      return c.json(
        { error: `Forbidden: the ${role.replace('_', ' ')} role may not do this (needs "${permission}")` },
        403,
      );
    }
    await next();
  };
}

/**
 * Who an approval verdict, a reveal or an acceptance is recorded as. A script with the admin token may name the
 * person it acts for (`by`), kept apart from a member's name as `admin-api:<by>`.
 */
export function actorOf(c: Context<AdminEnv>, by?: unknown): string {
  const operator = c.get('operator');
  if (operator.via === 'console') return operator.name;
  return typeof by === 'string' && by !== '' ? `admin-api:${by}` : 'admin-api';
}

/**
 * Writes the operator's change to the audit trail, with them as its actor; `what` says it in words after their
 * name ("revoked grant \"ci\"").
 */
export function recordChange(
  c: Context<AdminEnv>,
  log: OperatorLog,
  change: { readonly action: OperatorChange['action']; readonly target: string; readonly what: string },
): Promise<void> {
  const actor = c.get('operator').name;
  return log.record({ actor, action: change.action, target: change.target, message: `${actor} ${change.what}` });
}

/** The body of a POST: none, or a JSON object; undefined for anything else. */
export async function objectBody(c: Context): Promise<Record<string, unknown> | undefined> {
  // Read whole rather than by Content-Length, which a chunked request does not send.
  const text = await c.req.text();
  if (text.trim() === '') return {};
  try {
    const body: unknown = JSON.parse(text);
    return typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** `{ [key]: value }`, or nothing when the value is absent. */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
