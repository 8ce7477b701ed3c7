import { PostgresApprovalSignal } from '../approvals/postgres-approval-signal.js';
import { PostgresApprovalStore } from '../approvals/postgres-approval-store.js';
import { PostgresAuditPruner } from '../audit/postgres-audit-pruner.js';
import { PostgresAuditReader } from '../audit/postgres-audit-reader.js';
import { PostgresAuditSink } from '../audit/postgres-audit-sink.js';
import type { PostgresConfig } from '../config/gateway-config.js';
import { PostgresGrantStore } from '../grants/postgres-grant-store.js';
import { PostgresConsoleSessionStore } from '../members/postgres-console-session-store.js';
import { PostgresMemberStore } from '../members/postgres-member-store.js';
import type { Logger } from '../observability/log.js';
import { PostgresPinStore } from '../pinning/postgres-pin-store.js';
import { PostgresPolicyVersionStore } from '../policy/postgres-policy-version-store.js';
import { openPostgresDb, type PostgresDb } from '../state/postgres-db.js';
import type { StateStores } from './state-stores.js';

/**
 * The stores on the PostgreSQL database `state.postgres` names, its schema brought up to date first. With
 * `log` (the gateway), verdicts are also announced on a channel every replica listens to, so that a call waiting
 * on one replica wakes as soon as its approval is settled on another; a CLI command needs no such connection.
 */
export async function openPostgresStores(config: PostgresConfig, log?: Logger): Promise<StateStores> {
  const db = await openPostgresDb({ url: config.url, schema: config.schema, maxConnections: config.maxConnections });
  return postgresStores(db, log ? new PostgresApprovalSignal({ url: config.url }, log) : undefined);
}

/** The stores on an open PostgreSQL database; they own it (and the signal) and close it. */
function postgresStores(db: PostgresDb, approvalSignal?: PostgresApprovalSignal): StateStores {
  return {
    engine: 'postgres',
    location: db.address,
    grants: new PostgresGrantStore(db),
    approvals: new PostgresApprovalStore(db),
    ...(approvalSignal ? { approvalSignal } : {}),
    pins: new PostgresPinStore(db),
    members: new PostgresMemberStore(db),
    consoleSessions: new PostgresConsoleSessionStore(db),
    policyVersions: new PostgresPolicyVersionStore(db),
    auditReader: new PostgresAuditReader(db),
    auditSink: (options) => new PostgresAuditSink(db, options),
    auditPruner: new PostgresAuditPruner(db),
    async close() {
      await approvalSignal?.close();
      await db.close();
    },
  };
}
