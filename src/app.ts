import { isIP } from 'node:net';
import type { GatewayConfig } from './config/load.js';
import { startHttpFront, type HttpFront } from './downstream/http-front.js';
import { serveGatewayOnStdio } from './downstream/stdio-front.js';
import { Gateway } from './gateway.js';
import { createLogger, type Logger } from './log.js';

/** A started gateway with its HTTP front door. */
export interface RunningGateway {
  readonly gateway: Gateway;
  readonly http: HttpFront;
  stop(): Promise<void>;
}

/**
 * Starts the gateway behind an HTTP front door. Until grants exist, Toolgate serves local callers only, so it
 * refuses to listen on an address other than loopback.
 */
export async function startGateway(
  config: GatewayConfig,
  log: Logger = createLogger(config.log.level),
): Promise<RunningGateway> {
  assertLoopback(config.listen.host);
  const gateway = new Gateway(config, log);
  await gateway.start();
  let http: HttpFront;
  try {
    http = await startHttpFront(gateway);
  } catch (error) {
    await gateway.close();
    throw error;
  }
  log.info({ url: http.url, servers: gateway.servers() }, 'toolgate listening');
  return {
    gateway,
    http,
    async stop() {
      await http.close();
      await gateway.close();
    },
  };
}

/** Runs the gateway on stdin/stdout until the client disconnects. */
export async function runStdioGateway(
  config: GatewayConfig,
  log: Logger = createLogger(config.log.level),
): Promise<void> {
  const gateway = new Gateway(config, log);
  await gateway.start();
  try {
    await serveGatewayOnStdio(gateway);
  } finally {
    await gateway.close();
  }
}

function assertLoopback(host: string): void {
  const loopback = host === 'localhost' || (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';
  if (!loopback) {
    throw new Error(
      `Refusing to listen on ${host}: without grants Toolgate serves local callers only. Listen on 127.0.0.1 (the default).`,
    );
  }
}
