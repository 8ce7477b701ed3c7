import type { ApprovalSignal } from '../approvals/approval-signal.js';
import type { ApprovalStore } from '../approvals/approval-store.js';
import type { AuditReader } from '../audit/audit-reader.js';
import type { AuditSink, AuditSinkOptions } from '../audit/audit-sink.js';
import type { AuditPruner } from '../audit/audit-retention.js';
import type { GrantStore } from '../grants/grant-store.js';
import type { ConsoleSessionStore } from '../members/console-session.js';
import type { MemberStore } from '../members/member-store.js';
import type { PinStore } from '../pinning/pin-store.js';
import type { PolicyVersionStore } from '../policy/policy-version-store.js';

/**
 * Every store of the state Toolgate keeps beyond counters, on one engine: SQLite (one machine, the default) or
 * PostgreSQL (shared by replicas). The gateway and the CLI are built on this alone, so that they never know which.
 */
export interface StateStores {
  /** Which engine, and where it is (a file, or host:port/database without credentials): for messages. */
  readonly engine: 'sqlite' | 'postgres';
  readonly location: string;
  readonly grants: GrantStore;
  readonly approvals: ApprovalStore;
  /** Tells a waiting call at once that another process settled its approval; without it, calls look now and then. */
  readonly approvalSignal?: ApprovalSignal;
  readonly pins: PinStore;
  readonly members: MemberStore;
  readonly consoleSessions: ConsoleSessionStore;
  readonly policyVersions: PolicyVersionStore;
  readonly auditReader: AuditReader;
  /** A sink that writes audit records to this engine, in batches. */
  auditSink(options: AuditSinkOptions): AuditSink;
  /** Deletes old audit records, for retention (`audit.retentionDays`). */
  readonly auditPruner: AuditPruner;
  /**
   * Closes the connections the stores opened (PostgreSQL's pool); what the sinks hold must have been written
   * before. A SQLite database is closed by whoever opened it.
   */
  close(): Promise<void>;
}
