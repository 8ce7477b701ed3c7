import type { ApprovalGate } from '../approvals/approval-gate.js';
import type { AuditSink } from '../audit/audit-sink.js';
import type { CatalogService } from '../catalog/catalog-service.js';
import type { Clock } from '../clock.js';
import type { PolicyFiles } from '../config/policy-files.js';
import type { Logger } from '../observability/log.js';
import type { LimitStore } from '../limits/limit-store.js';
import type { SessionRegistry } from '../sessions/session-registry.js';
import type { UpstreamPool } from '../upstream/upstream-pool.js';
import type { AuditSettings } from './call-context.js';
import type { RequestBounds } from './request-bounds.js';

/** What the pipeline's steps use, built once by the composition root (src/app.ts). */
export interface PipelineDeps {
  /** bound: how long a name and how deep the arguments a request may send. */
  readonly bounds: RequestBounds;
  /** resolve: what a name leads to, for this caller. */
  readonly catalog: CatalogService;
  /** decide: the policy in force for a principal. */
  readonly policies: PolicyFiles;
  /** approve: a person's verdict. */
  readonly approvals: ApprovalGate;
  /** limit: counters charged by allowed calls. */
  readonly limits: LimitStore;
  /** forward: the servers. */
  readonly upstreams: UpstreamPool;
  /** Who has asked for which lists (to tell them when a list changes). */
  readonly sessions: SessionRegistry;
  /** audit: one record per call. */
  readonly audit: AuditSink;
  readonly auditSettings: AuditSettings;
  readonly clock: Clock;
  readonly log: Logger;
}
