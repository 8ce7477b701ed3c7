import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { localhostAllowedHostnames, validateHostHeader, validateOriginHeader } from '@modelcontextprotocol/server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { hostnameOf, listenHostnames } from '../config/listen-address.js';
import type { AdminConfig } from '../config/gateway-config.js';
import type { Logger } from '../observability/log.js';
import { createAdminApi } from './admin-api.js';
import type { AdminContext } from './admin-context.js';
import { consoleAssets } from './console-assets.js';
import { consoleSignIn } from './console-sign-in.js';
import type { AdminEnv } from './operator.js';

/** The largest request body the admin listener reads: a policy document with room to spare. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** How often expired console sign-ins are forgotten. */
const SWEEP_MS = 10 * 60_000;

export interface AdminListener {
  /** The console's URL, e.g. `http://127.0.0.1:8788/`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The admin listener: the web console and the admin API, on their own address and port (loopback by default),
 * apart from the agents' MCP endpoint, so that a network that reaches the agents' port need not reach this one.
 * Every request passes the Host and Origin checks (DNS rebinding) and a body limit; every response carries a
 * strict Content-Security-Policy (the console's own files only) and refuses to be framed.
 */
export async function startAdminListener(
  config: AdminConfig,
  port: number,
  context: AdminContext,
  log: Logger,
): Promise<AdminListener> {
  const allowedHosts = [
    ...localhostAllowedHostnames(),
    ...config.allowedHosts.map(hostnameOf),
    ...listenHostnames(config.host),
  ];
  const app = new Hono<AdminEnv>();
  app.use('*', async (c, next) => {
    const { headers } = c.env.incoming;
    const host = validateHostHeader(headers.host, allowedHosts);
    // A browser sends Origin with every change; it must be this listener's own (the console's page).
    const origin = host.ok ? validateOriginHeader(headers.origin, allowedHosts) : host;
    if (!origin.ok) {
      log.info({ path: c.req.path, remote: c.env.incoming.socket.remoteAddress }, origin.message);
      return c.json({ error: origin.message }, 403);
    }
    await next();
  });
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
      },
      referrerPolicy: 'no-referrer',
      crossOriginEmbedderPolicy: false,
      // Whether the console is reached over TLS is the proxy's to know; HSTS from here could pin a whole host.
      strictTransportSecurity: false,
    }),
  );
  app.use(
    '/admin/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => c.json({ error: `Request body larger than ${MAX_BODY_BYTES} bytes` }, 413),
    }),
  );
  const signIn = consoleSignIn({
    services: context.services,
    clock: context.clock,
    sessionMs: config.sessionMs,
    secureCookies: config.secureCookies,
    adminToken: config.token,
  });
  app.route('/admin/session', signIn.routes);
  app.route('/admin', createAdminApi(context, signIn.authenticate));
  app.route('/', consoleAssets());

  const sweep = setInterval(() => {
    context.services.members.sweepSessions().catch((error: unknown) => {
      log.warn({ err: (error as Error).message }, 'could not forget expired console sign-ins');
    });
  }, SWEEP_MS);
  sweep.unref();
  const server = await new Promise<ServerType>((resolve, reject) => {
    const started: ServerType = serve({ fetch: app.fetch, hostname: config.host, port }, () => resolve(started));
    started.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/`,
    async close() {
      clearInterval(sweep);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      (server as HttpServer).closeAllConnections();
      await closed;
    },
  };
}
