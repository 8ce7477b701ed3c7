import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../observability/log.js';
import {
  endedKey,
  newReplicaId,
  protocolErrorOf,
  relayedError,
  ReplicaUnreachable,
  type AnswerHandler,
  type BridgeResume,
  type RelayedError,
  type ReplicaRelay,
  type ResumeHandler,
  type SessionEndedHandler,
} from './replica-relay.js';

export interface RedisReplicaRelayOptions {
  readonly url: string;
  readonly keyPrefix: string;
  /** The largest message one replica sends another; a larger one fails what it was for. */
  readonly maxMessageBytes: number;
  /** How long a replica waits for the answer to a resumed call before it gives up on it. */
  readonly resumeTimeoutMs: number;
  readonly log: Logger;
}

/** How long start-up waits for the relay's subscription before it goes on without. */
const READY_TIMEOUT_MS = 2_000;

/** What replicas publish to each other, as JSON. */
type Envelope =
  | { t: 'answer'; s: string; m: unknown }
  | { t: 'resume'; id: string; from: string; r: BridgeResume }
  | { t: 'cancel'; id: string; from: string }
  | { t: 'result'; id: string; result: unknown }
  | { t: 'error'; id: string; error: RelayedError }
  | { t: 'ended'; s: string };

interface Waiting {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/**
 * Replicas talking through Redis pub/sub: each listens on its own channel (`<keyPrefix>relay:<replicaId>`) and on
 * one all replicas share (`<keyPrefix>relay:all`). A message to a replica that is not listening reaches nobody,
 * which PUBLISH says (0 receivers): a resume then fails at once. Ended sessions are keys that expire with them
 * (`<keyPrefix>session-ended:<hash>`), so that a replica that missed the broadcast still refuses them.
 */
export class RedisReplicaRelay implements ReplicaRelay {
  readonly replicaId = newReplicaId();
  readonly #options: RedisReplicaRelayOptions;
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #address: string;
  /** Resumes this replica asked another for, by request id. */
  readonly #waiting = new Map<string, Waiting>();
  /** Resumes another replica asked this one for, by `from:id`. */
  readonly #running = new Map<string, AbortController>();
  readonly #subscribed: Promise<unknown>;
  #answer: AnswerHandler | undefined;
  #resume: ResumeHandler | undefined;
  #sessionEnded: SessionEndedHandler | undefined;

  constructor(options: RedisReplicaRelayOptions) {
    this.#options = options;
    this.#address = addressOf(options.url);
    this.#pub = new Redis(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      commandTimeout: 2_000,
      retryStrategy: (times) => Math.min(times * 100, 1_000),
    });
    this.#sub = this.#pub.duplicate({ enableOfflineQueue: true, commandTimeout: undefined });
    for (const [name, client] of [
      ['publisher', this.#pub],
      ['subscriber', this.#sub],
    ] as const) {
      client.on('error', (error: Error) =>
        options.log.warn({ address: this.#address, connection: name, err: error.message }, 'replica relay: Redis'),
      );
    }
    this.#sub.on('messageBuffer', (_channel: Buffer, payload: Buffer) => this.#received(payload));
    this.#subscribed = this.#sub.subscribe(this.#channel(this.replicaId), this.#channel('all'));
  }

  /** Resolves once this replica hears its channel, or after the connect timeout (the log says why). */
  async ready(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, READY_TIMEOUT_MS)));
    await Promise.race([this.#subscribed.catch(() => undefined), late]);
    clearTimeout(timer);
  }

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
    if (replicaId === this.replicaId) return this.#answer?.(sessionId, message);
    this.#publish(replicaId, { t: 'answer', s: sessionId, m: message }).then(
      (receivers) => {
        if (receivers === 0) this.#options.log.info({ replicaId }, 'replica relay: answer for a replica that is gone');
      },
      (error: unknown) =>
        this.#options.log.warn({ replicaId, err: (error as Error).message }, 'replica relay: answer not relayed'),
    );
  }

