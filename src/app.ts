import { SqliteApprovalStore } from './approvals/approval-store.js';
import { startAuditRetention, type AuditRetention } from './audit/audit-retention.js';
import type { AuditSink } from './audit/audit-sink.js';
import { JsonlFileSink } from './audit/jsonl-file-sink.js';
import { SqliteAuditSink } from './audit/sqlite-audit-sink.js';
import { TeeAuditSink } from './audit/tee-audit-sink.js';
import type { GatewayConfig } from './config/load.js';
import { startHttpFront, type HttpFront } from './downstream/http-front.js';
import { serveGatewayOnStdio } from './downstream/stdio-front.js';
import { Gateway } from './gateway.js';
import { SqliteGrantStore, type GrantStore } from './grants/grant-store.js';
import type { Grant } from './grants/grant.js';
import { isLoopbackHost } from './listen-address.js';
import { createLogger, type Logger } from './log.js';
import { SqliteLimitStore } from './limits/sqlite-limit-store.js';
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
  const state = openState(config, log);
  try {
    if (!isLoopbackHost(config.listen.host) && !(await state.grants.hasActiveGrants())) {
      throw new Error(
        `Refusing to listen on ${config.listen.host}: no grant exists, so anyone who can reach it could use every server. ` +
          'Create one with `toolgate grants create`, or listen on 127.0.0.1 (the default).',
      );
    }
    const gateway = state.gateway();
    gateway.start();
    let http: HttpFront;
    try {
      http = await startHttpFront(gateway, state.grants);
    } catch (error) {
      await gateway.close();
      throw error;
    }
    log.info({ url: http.url, servers: gateway.servers().map((s) => s.id) }, 'toolgate listening');
    void gateway.settled().then(() => logReady(gateway, log));
    return {
      gateway,
      http,
      async stop() {
        await http.close();
        await gateway.close();
        await state.close();
      },
    };
  } catch (error) {
    await state.close();
    throw error;
  }
}

/**
 * Prepares the gateway for stdin/stdout, as the grant labelled `grantLabel` when one is given (its policy and
 * servers apply), else as the local user, and returns what serves it until the client disconnects. Everything
 * that can stop it from starting (the state database, the grant, the policy) fails here, before stdin is read,
 * so that the caller can still tell the client why.
 */
export async function openStdioGateway(
  config: GatewayConfig,
  grantLabel: string | undefined,
  log: Logger = createLogger(config.log.level),
): Promise<() => Promise<void>> {
  const state = openState(config, log);
  let gateway: Gateway | undefined;
  let grant: Grant | undefined;
  let started!: Gateway;
  try {
    grant = grantLabel === undefined ? undefined : await state.grants.find(grantLabel);
    if (grantLabel !== undefined && !grant) throw new Error(`No active grant labelled "${grantLabel}"`);
    gateway = state.gateway();
    gateway.start();
    started = gateway;
    void gateway.settled().then(() => logReady(started, log));
  } catch (error) {
    await gateway?.close();
    await state.close();
    throw error;
  }
  return async () => {
    try {
      await serveGatewayOnStdio(started, grant);
    } finally {
      await started.close();
      await state.close();
    }
  };
}

/**
 * One line once every server's first start has come out: which servers serve, and why the others do not. Each
 * server's own lines ("server up", "server down") say more as they happen.
 */
function logReady(gateway: Gateway, log: Logger): void {
  const servers = gateway.servers();
  const up = servers.filter((s) => s.state === 'up').map((s) => s.id);
  const down = servers
    .filter((s) => s.state !== 'up')
    .map((s) => ({ id: s.id, state: s.state, step: s.step, error: s.error }));
  log.info(
    { up, ...(down.length === 0 ? {} : { down }) },
    `toolgate ready: ${up.length} of ${servers.length} servers up`,
  );
}

/** The state a gateway keeps, and the one order it is closed in. */
interface OpenState {
  readonly grants: GrantStore;
  /** Builds the gateway on this state (throws when the config's policy does not load). */
  gateway(): Gateway;
  /** Stops retention, writes every counter event and audit record still buffered, then closes the database. */
  close(): Promise<void>;
}

function openState(config: GatewayConfig, log: Logger): OpenState {
  const db: StateDb = openStateDb(config.state.sqlite);
  const sinkOptions = {
    logger: log,
    batchSize: config.audit.batchSize,
    flushMs: config.audit.flushMs,
    maxPending: config.audit.maxPending,
  };
  const audit: AuditSink = config.audit.file
    ? new TeeAuditSink([new SqliteAuditSink(db, sinkOptions), new JsonlFileSink(config.audit.file, sinkOptions)])
    : new SqliteAuditSink(db, sinkOptions);
  const retention: AuditRetention | undefined =
    config.audit.retentionDays > 0
      ? startAuditRetention(db, { retentionDays: config.audit.retentionDays, logger: log })
      : undefined;
  const limits = new SqliteLimitStore(db, { logger: log });
  return {
    grants: new SqliteGrantStore(db),
    gateway: () =>
      new Gateway(config, log, {
        limits,
        approvals: new SqliteApprovalStore(db),
        audit,
      }),
    async close() {
      await retention?.stop();
      // After the gateway has closed, so that the calls it ended are counted and audited too.
      await limits.close();
      await audit.close();
      db.close();
    },
  };
}
