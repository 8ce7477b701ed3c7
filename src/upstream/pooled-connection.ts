import type { ClientCapabilities } from '@modelcontextprotocol/client';
import type { Caller } from './caller.js';
import { EMPTY_CATALOG, type ServerCatalog } from './catalog-listing.js';
import type { ServerConnection } from './server-connection.js';
import { SHARED_PARTITION } from './session-partition.js';

/** A partition that matches no caller: a primary connection whose client session ended, while it is replaced. */
const RETIRED_PARTITION = '\0retired';

/** A client session that used a connection, and its partition. */
interface Attachment {
  readonly caller: Caller;
  readonly partition: string;
}

/** A connection in the pool, with whose it is, who uses it and what is in flight on it. */
export class PooledConnection {
  connection!: ServerConnection;
  catalog: ServerCatalog = EMPTY_CATALOG;
  /** Resource URIs subscribed on this connection, and the client sessions that want their updates. */
  readonly subscribers = new Map<string, Set<string>>();
  /** The re-listing under way after the server said a list changed: who lists meanwhile waits for it. */
  refreshing: Promise<unknown> | undefined;
  /** When a request last started or ended on it (the clock's time). */
  lastUsed: number;
  /** What the gateway declared to the server as the client's capabilities on this connection. */
  readonly capabilities: ClientCapabilities;
  /** The client session a connection of its own belongs to (an HTTP server's sampling, elicitation, roots). */
  readonly owner: string | undefined;
  /** Whether its catalog is one clients see, kept listed; otherwise it only carries requests. */
  readonly lists: boolean;
  /**
   * Client sessions that used this connection, reached outside any call, for notifications and server requests
   * that no call caused.
   */
  readonly #attached = new Map<string, Attachment>();
  readonly #inFlight = new Map<Caller, number>();
  /** Whose session it is; undefined for a primary connection no partition has taken over yet. */
  #partition: string | undefined;

  constructor(
    capabilities: ClientCapabilities,
    owner: string | undefined,
    partition: string | undefined,
    lists: boolean,
    now: number,
  ) {
    this.capabilities = capabilities;
    this.owner = owner;
    this.#partition = partition;
    this.lists = lists;
    this.lastUsed = now;
  }

  get partition(): string | undefined {
    return this.#partition;
  }

  /**
   * Whether callers of `partition` may use this connection. With `claim`, a primary connection no partition has
   * taken over becomes `partition`'s, and the sessions of other partitions that only listed on it stop hearing it.
   */
  serves(partition: string, { claim = false } = {}): boolean {
    if (partition === SHARED_PARTITION) return this.#partition !== RETIRED_PARTITION;
    if (this.#partition === undefined && claim) {
      this.#partition = partition;
      for (const [sessionId, attachment] of this.#attached) {
        if (attachment.partition !== partition) this.#attached.delete(sessionId);
      }
    }
    return this.#partition === undefined || this.#partition === partition;
  }

  /** No partition may use it any more. */
  retire(): void {
    this.#partition = RETIRED_PARTITION;
    this.#attached.clear();
  }

  /** Notes that a client session used it (the session itself, not the call, is what stays reachable). */
  attach(caller: Caller, partition: string): void {
    this.#attached.set(caller.sessionId, { caller: caller.session ?? caller, partition });
  }

  detach(sessionId: string): void {
    this.#attached.delete(sessionId);
  }

  isAttached(sessionId: string): boolean {
    return this.#attached.has(sessionId);
  }

  attachedCallers(): Caller[] {
    return [...this.#attached.values()].map((attachment) => attachment.caller);
  }

  /** The attached client sessions that subscribed to `uri` on this connection. */
  subscribersOf(uri: string): Caller[] {
    const subscribers = this.subscribers.get(uri);
    if (!subscribers) return [];
    return [...subscribers].flatMap((sessionId) => {
      const attachment = this.#attached.get(sessionId);
      return attachment ? [attachment.caller] : [];
    });
  }

  /** True when nothing has used it for `idleMs`, nothing is in flight on it and nobody waits for its updates. */
  idle(now: number, idleMs: number): boolean {
    return this.#inFlight.size === 0 && this.subscribers.size === 0 && now - this.lastUsed >= idleMs;
  }

  /** Records a call in flight; returns the function that ends it. */
  enter(caller: Caller | undefined): () => void {
    if (!caller) return () => undefined;
    this.#inFlight.set(caller, (this.#inFlight.get(caller) ?? 0) + 1);
    return () => {
      const left = (this.#inFlight.get(caller) ?? 1) - 1;
      if (left === 0) this.#inFlight.delete(caller);
      else this.#inFlight.set(caller, left);
    };
  }

  inFlightCount(): number {
    return this.#inFlight.size;
  }

  /** The one caller with calls in flight, if there is exactly one. */
  soleCaller(): Caller | undefined {
    if (this.#inFlight.size !== 1) return undefined;
    return this.#inFlight.keys().next().value;
  }

  /** The one attached session, if there is exactly one. */
  soleAttached(): Caller | undefined {
    if (this.#attached.size !== 1) return undefined;
    return this.#attached.values().next().value?.caller;
  }
}
