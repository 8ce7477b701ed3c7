import type { Clock } from '../clock.js';

/** What the table needs of a session's transport: a way to end it. */
export interface Closable {
  close(): Promise<void>;
}

interface Entry<T> {
  readonly transport: T;
  /** The grant that opened the session; null for the local operator. Only it may use the session. */
  readonly grantId: string | null;
  /** When the session ends however busy it is (its sealed expiry); never when undefined. */
  readonly expiresAt: number | undefined;
  lastSeen: number;
  /** Responses still streaming (a GET listen stream, an SSE stream): the session is in use while any is open. */
  streams: number;
}

export interface SessionLimits {
  /** A session with no request and no open stream for this long is ended. */
  readonly idleMs: number;
  /** Most sessions one grant (or the local operator) may hold; one more ends its least recently used. */
  readonly perGrant: number;
}

/**
 * The HTTP sessions of one transport, bounded: every session belongs to the grant that opened it, ends when it
 * has been idle too long, and one grant cannot hold more than its share (opening one more ends its least
 * recently used one), so that abandoned sessions cannot pile up and one agent cannot crowd out the others.
 * A 2025-era session id is sealed (see SessionSeal): a session ended here for being idle or crowded out is
 * recreated on its next request, as on any other replica; one that expired or was deleted gets 404, and its
 * client starts a new one, as the protocol says.
 */
export class SessionTable<T extends Closable> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #limits: SessionLimits;
  readonly #clock: Clock;

  constructor(limits: SessionLimits, clock: Clock) {
    this.#limits = limits;
    this.#clock = clock;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Adds a session, first ending the least recently used of its grant's when the grant is at its share. */
  add(id: string, transport: T, grantId: string | null, expiresAt?: number): void {
    const own = [...this.#entries].filter(([, entry]) => entry.grantId === grantId);
    if (own.length >= this.#limits.perGrant) {
      const [oldest] = own.sort(([, a], [, b]) => a.lastSeen - b.lastSeen)[0]!;
      this.#end(oldest);
    }
    this.#entries.set(id, { transport, grantId, expiresAt, lastSeen: this.#clock.now(), streams: 0 });
  }

  /** The session, when it exists, has not expired and belongs to `grantId`; using it counts as activity. */
  use(id: string, grantId: string | null): T | undefined {
    const entry = this.#entries.get(id);
    if (!entry || entry.grantId !== grantId) return undefined;
    const now = this.#clock.now();
    if (entry.expiresAt !== undefined && now >= entry.expiresAt) {
      this.#end(id);
      return undefined;
    }
    entry.lastSeen = now;
    return entry.transport;
  }

  /** The session's transport, whoever it belongs to, without counting as activity (for the replicas' relay). */
  peek(id: string): T | undefined {
    return this.#entries.get(id)?.transport;
  }

  /** Ends a session (ended on another replica); nothing when it is not here. */
  end(id: string): void {
    if (this.#entries.has(id)) this.#end(id);
  }

  /** Marks a response of the session as streaming; the returned function marks its end (once). */
  streaming(id: string): () => void {
    const entry = this.#entries.get(id);
    if (!entry) return () => undefined;
    entry.streams++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      entry.streams--;
      entry.lastSeen = this.#clock.now();
    };
  }

  delete(id: string): void {
    this.#entries.delete(id);
  }

  /** Ends every session idle for longer than the limit; returns how many. */
  sweep(): number {
    const now = this.#clock.now();
    let ended = 0;
    for (const [id, entry] of this.#entries) {
      const expired = entry.expiresAt !== undefined && now >= entry.expiresAt;
      if (expired || (entry.streams === 0 && now - entry.lastSeen > this.#limits.idleMs)) {
        this.#end(id);
        ended++;
      }
    }
    return ended;
  }

  transports(): T[] {
    return [...this.#entries.values()].map((entry) => entry.transport);
  }

  #end(id: string): void {
    const entry = this.#entries.get(id);
    this.#entries.delete(id);
    void entry?.transport.close().catch(() => undefined);
  }
}
