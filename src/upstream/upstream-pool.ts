import type { GatewayConfig } from '../config/load.js';
import { ErrorCode, GatewayError } from '../errors.js';
import type { Logger } from '../observability/log.js';
import { canSee, type Principal } from '../grants/principal.js';
import type { RawResult } from '../raw-result.js';
import type { Caller, ForwardOptions } from './caller.js';
import type { Clock } from '../clock.js';
import type { TransportFactory } from './server-connection.js';
import { Upstream, type ServerHealth, type UpstreamListener } from './upstream.js';

/** The most of one server's instructions passed on to clients: a server must not fill every client's context. */
const MAX_INSTRUCTIONS_CHARS = 8_192;
/** The longest wait between two looks for idle server sessions. */
const MAX_IDLE_CHECK_MS = 60_000;

/**
 * Every configured server, and the one way a request reaches one: starting and closing them, their health, which
 * of them a principal may use, and forwarding with the client's progress token and `_meta` rewritten.
 */
/** The instructions clients are given for a server: what it gave, or what an operator accepted (see pinning/). */
export type InstructionsShown = (serverId: string, text: string | undefined) => string | undefined;

export class UpstreamPool {
  readonly #upstreams: ReadonlyMap<string, Upstream>;
  readonly #instructionsShown: InstructionsShown;
  #started = false;
  /** True until every server's first start has come out. */
  #starting = true;

  constructor(
    config: GatewayConfig,
    listener: UpstreamListener,
    log: Logger,
    options: {
      readonly clock?: Clock;
      readonly transportFor?: TransportFactory;
      readonly instructionsShown?: InstructionsShown;
    } = {},
  ) {
    this.#instructionsShown = options.instructionsShown ?? ((_serverId, text) => text);
    this.#upstreams = new Map(
      config.servers.map((server) => [server.id, new Upstream(server, listener, log, options)]),
    );
  }

  /**
   * Starts every server at once, in the background: the gateway serves clients from now on, and a server that
   * comes up later (or fails, and is retried) does not hold up the others.
   */
  start(): void {
    for (const upstream of this.#upstreams.values()) upstream.start();
    this.#started = true;
    void this.settled();
  }

  async close(): Promise<void> {
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

  /**
   * Closes, on every server, the sessions no request has used for the server's `sessionIdleMs` (never the one its
   * catalog is listed on); returns how many. The composition root calls it now and then.
   */
  closeIdle(): number {
    let closed = 0;
    for (const upstream of this.#upstreams.values()) closed += upstream.closeIdle();
    return closed;
  }

  /** How often `closeIdle` is worth calling: often enough that no session outlives its idle time by half. */
  idleCheckMs(): number {
    const shortest = Math.min(...[...this.#upstreams.values()].map((upstream) => upstream.config.sessionIdleMs));
    return Math.min(MAX_IDLE_CHECK_MS, shortest / 2);
  }

  /** Each server's state, for /healthz, /readyz, metrics and the start-up log. */
  servers(): ServerHealth[] {
    return [...this.#upstreams.values()].map((upstream) => upstream.health());
  }

  /** The servers a principal may use: all of them, or those its grant names. The others do not exist for it. */
  visibleTo(principal: Principal | undefined): Upstream[] {
    const all = [...this.#upstreams.values()];
    return principal ? all.filter((upstream) => canSee(principal, upstream.id)) : all;
  }

  /** Every server, for what concerns them all (a client session ending). */
  all(): Iterable<Upstream> {
    return this.#upstreams.values();
  }

  get(serverId: string): Upstream {
    const upstream = this.#upstreams.get(serverId);
    if (!upstream) throw new GatewayError(ErrorCode.Internal, `No server "${serverId}"`);
    return upstream;
  }

  /**
   * The instructions of the servers a principal may use, each under a heading naming its server, for the
   * gateway's own initialize result (one server's instructions may name its tools, which clients see namespaced).
   */
  instructions(principal: Principal | undefined): string | undefined {
    const parts: string[] = [];
    for (const upstream of this.visibleTo(principal)) {
      const text = this.#instructionsShown(upstream.id, upstream.instructions)?.trim();
      if (!text) continue;
      const bounded = text.length > MAX_INSTRUCTIONS_CHARS ? `${text.slice(0, MAX_INSTRUCTIONS_CHARS)}…` : text;
      parts.push(`## Server "${upstream.id}"\n\n${bounded}`);
    }
    return parts.length === 0 ? undefined : parts.join('\n\n');
  }

  /**
   * Sends a request to one server on behalf of a client. The client's progress token never reaches the server:
   * the SDK puts its own on the request, and each progress notification is sent back under the client's token.
   */
  async forward(
    caller: Caller,
    serverId: string,
    method: string,
    params: Record<string, unknown>,
    options: ForwardOptions,
  ): Promise<RawResult> {
    const upstream = this.get(serverId);
    const { progressToken } = options;
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
}

function withoutProgressToken(meta: Record<string, unknown>): Record<string, unknown> | undefined {
  const { progressToken: _dropped, ...rest } = meta;
  return Object.keys(rest).length === 0 ? undefined : rest;
}
