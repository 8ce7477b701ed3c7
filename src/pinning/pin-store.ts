import type { ServerPins } from './pin.js';
import type { PinUpdate } from './review-listing.js';

/** Every server's pins as stored at one moment, and the revision they were read at. */
export interface PinSnapshot {
  readonly revision: number;
  readonly servers: readonly ServerPins[];
}

/**
 * Where pins live. Every gateway process on one state database (a `toolgate start`, each `toolgate stdio`) and the
 * CLI share it, so a change is recorded once whichever process saw it first, and an acceptance made anywhere
 * reaches every gateway. Implementations: SQLite (embedded) and PostgreSQL
 * (shared by replicas). Every implementation passes
 * test/contract/pin-store.contract.ts.
 */
export interface PinStore {
  /** Every server's pins, with the revision they were read at (see `changedSince`). */
  load(): Promise<PinSnapshot>;
  get(serverId: string): Promise<ServerPins | undefined>;
  /**
   * Reads a server's pins, hands them to `update` and stores what it returns, in one transaction: no other
   * process's update of the same server can come in between, so a change two gateways see together is recorded
   * by one of them (the other's `update` finds it recorded already, and reports nothing). `update` must be
   * synchronous and pure. Pins it leaves out are deleted. The server's revision moves on when `update` reports
   * changes, not when it only refreshes classes.
   */
  update<T extends PinUpdate>(serverId: string, update: (stored: ServerPins | undefined) => T): Promise<T>;
  /** The latest revision, and the servers whose pins changed after `revision`. */
  changedSince(revision: number): Promise<{ readonly revision: number; readonly serverIds: readonly string[] }>;
}
