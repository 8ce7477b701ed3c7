import pg from 'pg';
import type { Logger } from '../observability/log.js';
import { addressOf } from '../state/postgres-db.js';
import type { ApprovalSignal } from './approval-signal.js';

/** The channel PostgresApprovalStore notifies, with an approval's id, when it settles one. */
export const APPROVAL_CHANNEL = 'toolgate_approvals';

export interface PostgresApprovalSignalOptions {
  /** The state database's `state.postgres.url`: LISTEN needs a connection of its own, outside the pool. */
  readonly url: string;
  /** How long opening the connection may take. Default 5,000 ms. */
  readonly connectTimeoutMs?: number;
  /** Its name in pg_stat_activity. Default `toolgate-approvals`. */
  readonly applicationName?: string;
}

/** Waits between attempts to listen again: doubled after each failure, up to the last, reset once listening. */
const FIRST_RETRY_MS = 250;
const LAST_RETRY_MS = 30_000;

/**
 * Wakes the calls held on this replica when any replica (or the CLI) on the same PostgreSQL database settles their
 * approval: LISTEN on `toolgate_approvals`, one long-lived connection. When it drops, it connects again with
 * backoff; notifications sent meanwhile are lost, and the queue's look at the store finds those verdicts instead.
 *
 * The channel belongs to the database, not a schema: gateways on other schemas of one database wake each other for
 * ids none of their calls wait on, which costs one lookup in a map.
 */
export class PostgresApprovalSignal implements ApprovalSignal {
  readonly #options: PostgresApprovalSignalOptions;
  readonly #log: Logger;
  readonly #address: string;
  readonly #subscribers = new Set<(approvalId: string) => void>();
  #client: pg.Client | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #retryMs = FIRST_RETRY_MS;
  #closed = false;
  /** Whether the LISTEN is in place now; false while connecting (again). */
  #listening = false;
  /** Whether this outage was logged: once, not at each attempt. */
  #lossLogged = false;
  #ready = deferred();

  /** Starts listening at once; `listening()` says when it does. */
  constructor(options: PostgresApprovalSignalOptions, log: Logger) {
    this.#options = options;
    this.#log = log;
    this.#address = addressOf(options.url);
    this.#connect();
  }

  /** Resolves once the LISTEN is in place: now, or when the connection under way (again) succeeds. */
  listening(): Promise<void> {
    return this.#ready.promise;
  }

  subscribe(onSettled: (approvalId: string) => void): () => void {
    // Its own function each time: one subscriber subscribing twice is two subscriptions.
    const subscriber = (approvalId: string) => onSettled(approvalId);
    this.#subscribers.add(subscriber);
    return () => void this.#subscribers.delete(subscriber);
  }

  /** Stops listening and ends the connection. Never rejects. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  #connect(): void {
    const client = new pg.Client({
      connectionString: this.#options.url,
      connectionTimeoutMillis: this.#options.connectTimeoutMs ?? 5_000,
      // An idle connection is the normal state here: keep-alives let a silently dead one be noticed.
      keepAlive: true,
      application_name: this.#options.applicationName ?? 'toolgate-approvals',
    });
    this.#client = client;
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (this.#client === client) this.#client = undefined;
      void client.end().catch(() => undefined);
      if (this.#closed) return;
      if (this.#listening) {
        this.#listening = false;
        this.#ready = deferred();
      }
      if (!this.#lossLogged) {
        this.#lossLogged = true;
        this.#log.warn(
          { err: error?.message ?? 'connection ended', retryMs: this.#retryMs },
          `not listening for approvals at ${this.#address}: verdicts from other replicas are seen at the next look until it is back`,
        );
      }
      this.#retry = setTimeout(() => this.#connect(), this.#retryMs);
      this.#retry.unref();
      this.#retryMs = Math.min(this.#retryMs * 2, LAST_RETRY_MS);
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => {
      if (message.channel !== APPROVAL_CHANNEL || !message.payload) return;
      for (const subscriber of [...this.#subscribers]) subscriber(message.payload);
    });
    client
      .connect()
      .then(() => client.query(`LISTEN ${APPROVAL_CHANNEL}`))
      .then(
        () => {
          if (lost || this.#closed) return;
          this.#retryMs = FIRST_RETRY_MS;
          if (this.#lossLogged) this.#log.info({}, `listening for approvals at ${this.#address} again`);
          this.#lossLogged = false;
          this.#listening = true;
          this.#ready.resolve();
        },
        (error: unknown) => onLost(error as Error),
      );
  }
}

function deferred(): { readonly promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}
