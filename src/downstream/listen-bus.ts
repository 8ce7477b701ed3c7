import { AsyncLocalStorage } from 'node:async_hooks';
import type { ServerEvent, ServerEventBus } from '@modelcontextprotocol/server';
import { canSee, type Principal } from '../grants/principal.js';
import type { CatalogKind } from '../upstream/upstream.js';

/**
 * The event bus behind the 2026-07-28 `subscriptions/listen` streams, by principal: a server's list change reaches
 * only the streams of principals that may see that server. The SDK's bus has no notion of who listens, so each
 * stream is tagged with the principal of the request that opened it: the SDK subscribes a stream while it serves
 * that request, inside `asPrincipal`.
 */
export class ListenBus implements ServerEventBus {
  readonly #requests = new AsyncLocalStorage<Principal>();
  readonly #streams = new Map<(event: ServerEvent) => void, Principal | undefined>();

  /** Serves one request as `principal`: a listen stream it opens hears what that principal may see. */
  asPrincipal<T>(principal: Principal, serve: () => T): T {
    return this.#requests.run(principal, serve);
  }

  subscribe(listener: (event: ServerEvent) => void): () => void {
    this.#streams.set(listener, this.#requests.getStore());
    return () => void this.#streams.delete(listener);
  }

  /**
   * The SDK's way to publish, which names no server: every event Toolgate sends goes through `serverChanged`, and
   * one that does not say whose it is reaches no one.
   */
  publish(): void {}

  /** A server's lists changed: tells the streams whose principal may see it. */
  serverChanged(serverId: string, kinds: ReadonlySet<CatalogKind>): void {
    for (const [listener, principal] of [...this.#streams]) {
      if (principal === undefined || !canSee(principal, serverId)) continue;
      for (const kind of kinds) {
        try {
          listener({ kind: `${kind}_list_changed` });
        } catch {
          // One stream failing to write must not keep the others from hearing.
        }
      }
    }
  }
}
