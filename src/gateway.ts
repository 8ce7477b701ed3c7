import type { ClientCapabilities, LoggingLevel, Notification, ProgressToken } from '@modelcontextprotocol/server';
import { ProtocolError } from '@modelcontextprotocol/server';
import { AggregatedCatalog } from './catalog/aggregate.js';
import { paginate } from './catalog/cursor.js';
import { EraBridge } from './downstream/era-bridge.js';
import { GatewayMetrics } from './metrics.js';
import type { CounterStore } from './pipeline/counter-store.js';
import { PolicyFiles } from './pipeline/policy-files.js';
import { approvalResult, limitRaceDecision, refusalResult, serverDidNotRun } from './pipeline/tool-call-outcome.js';
import type { CompiledPolicy } from './policy/compile-policy.js';
import { decide, isVisible, type Decision, type RequireApprovalDecision } from './policy/decide.js';
import { callFingerprint } from './approvals/approval.js';
import { ApprovalQueue } from './approvals/approval-queue.js';
import type { ApprovalStore } from './approvals/approval-store.js';
import { DEFAULT_REDACT_KEYS, redactArguments } from './audit/redact.js';
import type { Approval } from './approvals/approval.js';
import type { AuditSink } from './audit/audit-sink.js';
import { CallAudit, type AuditSettings } from './audit/call-audit.js';
import { TeeAuditSink } from './audit/tee-audit-sink.js';
import type { GatewayConfig } from './config/load.js';
import { GatewayError, GatewayErrorCode } from './errors.js';
import type { Logger } from './log.js';
import type { RawResult } from './raw-result.js';
import { capabilityKey, serverFacingCapabilities, type Caller } from './upstream/caller.js';
import { Upstream, type CatalogKind, type ServerHealth, type UpstreamListener } from './upstream/upstream.js';

/**
 * A connected client as the gateway sees it between calls: what it declared, and how to reach it with
 * notifications that no call caused (list_changed, resource updates, server logs).
 */
export interface ClientSession extends Caller {
  /** The minimum level of server log messages this client asked for (`logging/setLevel`); all when unset. */
  logLevel: LoggingLevel | undefined;
  /** Resource URIs this client subscribed to. */
  readonly subscriptions: Set<string>;
}

/** Options that travel with one forwarded request. */
export interface ForwardOptions {
  readonly signal: AbortSignal;
  /** The client's JSON-RPC request id, for the audit record. */
  readonly requestId?: string | number;
  /** The client's own progress token, if it asked for progress. */
  readonly progressToken?: ProgressToken;
  /**
   * A 2026-07-28 retry's answers to an `input_required` result, and the server's opaque state, both passed back
   * to the server untouched (the SDK lifts them out of the params before the gateway sees the request).
   */
  readonly retry?: { readonly inputResponses?: Record<string, unknown>; readonly requestState?: unknown };
}

/** How a held call came out: it may go on (with the stored approval, if an operator gave one), or it is answered. */
type HeldOutcome =
  | { readonly kind: 'approved'; readonly approval: Approval | undefined }
  | {
      readonly kind: 'refused';
      readonly status: 'denied' | 'expired' | 'pending';
      readonly approvalId: string | null;
      readonly result: RawResult;
    };

/** Marks a local caller whose config names no policy: every tool may be called. */
const UNRESTRICTED = Symbol('unrestricted');

/**
 * How often spent counter events are dropped, and the least they are kept: a policy loaded later (a grant's
 * first call) may have a window as long as a day and must find its counters whole.
 */
const PRUNE_INTERVAL_MS = 60_000;
const MIN_COUNTER_KEEP_MS = 24 * 60 * 60_000;

/** How often pending approvals past their time are marked expired. */
const APPROVAL_SWEEP_MS = 5_000;

/** How long a bridged call waits for its client to come back with an answer. */
const BRIDGE_IDLE_TIMEOUT_MS = 5 * 60_000;

/**
 * How many items one page of a list holds. SDK clients follow at most 64 pages by default, so a gateway in front
 * of servers with thousands of tools needs pages this large for those clients to see them all.
 */
const PAGE_SIZE = 500;

const LOG_LEVELS: readonly LoggingLevel[] = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
];

/** The most of one server's instructions passed on to clients: a server must not fill every client's context. */
const MAX_INSTRUCTIONS_CHARS = 8_192;

/** The list kinds whose changes clients are told about. */
export type ListKind = CatalogKind;

