import type { ApprovalWaiters } from '../approvals/approval-queue.js';
import { SqliteApprovalStore } from '../approvals/approval-store.js';
import { SqliteAuditReader } from '../audit/sqlite-audit-reader.js';
import type { Clock } from '../clock.js';
import type { ConfigOutline } from '../config/load.js';
import { SqliteGrantStore } from '../grants/grant-store.js';
import { SqliteLimitStore } from '../limits/sqlite-limit-store.js';
import type { Logger } from '../observability/log.js';
import type { StateDb } from '../state/state-db.js';
import { ApprovalService } from './approval-service.js';
import { AuditService } from './audit-service.js';
import { GrantService } from './grant-service.js';
import { InventoryService } from './inventory-service.js';
import type { Listings } from './server-listings.js';
import type { Namespacing } from '../catalog/namespacing.js';
import { classifyServers } from '../risk/classify-servers.js';
import { PolicyService } from './policy-service.js';

/** Everything an operator can do, whatever they do it from: the CLI, the admin API, the web console. */
export interface Services {
  readonly grants: GrantService;
  readonly approvals: ApprovalService;
  readonly audit: AuditService;
  readonly policy: PolicyService;
  /** Every tool, classified: where the servers' tools can be read (the running gateway's servers). */
  readonly inventory?: InventoryService;
}

/** Where the inventory reads the servers' tools, and the names clients see for them. */
export interface ToolSource {
  readonly listings: () => Promise<Listings>;
  readonly namespacing: Namespacing;
}

export interface ServiceOptions {
  readonly clock: Clock;
  /** The config's file, policy and server ids. */
  readonly config: Pick<ConfigOutline, 'file' | 'policy' | 'serverIds'>;
  /** The calls waiting for approvals in this process (the gateway's ApprovalQueue); none in the CLI. */
  readonly waiters?: ApprovalWaiters;
  /** The gateway's log, for what operators do through it (the admin API); none in the CLI. */
  readonly log?: Logger;
  /** The gateway's servers, for the inventory; none in the CLI, which starts the servers itself. */
  readonly tools?: ToolSource;
}

/** The services over the embedded SQLite state database. */
export function sqliteServices(db: StateDb, options: ServiceOptions): Services {
  const { clock, config } = options;
  const grants = new SqliteGrantStore(db);
  const grantService = new GrantService(grants, clock, config.serverIds);
  const { tools } = options;
  return {
    grants: grantService,
    approvals: new ApprovalService(new SqliteApprovalStore(db), clock, options.waiters, options.log),
    audit: new AuditService(new SqliteAuditReader(db)),
    policy: new PolicyService(grants, () => new SqliteLimitStore(db), clock, config),
    ...(tools === undefined
      ? {}
      : {
          inventory: new InventoryService({
            ...tools,
            classify: classifyServers,
            grants: grantService,
            localPolicy: config.policy,
            clock,
          }),
        }),
  };
}
