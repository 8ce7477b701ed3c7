import type { ApprovalWaiters } from '../approvals/approval-queue.js';
import type { AuditRecord } from '../audit/audit-record.js';
import type { AuditSink } from '../audit/audit-sink.js';
import type { Clock } from '../clock.js';
import type { LimitStore } from '../limits/limit-store.js';
import type { StateStores } from '../stores/state-stores.js';
import type { ConfigOutline } from '../config/load.js';
import type { Logger } from '../observability/log.js';
import { ApprovalService } from './approval-service.js';
import { AuditService } from './audit-service.js';
import { GrantService } from './grant-service.js';
import { MemberService } from './member-service.js';
import { PinService, type PinRefresh } from './pin-service.js';
import { InventoryService } from './inventory-service.js';
import type { Listings } from './server-listings.js';
import type { Namespacing } from '../catalog/namespacing.js';
import { classifyServers } from '../risk/classify-servers.js';
import { PolicyService } from './policy-service.js';
import { PolicyFileService } from './policy-file-service.js';
import { OperatorLog } from './operator-log.js';

/** Everything an operator can do, whatever they do it from: the CLI, the admin API, the web console. */
export interface Services {
  readonly grants: GrantService;
  readonly approvals: ApprovalService;
  readonly audit: AuditService;
  readonly policy: PolicyService;
  readonly pins: PinService;
  readonly members: MemberService;
  /** The policy files operators edit from the console, with their versions. */
  readonly policyFiles: PolicyFileService;
  /** Writes operators' changes to the audit trail, with who made them. */
  readonly operators: OperatorLog;
  /** Every tool, classified: where the servers' tools can be read (the running gateway's servers). */
  readonly inventory?: InventoryService;
}

/** Where the inventory reads the servers' tools, and the names clients see for them. */
interface ToolSource {
  readonly listings: () => Promise<Listings>;
  readonly namespacing: Namespacing;
}

export interface ServiceOptions {
  readonly clock: Clock;
  /** The config's file, policy and server ids. */
  readonly config: Pick<ConfigOutline, 'file' | 'policy' | 'serverIds' | 'pinning'>;
  /** The calls waiting for approvals in this process (the gateway's ApprovalQueue); none in the CLI. */
  readonly waiters?: ApprovalWaiters;
  /** The gateway's log, for what operators do through it (the admin API); none in the CLI. */
  readonly log?: Logger;
  /** The gateway's pins in this process (told of acceptances at once); none in the CLI. */
  readonly pins?: PinRefresh;
  /** The gateway's audit sink (its records also counted in its metrics); in the CLI, records go to the store. */
  readonly audit?: AuditSink;
  /** The gateway's servers, for the inventory; none in the CLI, which starts the servers itself. */
  readonly tools?: ToolSource;
  /** Told of each policy file saved from the console (the gateway reloads it at once); none in the CLI. */
  readonly policySaved?: (file: string) => void;
}

/**
 * The services over the state stores (SQLite or PostgreSQL) and the counters: `counters` opens the counters for
 * one read (`policy explain`), closed after.
 */
export function servicesOn(stores: StateStores, counters: () => LimitStore, options: ServiceOptions): Services {
  const { clock, config } = options;
  const grantService = new GrantService(stores.grants, clock, config.serverIds);
  const { tools } = options;
  const writeAudit = auditWriter(stores, options.audit);
  return {
    grants: grantService,
    approvals: new ApprovalService(stores.approvals, clock, options.waiters, options.log),
    audit: new AuditService(stores.auditReader),
    policy: new PolicyService(stores.grants, counters, clock, config),
    members: new MemberService(stores.members, clock, stores.consoleSessions),
    pins: new PinService(stores.pins, config.pinning, clock, writeAudit, options.pins),
    policyFiles: new PolicyFileService(stores.policyVersions, stores.grants, clock, config, options.policySaved),
    operators: new OperatorLog(writeAudit, clock),
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

/** Where operators' actions are audited: the gateway's sink, or (the CLI) the stores, written before it returns. */
function auditWriter(
  stores: StateStores,
  sink: AuditSink | undefined,
): (records: readonly AuditRecord[]) => Promise<void> {
  if (sink) return async (records) => records.forEach((record) => sink.write(record));
  return async (records) => {
    const failures: string[] = [];
    const logger = { warn: () => undefined, error: (_fields: object, message: string) => void failures.push(message) };
    const stored = stores.auditSink({ logger });
    for (const record of records) stored.write(record);
    try {
      await stored.flush();
    } finally {
      await stored.close();
    }
    if (failures.length > 0) throw new Error(`Could not store the audit record: ${failures.join('; ')}`);
  };
}
