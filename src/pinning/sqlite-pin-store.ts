import type { StateDb } from '../state/state-db.js';
import type { ServerPins } from './pin.js';
import {
  instructionValues,
  keyOf,
  sameValues,
  TOOL_COLUMNS,
  toolValues,
  toPins,
  type ServerRow,
  type ToolRow,
} from './pin-row.js';
import type { PinSnapshot, PinStore } from './pin-store.js';
import type { PinUpdate } from './review-listing.js';

/**
 * Pins in the embedded SQLite state database, in rows as pin-row.ts describes them. Each update is one write
 * transaction (StateDb.write: in the gateway it waits for another process's lock on a timer, never blocking the
 * event loop).
 */
export class SqlitePinStore implements PinStore {
  readonly #db: StateDb;

  constructor(db: StateDb) {
    this.#db = db;
  }

  async load(): Promise<PinSnapshot> {
    const servers = this.#db.prepare<[], ServerRow>('SELECT * FROM pin_servers ORDER BY server_id').all();
    const tools = this.#db.prepare<[], ToolRow>('SELECT * FROM pin_tools ORDER BY server_id, rowid').all();
    const revision = servers.reduce((latest, row) => Math.max(latest, row.revision), 0);
    return { revision, servers: servers.map((row) => toPins(row, tools)) };
  }

  async get(serverId: string): Promise<ServerPins | undefined> {
    return this.#read(serverId);
  }

  update<T extends PinUpdate>(serverId: string, update: (stored: ServerPins | undefined) => T): Promise<T> {
    return this.#db.write(() => {
      const stored = this.#read(serverId);
      const result = update(stored);
      if (result.pins !== undefined) this.#write(stored, result.pins, result.changes.length > 0);
      return result;
    });
  }

  async changedSince(revision: number): Promise<{ revision: number; serverIds: string[] }> {
    const rows = this.#db
      .prepare<[number], { server_id: string; revision: number }>(
        'SELECT server_id, revision FROM pin_servers WHERE revision > ? ORDER BY revision',
      )
      .all(revision);
    return { revision: rows.at(-1)?.revision ?? revision, serverIds: rows.map((row) => row.server_id) };
  }

  #read(serverId: string): ServerPins | undefined {
    const server = this.#db.prepare<[string], ServerRow>('SELECT * FROM pin_servers WHERE server_id = ?').get(serverId);
    if (!server) return undefined;
    const tools = this.#db
      .prepare<[string], ToolRow>('SELECT * FROM pin_tools WHERE server_id = ? ORDER BY rowid')
      .all(serverId);
    return toPins(server, tools);
  }

  /** Writes the rows that differ from what was read; called inside the update's transaction. */
  #write(stored: ServerPins | undefined, pins: ServerPins, changed: boolean): void {
    const { serverId } = pins;
    const instructions = instructionValues(pins.instructions);
    if (stored === undefined || changed || !sameValues(instructionValues(stored.instructions), instructions)) {
      this.#db
        .prepare(
          `INSERT INTO pin_servers (server_id, revision, accepted_instructions, accepted_fingerprint, pending_instructions,
             pending_fingerprint, changed_at, accepted_at, accepted_by)
           VALUES (?, (SELECT coalesce(max(revision), 0) + ? FROM pin_servers), ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (server_id) DO UPDATE SET
             revision = CASE WHEN ? THEN excluded.revision ELSE revision END,
             accepted_instructions = excluded.accepted_instructions, accepted_fingerprint = excluded.accepted_fingerprint,
             pending_instructions = excluded.pending_instructions, pending_fingerprint = excluded.pending_fingerprint,
             changed_at = excluded.changed_at, accepted_at = excluded.accepted_at, accepted_by = excluded.accepted_by`,
        )
        .run(serverId, changed ? 1 : 0, ...instructions, changed ? 1 : 0);
    }
    const upsert = this.#db.prepare(
      `INSERT INTO pin_tools (${TOOL_COLUMNS.join(', ')}) VALUES (${TOOL_COLUMNS.map(() => '?').join(', ')})
       ON CONFLICT (server_id, tool) DO UPDATE SET ${TOOL_COLUMNS.slice(2)
         .map((column) => `${column} = excluded.${column}`)
         .join(', ')}`,
    );
    for (const pin of pins.tools.values()) {
      const values = toolValues(serverId, pin);
      const old = stored?.tools.get(pin.name);
      if (old === undefined || !sameValues(toolValues(serverId, old), values)) upsert.run(...values);
    }
    const remove = this.#db.prepare('DELETE FROM pin_tools WHERE server_id = ? AND tool = ?');
    for (const name of stored?.tools.keys() ?? []) if (!pins.tools.has(name)) remove.run(serverId, keyOf(name));
  }
}
