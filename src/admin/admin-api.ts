import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono, type MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { bearerToken } from '../grants/authenticate.js';
import { ServiceError, type ServiceErrorCode } from '../services/service-error.js';
import type { AdminContext } from './admin-context.js';
import { approvalRoutes } from './approval-routes.js';
import { auditRoutes } from './audit-routes.js';
import { grantRoutes } from './grant-routes.js';
import { inventoryRoutes } from './inventory-routes.js';
import { memberRoutes } from './member-routes.js';
import type { AdminEnv } from './operator.js';
import { policyRoutes } from './policy-routes.js';

const STATUS_OF: Record<ServiceErrorCode, ContentfulStatusCode> = { not_found: 404, conflict: 409, invalid: 400 };

/**
 * The admin HTTP API, for the web console and for scripts: servers and tools, policies and their versions,
 * approvals, the audit trail, grants, pinned definitions and members. Every route calls the same services as the
 * CLI, and names the permission it needs (see members/permission.ts); `authenticate` (the listener's: a console
 * sign-in, or the admin token) says who the operator is before any route runs, so an agent's grant can never act
 * here, its own calls least of all. The one place a service's error becomes a status.
 */
export function createAdminApi(context: AdminContext, authenticate: MiddlewareHandler<AdminEnv>): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  app.onError((error, c) => {
    if (error instanceof ServiceError) return c.json({ error: error.message, ...error.details }, STATUS_OF[error.code]);
    throw error;
  });
  app.use('*', authenticate);
  app.route('/', inventoryRoutes(context));
  app.route('/approvals', approvalRoutes(context));
  app.route('/audit', auditRoutes(context));
  app.route('/grants', grantRoutes(context));
  app.route('/policies', policyRoutes(context));
  app.route('/members', memberRoutes(context));
  return app;
}

/** Authentication by the admin token alone (`Authorization: Bearer <admin.token>`): the admin role, for scripts. */
export function adminTokenAuthentication(adminToken: string): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    if (!bearerMatches(c.req.header('authorization'), adminToken)) {
      return c.json({ error: 'unauthorized: send Authorization: Bearer <admin token>' }, 401, {
        'WWW-Authenticate': 'Bearer realm="toolgate-admin"',
      });
    }
    c.set('operator', ADMIN_TOKEN_OPERATOR);
    await next();
  };
}

export const ADMIN_TOKEN_OPERATOR = { name: 'admin-api', role: 'admin', via: 'token' } as const;

/**
 * True when an Authorization header carries `Bearer <expected>`. Compared as digests, in constant time: neither
 * the content nor the length of the expected token leaks through timing.
 */
export function bearerMatches(header: string | undefined, expected: string): boolean {
  const token = bearerToken(header);
  return token !== undefined && timingSafeEqual(digest(token), digest(expected));
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