  resume(replicaId: string, resume: BridgeResume, signal: AbortSignal): Promise<unknown> {
    if (replicaId === this.replicaId) {
      if (!this.#resume) return Promise.reject(new ReplicaUnreachable('no era bridge on this replica'));
      return this.#resume(resume, signal);
    }
    const id = randomUUID();
    return new Promise<unknown>((resolve, reject) => {
      const cancel = () => {
        void this.#publish(replicaId, { t: 'cancel', id, from: this.replicaId }).catch(() => undefined);
        finish();
        reject(signal.reason instanceof Error ? signal.reason : new Error('cancelled'));
      };
      const timer = setTimeout(() => {
        void this.#publish(replicaId, { t: 'cancel', id, from: this.replicaId }).catch(() => undefined);
        finish();
        reject(
          new Error(`replica ${replicaId} did not answer the resumed call in ${this.#options.resumeTimeoutMs} ms`),
        );
      }, this.#options.resumeTimeoutMs);
      timer.unref();
      const finish = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', cancel);
        this.#waiting.delete(id);
      };
      this.#waiting.set(id, {
        resolve: (result) => (finish(), resolve(result)),
        reject: (error) => (finish(), reject(error)),
      });
      if (signal.aborted) return cancel();
      signal.addEventListener('abort', cancel, { once: true });
      this.#publish(replicaId, { t: 'resume', id, from: this.replicaId, r: resume }).then(
        (receivers) => {
          if (receivers === 0) this.#waiting.get(id)?.reject(new ReplicaUnreachable(`replica ${replicaId} is gone`));
        },
        (error: unknown) => this.#waiting.get(id)?.reject(error as Error),
      );
    });
  }

  async endSession(sessionId: string, expiresAt: number): Promise<void> {
    const ttl = Math.max(1, expiresAt - Date.now());
    await this.#pub.set(this.#key(sessionId), '1', 'PX', ttl);
    await this.#publish('all', { t: 'ended', s: sessionId });
  }

  async sessionEnded(sessionId: string): Promise<boolean> {
    return (await this.#pub.exists(this.#key(sessionId))) === 1;
  }

  async close(): Promise<void> {
    for (const waiting of this.#waiting.values()) waiting.reject(new Error('the gateway is stopping'));
    for (const running of this.#running.values()) running.abort(new Error('the gateway is stopping'));
    this.#sub.disconnect();
    this.#pub.disconnect();
  }

  #channel(replicaId: string): string {
    return `${this.#options.keyPrefix}relay:${replicaId}`;
  }

  #key(sessionId: string): string {
    return `${this.#options.keyPrefix}session-ended:${endedKey(sessionId)}`;
  }

  /** Publishes to a replica (or 'all'); resolves with how many heard it. */
  async #publish(to: string, envelope: Envelope): Promise<number> {
    const payload = JSON.stringify(envelope);
    const bytes = Buffer.byteLength(payload);
    if (bytes > this.#options.maxMessageBytes) {
      throw new Error(`message of ${bytes} bytes, more than the ${this.#options.maxMessageBytes} replicas relay`);
    }
    return this.#pub.publish(this.#channel(to), payload);
  }

  #received(payload: Buffer): void {
    if (payload.length > this.#options.maxMessageBytes) return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(payload.toString('utf8')) as Envelope;
    } catch {
      return;
    }
    switch (envelope.t) {
      case 'answer':
        return this.#answer?.(envelope.s, envelope.m);
      case 'ended':
        return this.#sessionEnded?.(envelope.s);
      case 'result':
        return this.#waiting.get(envelope.id)?.resolve(envelope.result);
      case 'error':
        return this.#waiting.get(envelope.id)?.reject(protocolErrorOf(envelope.error));
      case 'cancel':
        return this.#running.get(`${envelope.from}:${envelope.id}`)?.abort(new Error('cancelled by the client'));
      case 'resume':
        return void this.#serveResume(envelope);
    }
  }

  async #serveResume({ id, from, r }: { id: string; from: string; r: BridgeResume }): Promise<void> {
    const controller = new AbortController();
    const key = `${from}:${id}`;
    this.#running.set(key, controller);
    let reply: Envelope;
    try {
      if (!this.#resume) throw new ReplicaUnreachable('no era bridge on this replica');
      reply = { t: 'result', id, result: await this.#resume(r, controller.signal) };
    } catch (error) {
      reply = { t: 'error', id, error: relayedError(error) };
    } finally {
      this.#running.delete(key);
    }
    try {
      await this.#publish(from, reply);
    } catch (error) {
      // Too large, or Redis is gone: the asking replica must still hear that the call ended.
      const failure = relayedError(new Error(`the result could not be relayed: ${(error as Error).message}`));
      await this.#publish(from, { t: 'error', id, error: failure }).catch(() => undefined);
    }
  }
}

/** host:port of a Redis URL, without its credentials, for logs. */
function addressOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'redis';
  }
}