/**
 * The gateway: many servers behind, many client sessions in front, one aggregated MCP server in between. It
 * knows nothing of transports; the downstream layer turns MCP requests into calls on this object.
 */
export class Gateway implements UpstreamListener {
  readonly config: GatewayConfig;
  readonly log: Logger;
  readonly #upstreams: ReadonlyMap<string, Upstream>;
  /** Holds 2025-era servers' calls open for 2026-07-28 clients that answer their requests by retrying. */
  readonly eraBridge = new EraBridge(BRIDGE_IDLE_TIMEOUT_MS);
  readonly #sessions = new Map<string, ClientSession>();
  /** Aggregated catalogs by client capability key; dropped whenever a server's catalog changes. */
  #catalogs = new Map<string, Promise<AggregatedCatalog>>();
  /** Told when any list may have changed, for clients that are not sessions (2026-07-28 subscription streams). */
  readonly #listChangeListeners = new Set<(kinds: ReadonlySet<ListKind>) => void>();
  /** The lists each session has asked for: only those are worth a list_changed. */
  readonly #listed = new Map<string, Set<ListKind>>();

  readonly metrics: GatewayMetrics;
  readonly #counters: CounterStore;
  readonly #approvals: ApprovalQueue;
  readonly #audit: AuditSink;
  readonly #auditSettings: AuditSettings;
  readonly #policies: PolicyFiles;
  /** Which policy file each session's calls are decided by, to tell the right sessions when one changes. */
  readonly #sessionPolicies = new Map<string, string | null>();
  #pruneTimer: NodeJS.Timeout | undefined;
  #expiryTimer: NodeJS.Timeout | undefined;
  #started = false;
  /** True until every server's first start has come out. */
  #starting = true;

