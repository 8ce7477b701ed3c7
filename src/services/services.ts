import type { ApprovalWaiters } from '../approvals/approval-queue.js';
import { SqliteApprovalStore } from '../approvals/approval-store.js';
import { SqliteAuditReader } from '../audit/sqlite-audit-reader.js';
import type { Clock } from '../clock.js';
import { SqliteGrantStore } from '../grants/grant-store.js';
import type { StateDb } from '../state/state-db.js';
import { ApprovalService } from './approval-service.js';
import { AuditService } from './audit-service.js';
import { GrantService } from './grant-service.js';

/** Everything an operator can do, whatever they do it from: the CLI, the admin API, the web console. */
export interface Services {
  readonly grants: GrantService;
  readonly approvals: ApprovalService;
  readonly audit: AuditService;
}

export interface ServiceOptions {
  readonly clock: Clock;
  /** The server ids the config names. */
  readonly serverIds: readonly string[];
  /** The calls waiting for approvals in this process (the gateway's ApprovalQueue); none in the CLI. */
  readonly waiters?: ApprovalWaiters;
}

/** The services over the embedded SQLite state database. */
export function sqliteServices(db: StateDb, options: ServiceOptions): Services {
  return {
    grants: new GrantService(new SqliteGrantStore(db), options.clock, options.serverIds),
    approvals: new ApprovalService(new SqliteApprovalStore(db), options.clock, options.waiters),
    audit: new AuditService(new SqliteAuditReader(db)),
  };
}
