import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditSink, AuditSinkStats } from '../audit/audit-sink.js';

/**
 * The gateway's Prometheus metrics, served on `/metrics`. One registry per gateway, so that tests and several
 * gateways in one process do not share counts. Label values are bounded by configuration (server ids, the
 * tools servers list, a closed set of decisions and outcomes), never by client input.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly toolCalls = new Counter({
    name: 'toolgate_tool_calls_total',
    help: 'Tool calls by decision and outcome, server and tool (tool is empty for unknown tools: client input never becomes a label).',
    labelNames: ['decision', 'outcome', 'server', 'tool'] as const,
    registers: [this.registry],
  });
  readonly gatewayOverhead = new Histogram({
    name: 'toolgate_gateway_overhead_seconds',
    help: "Time a tool call spent in the gateway itself: its whole time less the server's and an approver's.",
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [this.registry],
  });
  readonly serverTime = new Histogram({
    name: 'toolgate_server_request_seconds',
    help: 'Time servers took to answer tool calls.',
    labelNames: ['server'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60],
    registers: [this.registry],
  });
  readonly httpRefusals = new Counter({
    name: 'toolgate_http_refusals_total',
    help: 'HTTP requests refused before any MCP was read, by error code (GW_UNAUTHENTICATED, GW_FORBIDDEN_ORIGIN, GW_PAYLOAD_TOO_LARGE, GW_BAD_REQUEST, GW_UNKNOWN_SESSION).',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly definitionChanges = new Counter({
    name: 'toolgate_tool_definition_changes_total',
    help: 'Changes to pinned tool definitions this gateway recorded, by server and change (tool_changed, tool_added, tool_removed, instructions_changed, and change_accepted for acceptances made through its admin API).',
    labelNames: ['server', 'change'] as const,
    registers: [this.registry],
  });
  /** The sink the gateway's audit records also go to, to count calls and time them. */
  readonly auditSink: AuditSink;
  readonly pendingApprovals: Gauge;
  readonly serverUp: Gauge<'server'>;
  readonly serverSessions: Gauge<'server'>;
  readonly auditPending: Gauge;
  readonly auditDropped: Counter;

  /**
   * @param servers read at each scrape: every server's id and state.
   * @param pendingApprovals read at each scrape: how many approvals wait for a person.
   * @param auditStats read at each scrape: the audit trail's own sink, what it holds and what it lost.
   */
  constructor(
    servers: () => readonly { id: string; state: string; sessions: number }[],
    pendingApprovals: () => Promise<number>,
    auditStats: () => AuditSinkStats,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'toolgate_process_' });
    const { toolCalls, gatewayOverhead, serverTime, definitionChanges } = this;
    this.auditSink = {
      write(record) {
        if (record.method === 'toolgate/pinning') {
          definitionChanges.inc({ server: record.serverId ?? '', change: record.decision });
          return;
        }
        // Prompts, resource reads and completions are audited too, but are not tool calls.
        if (record.method !== 'tools/call') return;
        toolCalls.inc({
          decision: record.decision,
          outcome: record.outcome,
          server: record.serverId ?? '',
          tool: record.serverId === null ? '' : record.tool,
        });
        gatewayOverhead.observe(record.gatewayLatencyMs / 1000);
        if (record.serverId !== null && record.serverLatencyMs !== null) {
          serverTime.observe({ server: record.serverId }, record.serverLatencyMs / 1000);
        }
      },
      flush: async () => undefined,
      close: async () => undefined,
      stats: () => ({ written: 0, pending: 0, dropped: 0, failedBatches: 0 }),
    };
    // Computed when scraped rather than kept up to date: a gauge that is read from the source cannot drift.
    this.pendingApprovals = new Gauge({
      name: 'toolgate_approvals_pending',
      help: 'Approvals waiting for a person.',
      registers: [this.registry],
      async collect() {
        this.set(await pendingApprovals());
      },
    });
    this.auditPending = new Gauge({
      name: 'toolgate_audit_records_pending',
      help: 'Audit records held in memory, not stored yet: what a crash now would lose. It grows while the store fails or another process holds its lock.',
      registers: [this.registry],
      collect() {
        this.set(auditStats().pending);
      },
    });
    let dropped = 0;
    this.auditDropped = new Counter({
      name: 'toolgate_audit_records_dropped_total',
      help: 'Audit records lost: over audit.maxPending while the store failed, unencodable, or refused at shutdown.',
      registers: [this.registry],
      collect() {
        const now = auditStats().dropped;
        this.inc(now - dropped);
        dropped = now;
      },
    });
    this.serverUp = new Gauge({
      name: 'toolgate_server_up',
      help: '1 when the gateway is connected to the server, 0 when it is starting or down.',
      labelNames: ['server'] as const,
      registers: [this.registry],
      collect() {
        for (const server of servers()) this.set({ server: server.id }, server.state === 'up' ? 1 : 0);
      },
    });
    this.serverSessions = new Gauge({
      name: 'toolgate_server_sessions',
      help: 'Sessions open with each server: the one its catalog is listed on, and those of grants or clients with their own (see the server option "sessions").',
      labelNames: ['server'] as const,
      registers: [this.registry],
      collect() {
        for (const server of servers()) this.set({ server: server.id }, server.sessions);
      },
    });
  }
}