  /**
   * @param stores where rate-limit counters and approvals live.
   * The config's policy, if it names one, must load: the gateway does not start on a policy it cannot read.
   */
  constructor(
    config: GatewayConfig,
    log: Logger,
    stores: { counters: CounterStore; approvals: ApprovalStore; audit: AuditSink },
  ) {
    this.config = config;
    this.log = log;
    this.#counters = stores.counters;
    this.#auditSettings = {
      arguments: config.audit.arguments,
      redact: [...DEFAULT_REDACT_KEYS, ...config.audit.redact],
    };
    this.#approvals = new ApprovalQueue(stores.approvals, config.approvals, log);
    this.metrics = new GatewayMetrics(
      () => this.servers(),
      async () => (await stores.approvals.list('pending')).length,
    );
    // Metrics are read off the audit records: one per call, on every exit path, so the two always agree.
    this.#audit = new TeeAuditSink([stores.audit, this.metrics.auditSink]);
    this.#policies = new PolicyFiles(log, (file) => this.#policyChanged(file));
    if (config.policy !== null) this.#policies.require(config.policy);
    this.#upstreams = new Map(config.servers.map((server) => [server.id, new Upstream(server, this, log)]));
  }

  /**
   * Starts every server at once, in the background: the gateway serves clients from now on, and a server that
   * comes up later (or fails, and is retried) does not hold up the others.
   */
  start(): void {
    for (const upstream of this.#upstreams.values()) upstream.start();
    this.#started = true;
    void this.settled();
    // Counters older than any window are dead weight; dropping them now and then keeps memory flat.
    this.#pruneTimer = setInterval(
      () => this.#counters.prune(Date.now(), Math.max(MIN_COUNTER_KEEP_MS, this.#policies.longestWindowMs())),
      PRUNE_INTERVAL_MS,
    );
    this.#pruneTimer.unref();
    this.#expiryTimer = setInterval(() => void this.#approvals.expireDue(), APPROVAL_SWEEP_MS);
    this.#expiryTimer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.#pruneTimer);
    clearInterval(this.#expiryTimer);
    this.#policies.close();
    this.eraBridge.close();
    await Promise.all([...this.#upstreams.values()].map((upstream) => upstream.close()));
  }

  /** True once every server's first start has come out, up or down (a server that is down does not block it). */
  ready(): boolean {
    return this.#started && !this.#starting;
  }

  /** Resolves once every server's first start has come out, up or down. */
  async settled(): Promise<void> {
    await Promise.all([...this.#upstreams.values()].map((upstream) => upstream.settled()));
    this.#starting = false;
  }

  /** Each server's state, for /healthz, /readyz, metrics and the start-up log. */
  servers(): ServerHealth[] {
    return [...this.#upstreams.values()].map((upstream) => upstream.health());
  }

  /**
   * The instructions of the servers a client may use, each under a heading naming its server, for the gateway's
   * own initialize result (one server's instructions may name its tools, which clients see namespaced).
   */
  instructions(servers: readonly string[] | null | undefined): string | undefined {
    const parts: string[] = [];
    for (const upstream of this.#upstreams.values()) {
      if (servers && !servers.includes(upstream.id)) continue;
      const text = upstream.instructions?.trim();
      if (!text) continue;
      const bounded = text.length > MAX_INSTRUCTIONS_CHARS ? `${text.slice(0, MAX_INSTRUCTIONS_CHARS)}…` : text;
      parts.push(`## Server "${upstream.id}"\n\n${bounded}`);
    }
    return parts.length === 0 ? undefined : parts.join('\n\n');
  }

  openSession(session: ClientSession): void {
    this.#sessions.set(session.sessionId, session);
  }

  /** A client's roots changed: the servers on the connections its session uses are told (upstream.rootsChanged). */
  rootsChanged(sessionId: string): void {
    for (const upstream of this.#upstreams.values()) upstream.rootsChanged(sessionId);
  }

  closeSession(sessionId: string): void {
    const session = this.#sessions.get(sessionId);
    this.#sessions.delete(sessionId);
    this.#listed.delete(sessionId);
    this.#sessionPolicies.delete(sessionId);
    session?.subscriptions.clear();
    for (const upstream of this.#upstreams.values()) upstream.detach(sessionId);
  }

  // ---- tools ----

  async listTools(caller: Caller, cursor: string | undefined): Promise<RawResult> {
    const catalog = await this.#catalogFor(caller);
    this.#remember(caller, 'tools');
    const policy = this.#policyOf(caller);
    // Hidden tools vanish from the list; tools the policy denies by default stay listed and are refused when called.
    const tools =
      policy === UNRESTRICTED
        ? catalog.tools
        : catalog.tools.filter((tool) => {
            const route = catalog.routeTool(tool.name as string);
            return route !== undefined && isVisible(policy, route.serverId, route.name);
          });
    return this.#page(tools, cursor, 'tools');
  }

  /**
   * One tool call, start to end: resolve the tool, decide, hold for approval if asked, reserve the limits,
   * forward, then keep or give back what was reserved. Whichever way it ends, it writes exactly one audit record
   * (which also feeds the metrics) and logs its decision.
   */
  async callTool(caller: Caller, params: Record<string, unknown>, options: ForwardOptions): Promise<RawResult> {
    const name = String(params.name);
    const audit = new CallAudit(this.#audit, this.#auditSettings, {
      requestId: options.requestId ?? null,
      grant: caller.grant ? { id: caller.grant.id, label: caller.grant.label } : undefined,
      session: caller.sessionId,
      tool: name,
      arguments: params.arguments,
    });
    try {
      const result = await this.#runToolCall(caller, name, params, options, audit);
      audit.succeeded(result);
      return result;
    } catch (error) {
      audit.failed(error, options.signal);
      throw error;
    }
  }

  async #runToolCall(
    caller: Caller,
    name: string,
    params: Record<string, unknown>,
    options: ForwardOptions,
    audit: CallAudit,
  ): Promise<RawResult> {
    // The policy of the moment the call starts decides it, even if the file changes while it runs.
    const policy = this.#policyOf(caller);
    const catalog = await this.#catalogFor(caller);
    const route = catalog.routeTool(name);
    if (!route) {
      audit.unknownTool();
      throw unknownTool(name, this.#notListing(caller));
    }
    audit.routed(route.serverId, route.name);
    const forward = () =>
      audit.forward(() =>
        this.#forward(caller, route.serverId, 'tools/call', { ...params, name: route.name }, options),
      );
    if (policy === UNRESTRICTED) {
      audit.unrestricted();
      return forward();
    }

    const now = Date.now();
    const decision = decide(policy, {
      serverId: route.serverId,
      tool: route.name,
      arguments: params.arguments,
      ...(caller.grant ? { grant: { id: caller.grant.id, label: caller.grant.label } } : {}),
      sessionId: caller.sessionId,
      now,
      counters: this.#counters,
    });
    audit.decided(decision);
    this.#logDecision(caller, decision);
    // A hidden tool is answered exactly as a tool that does not exist.
    if (decision.effect === 'hide') throw unknownTool(name);
    if (decision.effect === 'deny') return refusalResult(decision);

    let approval: Approval | undefined;
    if (decision.effect === 'require_approval') {
      const held = await audit.approvalWait(() => this.#holdForApproval(caller, decision, params.arguments, options));
      if (held.kind === 'refused') {
        audit.approval(held.status, held.approvalId);
        return held.result;
      }
      approval = held.approval;
    }

    const reserved = this.#counters.reserve(decision.reservations, Date.now());
    if (!reserved.ok) {
      const refusal = limitRaceDecision(decision, reserved);
      audit.decided(refusal);
      // An approved call refused by a limit keeps its approval: the retry may still run once.
      return refusalResult(refusal);
    }
    if (approval) {
      // Marked used only now that the call will run, so that exactly one call runs per approval.
      if (!(await this.#approvals.claim(approval))) {
        this.#counters.release(reserved.hold);
        audit.approval('pending', approval.id);
        return approvalResult({ kind: 'pending', approval });
      }
      audit.approval('approved', approval.id);
    }
    try {
      const result = await forward();
      this.#counters.commit(reserved.hold);
      return result;
    } catch (error) {
      // Quota is given back only when the server certainly did not run the tool; a timeout may hide a call
      // that ran, so it keeps its charge.
      if (serverDidNotRun(error)) this.#counters.release(reserved.hold);
      else this.#counters.commit(reserved.hold);
      throw error;
    }
  }

  // ---- prompts ----

  async listPrompts(caller: Caller, cursor: string | undefined): Promise<RawResult> {
    const catalog = await this.#catalogFor(caller);
    this.#remember(caller, 'prompts');
    return this.#page(catalog.prompts, cursor, 'prompts');
  }

  async getPrompt(caller: Caller, params: Record<string, unknown>, options: ForwardOptions): Promise<RawResult> {
    const catalog = await this.#catalogFor(caller);
    const route = typeof params.name === 'string' ? catalog.routePrompt(params.name) : undefined;
    if (!route) throw new ProtocolError(INVALID_PARAMS, `Unknown prompt: ${String(params.name)}`);
    return this.#forward(caller, route.serverId, 'prompts/get', { ...params, name: route.name }, options);
  }

  // ---- resources ----

  async listResources(caller: Caller, cursor: string | undefined): Promise<RawResult> {
    const catalog = await this.#catalogFor(caller);
    this.#remember(caller, 'resources');
    return this.#page(catalog.resources, cursor, 'resources');
  }

  async listResourceTemplates(caller: Caller, cursor: string | undefined): Promise<RawResult> {
    const catalog = await this.#catalogFor(caller);
    return this.#page(catalog.resourceTemplates, cursor, 'resourceTemplates');
  }

  async readResource(caller: Caller, params: Record<string, unknown>, options: ForwardOptions): Promise<RawResult> {
    const serverId = await this.#resourceServer(caller, params.uri);
    return this.#forward(caller, serverId, 'resources/read', params, options);
  }

  async subscribe(session: ClientSession, params: Record<string, unknown>): Promise<RawResult> {
    const uri = String(params.uri);
    const serverId = await this.#resourceServer(session, uri);
    await this.#upstreams.get(serverId)!.subscribe(session, uri);
    session.subscriptions.add(uri);
    return {};
  }

  async unsubscribe(session: ClientSession, params: Record<string, unknown>): Promise<RawResult> {
    const uri = String(params.uri);
    if (!session.subscriptions.delete(uri)) return {};
    const serverId = await this.#resourceServer(session, uri);
    await this.#upstreams.get(serverId)!.unsubscribe(session, uri);
    return {};
  }

  // ---- completions and logging ----

  async complete(caller: Caller, params: Record<string, unknown>, options: ForwardOptions): Promise<RawResult> {
    const ref = (params.ref ?? {}) as Record<string, unknown>;
    const catalog = await this.#catalogFor(caller);
    if (ref.type === 'ref/prompt') {
      const route = typeof ref.name === 'string' ? catalog.routePrompt(ref.name) : undefined;
      if (!route) throw new ProtocolError(INVALID_PARAMS, `Unknown prompt: ${String(ref.name)}`);
      return this.#forward(
        caller,
        route.serverId,
        'completion/complete',
        { ...params, ref: { ...ref, name: route.name } },
        options,
      );
    }
    if (ref.type === 'ref/resource' && typeof ref.uri === 'string') {
      const serverId = catalog.routeTemplate(ref.uri) ?? catalog.routeResource(ref.uri);
      if (serverId === undefined) throw new ProtocolError(INVALID_PARAMS, `Unknown resource: ${ref.uri}`);
      return this.#forward(caller, serverId, 'completion/complete', params, options);
    }
    throw new ProtocolError(INVALID_PARAMS, 'completion/complete needs a ref of type ref/prompt or ref/resource');
  }

  /** Records the client's log level; servers always log to the gateway, which filters per client. */
  setLogLevel(session: ClientSession, level: LoggingLevel): void {
    session.logLevel = level;
  }

  // ---- what servers tell the gateway ----

  catalogChanged(upstream: Upstream, kinds: ReadonlySet<ListKind>): void {
    this.log.debug({ server: upstream.id, kinds: [...kinds] }, 'catalog changed');
    this.#catalogs = new Map();
    for (const session of this.#sessions.values()) {
      const listed = this.#listed.get(session.sessionId);
      for (const kind of kinds) {
        if (listed?.has(kind))
          void session.notify({ method: `notifications/${kind}/list_changed` }).catch(() => undefined);
      }
    }
    for (const listener of this.#listChangeListeners) listener(kinds);
  }

  /** Registers a function told which lists changed (for clients without a session). Returns its remover. */
  onListChanged(listener: (kinds: ReadonlySet<ListKind>) => void): () => void {
    this.#listChangeListeners.add(listener);
    return () => this.#listChangeListeners.delete(listener);
  }

  notification(upstream: Upstream, notification: Notification, audience: readonly Caller[]): void {
    const sessions = audience.length > 0 ? audience : [];
    if (notification.method === 'notifications/resources/updated') {
      const uri = notification.params?.uri;
      for (const session of this.#sessions.values()) {
        if (typeof uri === 'string' && session.subscriptions.has(uri))
          void session.notify(notification).catch(() => undefined);
      }
      return;
    }
    if (notification.method === 'notifications/message') {
      const level = notification.params?.level as LoggingLevel | undefined;
      for (const caller of sessions) {
        const session = this.#sessions.get(caller.sessionId);
        if (session && !allowsLevel(session.logLevel, level)) continue;
        void caller.notify(withLogger(notification, upstream.id)).catch(() => undefined);
      }
      return;
    }
    for (const caller of sessions) void caller.notify(notification).catch(() => undefined);
  }

  // ---- internals ----

  async #forward(
    caller: Caller,
    serverId: string,
    method: string,
    params: Record<string, unknown>,
    options: ForwardOptions,
  ): Promise<RawResult> {
    const upstream = this.#upstreams.get(serverId);
    if (!upstream) throw new GatewayError(GatewayErrorCode.Internal, `No server "${serverId}"`);
    const { progressToken } = options;
    // The client's progress token never reaches the server: the SDK puts its own on the request, and each
    // progress notification is sent back under the client's token.
    const { _meta: meta, ...rest } = params as { _meta?: Record<string, unknown> };
    const forwardedMeta = meta === undefined ? undefined : withoutProgressToken(meta);
    const { inputResponses, requestState } = options.retry ?? {};
    const forwarded = {
      ...rest,
      ...(forwardedMeta === undefined ? {} : { _meta: forwardedMeta }),
      ...(inputResponses === undefined ? {} : { inputResponses }),
      ...(requestState === undefined ? {} : { requestState }),
    };
    return upstream.request(caller, method, forwarded, {
      signal: options.signal,
      ...(progressToken === undefined
        ? {}
        : {
            onprogress: (progress) =>
              void caller
                .notify({ method: 'notifications/progress', params: { ...progress, progressToken } })
                .catch(() => undefined),
          }),
    });
  }

  #catalogFor(caller: Caller | undefined): Promise<AggregatedCatalog> {
    const capabilities = capabilityKey(caller ? serverFacingCapabilities(caller.capabilities) : {});
    const servers = caller?.grant?.servers;
    const key = servers ? `${capabilities}|${servers.join(',')}` : capabilities;
    let catalog = this.#catalogs.get(key);
    if (!catalog) {
      const generation = this.#catalogs;
      catalog = this.#aggregate(caller);
      generation.set(key, catalog);
      catalog.catch(() => generation.delete(key));
    }
    return catalog;
  }

  /** The servers a caller may use: all of them, or those its grant names. The others do not exist for it. */
  #visibleUpstreams(caller: Caller | undefined): Upstream[] {
    const all = [...this.#upstreams.values()];
    const allowed = caller?.grant?.servers;
    return allowed ? all.filter((upstream) => allowed.includes(upstream.id)) : all;
  }

  async #aggregate(caller: Caller | undefined): Promise<AggregatedCatalog> {
    const upstreams = this.#visibleUpstreams(caller);
    const catalogs = await Promise.all(upstreams.map((u) => u.catalogFor(caller)));
    return new AggregatedCatalog(
      upstreams.map((u, i) => ({ serverId: u.id, catalog: catalogs[i]! })),
      this.config.namespacing,
    );
  }

  /** The servers a caller may use that have never listed their tools: a tool unknown now may be one of theirs. */
  #notListing(caller: Caller): Upstream[] {
    return this.#visibleUpstreams(caller).filter((upstream) => !upstream.hasListed);
  }

  #page(items: readonly RawResult[], cursor: string | undefined, field: string): RawResult {
    const page = paginate(items, cursor, PAGE_SIZE);
    if (!page) throw new ProtocolError(INVALID_PARAMS, 'Invalid cursor');
    return page.nextCursor === undefined ? { [field]: page.page } : { [field]: page.page, nextCursor: page.nextCursor };
  }

  async #resourceServer(caller: Caller, uri: unknown): Promise<string> {
    if (typeof uri !== 'string') throw new ProtocolError(INVALID_PARAMS, 'uri must be a string');
    const catalog = await this.#catalogFor(caller);
    const serverId = catalog.routeResource(uri);
    if (serverId !== undefined) return serverId;
    // A resource no server listed may still be readable: with one server offering resources, ask it.
    const withResources = this.#visibleUpstreams(caller).filter(
      (u) => u.catalog.resources.length + u.catalog.resourceTemplates.length > 0,
    );
    if (withResources.length === 1) return withResources[0]!.id;
    throw new ProtocolError(RESOURCE_NOT_FOUND, `Resource not found: ${uri}`, { uri });
  }

  /** The approvals desk: approvers (admin API, CLI) decide through its store. */
  get approvals(): ApprovalQueue {
    return this.#approvals;
  }

  /**
   * Holds a call the policy wants a person to approve. Resolves with the approval when the call may go on, or with
   * the result the agent gets instead: denied (with the approver's reason), expired, or still pending (retry the
   * same call later; once approved, that retry runs exactly once).
   */
  async #holdForApproval(
    caller: Caller,
    decision: RequireApprovalDecision,
    args: unknown,
    options: ForwardOptions,
  ): Promise<HeldOutcome> {
    const shown = redactArguments(args ?? {}, { include: true, redactKeys: this.#auditSettings.redact }).value;
    if (decision.approver === 'client') return this.#askClient(caller, decision, shown, options.signal);
    const now = Date.now();
    const outcome = await this.#approvals.settle(
      {
        grantId: caller.grant?.id ?? null,
        grantLabel: caller.grant?.label ?? null,
        serverId: decision.serverId,
        tool: decision.tool,
        arguments: shown,
        fingerprint: callFingerprint(caller.grant?.id ?? null, decision.serverId, decision.tool, args),
        rule: decision.rule,
        reason: decision.reason,
        expiresAt: now + this.config.approvals.expireMs,
      },
      options.signal,
      (approval) => {
        if (options.progressToken === undefined) return;
        const message = `Waiting for a person to approve (approval ${approval.id})`;
        void caller
          .notify({
            method: 'notifications/progress',
            params: { progressToken: options.progressToken, progress: 0, message },
          })
          .catch(() => undefined);
      },
    );
    this.log.info({ approval: outcome.approval.id, outcome: outcome.kind, tool: decision.tool }, 'approval settled');
    if (outcome.kind === 'approved') return { kind: 'approved', approval: outcome.approval };
    return { kind: 'refused', status: outcome.kind, approvalId: outcome.approval.id, result: approvalResult(outcome) };
  }

  /**
   * Asks the person at the client, through MCP elicitation, where the policy says they approve (a single-user
   * setup). Never used where the policy names an operator.
   */
  async #askClient(
    caller: Caller,
    decision: RequireApprovalDecision,
    shown: unknown,
    signal: AbortSignal,
  ): Promise<HeldOutcome> {
    if (!caller.capabilities.elicitation) {
      const result = refusalResult({
        ...decision,
        message: `${decision.message} The policy asks the person at the client, and this client cannot ask (it does not support elicitation).`,
      });
      return { kind: 'refused', status: 'pending', approvalId: null, result };
    }
    const reason = decision.reason === null ? '' : `\n${decision.reason}`;
    const answer = await caller.request(
      {
        method: 'elicitation/create',
        params: {
          message: `Allow the tool "${decision.tool}" on server "${decision.serverId}" to run with these arguments?${reason}\n${JSON.stringify(shown, null, 2)}`,
          requestedSchema: { type: 'object', properties: {} },
        },
      },
      { signal },
    );
    if (answer.action === 'accept') return { kind: 'approved', approval: undefined };
    const message = `The person at the client did not approve the call to ${decision.tool}.`;
    return { kind: 'refused', status: 'denied', approvalId: null, result: refusalResult({ ...decision, message }) };
  }

  /**
   * The policy that decides a caller's calls: its grant's (null when the grant has none, or its file has never
   * loaded: then everything is denied), or for a local caller the config's; a local caller under a config that
   * names no policy may call everything.
   */
  #policyOf(caller: Caller): CompiledPolicy | null | typeof UNRESTRICTED {
    const file = caller.grant ? caller.grant.policy : this.config.policy;
    this.#sessionPolicies.set(caller.sessionId, file);
    if (file === null) return caller.grant ? null : UNRESTRICTED;
    return this.#policies.get(file);
  }

  #logDecision(caller: Caller, decision: Decision): void {
    this.log.info(
      {
        grant: caller.grant?.label ?? null,
        session: caller.sessionId,
        server: decision.serverId,
        tool: decision.tool,
        decision: decision.effect,
        rule: decision.rule,
        policyRevision: decision.policyRevision,
        ...(decision.shadow ? { shadowed: decision.shadowed.effect, shadowedRule: decision.shadowed.rule } : {}),
        ...(decision.effect === 'deny' ? { message: decision.message } : {}),
      },
      'decision',
    );
  }

  /** A policy file changed: the sessions it decides may see a different tool list. */
  #policyChanged(file: string): void {
    for (const [sessionId, policyFile] of this.#sessionPolicies) {
      if (policyFile !== file || !this.#listed.get(sessionId)?.has('tools')) continue;
      void this.#sessions
        .get(sessionId)
        ?.notify({ method: 'notifications/tools/list_changed' })
        .catch(() => undefined);
    }
  }

  #remember(caller: Caller, kind: ListKind): void {
    const listed = this.#listed.get(caller.sessionId) ?? new Set<ListKind>();
    listed.add(kind);
    this.#listed.set(caller.sessionId, listed);
  }
}

