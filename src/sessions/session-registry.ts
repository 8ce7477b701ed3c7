import type { LoggingLevel, Notification } from '@modelcontextprotocol/server';
import { canSee } from '../grants/principal.js';
import type { Logger } from '../observability/log.js';
import type { Caller } from '../upstream/caller.js';
import type { CatalogKind, Upstream, UpstreamListener } from '../upstream/upstream.js';

/**
 * A connected client as the gateway sees it between calls: what it declared, and how to reach it with
 * notifications that no call caused (list_changed, resource updates, server logs).
 */
export interface ClientSession extends Caller {
  /** The minimum level of server log messages this client asked for (`logging/setLevel`); all when unset. */
  logLevel: LoggingLevel | undefined;
  /** The resource URIs this client subscribed to, and the server each subscription went to. */
  readonly subscriptions: Map<string, string>;
}

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

/**
 * The client sessions, and what servers and policies tell them: list changes (only for lists a session has
 * asked for), resource updates (to subscribers), server logs (at the level each client asked for), and the
 * notifications of one call (to its caller). Clients without a session (2026-07-28 listen streams) register a
 * list-change listener instead.
 */
export class SessionRegistry implements UpstreamListener {
  readonly #sessions = new Map<string, ClientSession>();
  /** The lists each session has asked for: only those are worth a list_changed. */
  readonly #listed = new Map<string, Set<CatalogKind>>();
  /** Which policy file decides each session's calls, to tell the right sessions when one changes. */
  readonly #policies = new Map<string, string | null>();
  readonly #listChangeListeners = new Set<ListChangeListener>();
  readonly #onCatalogChange: () => void;
  readonly #log: Logger;

  /** @param onCatalogChange told first when a server's catalog changes (to drop aggregated catalogs). */
  constructor(onCatalogChange: () => void, log: Logger) {
    this.#onCatalogChange = onCatalogChange;
    this.#log = log;
  }

  open(session: ClientSession): void {
    this.#sessions.set(session.sessionId, session);
  }

  /** Forgets a session; returns it, so that the servers can let go of what they keep for it. */
  close(sessionId: string): ClientSession | undefined {
    const session = this.#sessions.get(sessionId);
    this.#sessions.delete(sessionId);
    this.#listed.delete(sessionId);
    this.#policies.delete(sessionId);
    session?.subscriptions.clear();
    return session;
  }

  /** Notes that a caller has asked for a list, so that it hears when that list changes. */
  listed(caller: Caller, kind: CatalogKind): void {
    const listed = this.#listed.get(caller.sessionId) ?? new Set<CatalogKind>();
    listed.add(kind);
    this.#listed.set(caller.sessionId, listed);
    this.#policies.set(caller.sessionId, caller.principal.policy);
  }

  /** Registers a function told which lists changed (for clients without a session). Returns its remover. */
  onListChanged(listener: ListChangeListener): () => void {
    this.#listChangeListeners.add(listener);
    return () => this.#listChangeListeners.delete(listener);
  }

  /** A policy file changed: the sessions it decides may see a different tool list. */
  policyChanged(file: string): void {
    for (const [sessionId, policyFile] of this.#policies) {
      if (policyFile !== file || !this.#listed.get(sessionId)?.has('tools')) continue;
      void this.#sessions
        .get(sessionId)
        ?.notify({ method: 'notifications/tools/list_changed' })
        .catch(() => undefined);
    }
  }

  catalogChanged(upstream: Upstream, kinds: ReadonlySet<CatalogKind>): void {
    this.#log.debug({ serverId: upstream.id, kinds: [...kinds] }, 'catalog changed');
    this.#onCatalogChange();
    for (const session of this.#sessions.values()) {
      if (!canSee(session.principal, upstream.id)) continue;
      const listed = this.#listed.get(session.sessionId);
      for (const kind of kinds) {
        if (listed?.has(kind))
          void session.notify({ method: `notifications/${kind}/list_changed` }).catch(() => undefined);
      }
    }
    for (const listener of this.#listChangeListeners) listener(upstream.id, kinds);
  }

  notification(upstream: Upstream, notification: Notification, audience: readonly Caller[]): void {
    const uri = notification.params?.uri;
    const level = notification.params?.level as LoggingLevel | undefined;
    for (const caller of audience) {
      // What a server sends reaches a client only while the client's grant lets it see that server.
      if (!canSee(caller.principal, upstream.id)) continue;
      const session = this.#sessions.get(caller.sessionId);
      if (notification.method === 'notifications/resources/updated') {
        // The audience is the sessions that subscribed on the connection it came on: never another server's
        // subscribers, nor another partition's. A session that has unsubscribed since is not told.
        if (typeof uri === 'string' && session?.subscriptions.get(uri) === upstream.id)
          void session.notify(notification).catch(() => undefined);
      } else if (notification.method === 'notifications/message') {
        if (session && !allowsLevel(session.logLevel, level)) continue;
        void caller.notify(withLogger(notification, upstream.id)).catch(() => undefined);
      } else {
        void caller.notify(notification).catch(() => undefined);
      }
    }
  }
}

/** Told that a server's lists changed, for clients without a session. */
type ListChangeListener = (serverId: string, kinds: ReadonlySet<CatalogKind>) => void;

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
