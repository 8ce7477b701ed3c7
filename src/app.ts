import type { GatewayConfig } from './config/load.js';
import { startHttpFront, type HttpFront } from './downstream/http-front.js';
import { serveGatewayOnStdio } from './downstream/stdio-front.js';
import { Gateway } from './gateway.js';
import { SqliteGrantStore, type GrantStore } from './grants/grant-store.js';
import { isLoopbackHost } from './listen-address.js';
import { SqliteCounterStore } from './pipeline/counter-store.js';
import { SqliteApprovalStore } from './approvals/approval-store.js';
import { createLogger, type Logger } from './log.js';
import { openStateDb, type StateDb } from './state/state-db.js';

/** A started gateway with its HTTP front door. */
export interface RunningGateway {
  readonly gateway: Gateway;
  readonly http: HttpFront;
  stop(): Promise<void>;
}

/**
 * Starts the gateway behind an HTTP front door. Beyond loopback every caller must prove a grant, so the gateway
 * refuses to listen there while no grant exists.
 */
export async function startGateway(
  config: GatewayConfig,
  log: Logger = createLogger(config.log.level),
): Promise<RunningGateway> {
  const state = openStateDb(config.state.sqlite);
  const grants = new SqliteGrantStore(state);
  try {
    if (!isLoopbackHost(config.listen.host) && !(await grants.hasActiveGrants())) {
      throw new Error(
        `Refusing to listen on ${config.listen.host}: no grant exists, so anyone who can reach it could use every server. ` +
          'Create one with `toolgate grants create`, or listen on 127.0.0.1 (the default).',
      );
    }
  } catch (error) {
    state.close();
    throw error;
  }
  let gateway: Gateway;
  try {
    gateway = new Gateway(config, log, {
      counters: new SqliteCounterStore(state),
      approvals: new SqliteApprovalStore(state),
    });
  } catch (error) {
    state.close();
    throw error;
  }
  await gateway.start();
  let http: HttpFront;
  try {
    http = await startHttpFront(gateway, grants);
  } catch (error) {
    await gateway.close();
    state.close();
    throw error;
  }
  log.info({ url: http.url, servers: gateway.servers() }, 'toolgate listening');
  return {
    gateway,
    http,
    async stop() {
      await http.close();
      await gateway.close();
      state.close();
    },
  };
}

/**
 * Runs the gateway on stdin/stdout until the client disconnects, as the grant labelled `grantLabel` when one is
 * given (its policy and servers apply), else as the local user.
 */
export async function runStdioGateway(
  config: GatewayConfig,
  grantLabel: string | undefined,
  log: Logger = createLogger(config.log.level),
): Promise<void> {
  const state: StateDb = openStateDb(config.state.sqlite);
  try {
    const grants: GrantStore = new SqliteGrantStore(state);
    const grant = grantLabel === undefined ? undefined : await grants.find(grantLabel);
    if (grantLabel !== undefined && !grant) throw new Error(`No active grant labelled "${grantLabel}"`);
    const gateway = new Gateway(config, log, {
      counters: new SqliteCounterStore(state),
      approvals: new SqliteApprovalStore(state),
    });
    await gateway.start();
    try {
      await serveGatewayOnStdio(gateway, grant);
    } finally {
      await gateway.close();
    }
  } finally {
    state.close();
  }
}