const INVALID_PARAMS = -32602;
const RESOURCE_NOT_FOUND = -32002;

/**
 * The unknown-tool error. When servers the caller may use have never listed their tools, the tool may be one of
 * theirs: the message names them and why, so that an agent (and its operator) can tell "no such tool" from "its
 * server is not serving yet".
 */
function unknownTool(name: string, notListing: readonly Upstream[] = []): ProtocolError {
  if (notListing.length === 0) return new ProtocolError(INVALID_PARAMS, `Unknown tool: ${name}`);
  const servers = notListing.map((upstream) => `"${upstream.id}" (${upstream.describe()})`).join(', ');
  return new ProtocolError(
    INVALID_PARAMS,
    `Unknown tool: ${name}. Servers that have not listed their tools yet: ${servers}.`,
  );
}

function withoutProgressToken(meta: Record<string, unknown>): Record<string, unknown> | undefined {
  const { progressToken: _dropped, ...rest } = meta;
  return Object.keys(rest).length === 0 ? undefined : rest;
}

function allowsLevel(minimum: LoggingLevel | undefined, level: LoggingLevel | undefined): boolean {
  if (minimum === undefined || level === undefined) return true;
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(minimum);
}

/** Names the server in a log message's `logger`, so the client can tell whose log it is. */
function withLogger(notification: Notification, serverId: string): Notification {
  const params = notification.params ?? {};
  const logger = typeof params.logger === 'string' ? `${serverId}/${params.logger}` : serverId;
  return { ...notification, params: { ...params, logger } };
}

export type { ClientCapabilities };
