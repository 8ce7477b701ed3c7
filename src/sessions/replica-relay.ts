import { createHash, randomBytes } from 'node:crypto';
import { ProtocolError } from '@modelcontextprotocol/server';

/** A 2026-07-28 client's retry of a bridged call, for the replica that holds the call. */
export interface BridgeResume {
  readonly requestState: string;
  /** Who started the call and for what (see EraBridge.resume). */
  readonly owner: string;
  readonly inputResponses: Record<string, unknown> | undefined;
}

/** Resumes a held call on this replica; rejects with a JSON-RPC error (ProtocolError) for the client. */
export type ResumeHandler = (resume: BridgeResume, signal: AbortSignal) => Promise<unknown>;
/** Hands a client's answer to a server request to the session's transport here. */
export type AnswerHandler = (sessionId: string, message: unknown) => void;
/** Ends a session here: it was deleted on some replica. */
export type SessionEndedHandler = (sessionId: string) => void;

/** The replica named in an owned id is not there (stopped, or never was). */
export class ReplicaUnreachable extends Error {}

/**
 * What replicas behind a load balancer with no session affinity tell each other. Ids a replica hands out for
 * things only it holds (a bridged call's requestState, a server request's id) name the replica (`replicaId`),
 * so that the replica a later message reaches knows where to send it.
 */
export interface ReplicaRelay {
  /** This replica's name in the ids it hands out: letters and digits only. */
  readonly replicaId: string;
  /** Resolves once other replicas can reach this one (or it is known they cannot yet, which is logged). */
  ready(): Promise<void>;
  onAnswer(handler: AnswerHandler): void;
  onResume(handler: ResumeHandler): void;
  onSessionEnded(handler: SessionEndedHandler): void;
  /** Hands a client's answer to the replica whose server request it answers. Best effort: lost if it is gone. */
  deliverAnswer(replicaId: string, sessionId: string, message: unknown): void;
  /** Resumes a held call on the replica that holds it; aborting `signal` cancels it there. */
  resume(replicaId: string, resume: BridgeResume, signal: AbortSignal): Promise<unknown>;
  /** Ends a session on every replica, and keeps it from being taken up again until `expiresAt`. */
  endSession(sessionId: string, expiresAt: number): Promise<void>;
  /** True when the session was ended (deleted by its client) on any replica. */
  sessionEnded(sessionId: string): Promise<boolean>;
  close(): Promise<void>;
}

/** A new replica id: random, so that a restarted replica is never taken for the one it replaced. */
export function newReplicaId(): string {
  return randomBytes(6).toString('hex');
}

/** What a relayed error carries: the JSON-RPC error the client gets. */
export interface RelayedError {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

/** The JSON-RPC error a handler's failure is sent as; anything but a ProtocolError is an internal error. */
export function relayedError(error: unknown): RelayedError {
  if (error instanceof ProtocolError) {
    return { code: error.code, message: error.message, ...(error.data === undefined ? {} : { data: error.data }) };
  }
  return { code: -32603, message: `Internal error on another replica: ${(error as Error).message}` };
}

export function protocolErrorOf(error: RelayedError): ProtocolError {
  return new ProtocolError(error.code, error.message, error.data);
}

/** A session id as kept in a list of ended sessions: short, and no use as a session id. */
export function endedKey(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('base64url').slice(0, 22);
}

/**
 * The relay of a gateway that runs alone: every owned id is its own, and a session ended here is remembered
 * here until it expires.
 */
export class LocalReplicaRelay implements ReplicaRelay {
  readonly replicaId = newReplicaId();
  readonly #ended = new Map<string, number>();
  readonly #now: () => number;
  #answer: AnswerHandler | undefined;
  #resume: ResumeHandler | undefined;
  #sessionEnded: SessionEndedHandler | undefined;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async ready(): Promise<void> {}

  onAnswer(handler: AnswerHandler): void {
    this.#answer = handler;
  }

  onResume(handler: ResumeHandler): void {
    this.#resume = handler;
  }

  onSessionEnded(handler: SessionEndedHandler): void {
    this.#sessionEnded = handler;
  }

  deliverAnswer(replicaId: string, sessionId: string, message: unknown): void {
    if (replicaId === this.replicaId) this.#answer?.(sessionId, message);
  }

  resume(replicaId: string, resume: BridgeResume, signal: AbortSignal): Promise<unknown> {
    if (replicaId !== this.replicaId || !this.#resume) {
      return Promise.reject(new ReplicaUnreachable(`no replica ${replicaId} (this gateway runs without state.redis)`));
    }
    return this.#resume(resume, signal);
  }

  async endSession(sessionId: string, expiresAt: number): Promise<void> {
    const now = this.#now();
    for (const [key, until] of this.#ended) if (until <= now) this.#ended.delete(key);
    this.#ended.set(endedKey(sessionId), expiresAt);
    this.#sessionEnded?.(sessionId);
  }

  async sessionEnded(sessionId: string): Promise<boolean> {
    const until = this.#ended.get(endedKey(sessionId));
    return until !== undefined && until > this.#now();
  }

  async close(): Promise<void> {
    this.#ended.clear();
  }
}
