import type { PostgresDb, PostgresQueries } from '../state/postgres-db.js';
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

/** The first key of the advisory lock an update holds on its server (the second is the server's hash). */
const SERVER_LOCK = 0x7467_7069; // 'tgpi'

/**
 * The advisory lock a change holds from taking its revision until it commits, so that revisions commit in order:
 * a replica that has read revision n never later finds a change numbered n or below that it has not seen.
 */
const REVISION_LOCK = 0x7467_7072; // 'tgpr'

/** Tools written by one INSERT: PostgreSQL takes at most 65,535 parameters a statement. */
const TOOLS_PER_INSERT = 1_000;

/** Servers in the order SQLite sorts them (by bytes), whatever the database's collation. */
const SERVER_ORDER = 'server_id COLLATE "C"';

/**
 * Pins in PostgreSQL, shared by every gateway replica and the CLI, in rows as pin-row.ts describes them. An update
 * holds an advisory lock on its server for its transaction, so that replicas seeing one change record it once. The
 * revision comes from the sequence `pin_revision`, taken under a lock held until commit, so that it moves on across
 * replicas and `changedSince` misses nothing. A server's tools read in the order they were first stored (`seq`).
 */
export class PostgresPinStore implements PinStore {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  load(): Promise<PinSnapshot> {
    return this.#db.transaction(async (tx) => {
      // Servers and tools read at one moment: a change committed between the two reads is not half seen.
      await tx.run('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const servers = await tx.rows<ServerRow>(`SELECT * FROM pin_servers ORDER BY ${SERVER_ORDER}`);
      const tools = await tx.rows<ToolRow>(`SELECT * FROM pin_tools ORDER BY ${SERVER_ORDER}, seq`);
      const revision = servers.reduce((latest, row) => Math.max(latest, row.revision), 0);
      return { revision, servers: servers.map((row) => toPins(row, tools)) };
    });
  }

  get(serverId: string): Promise<ServerPins | undefined> {
    return this.#db.transaction(async (tx) => {
      await tx.run('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      return read(tx, serverId);
    });
  }

  update<T extends PinUpdate>(serverId: string, update: (stored: ServerPins | undefined) => T): Promise<T> {
    return this.#db.transaction(async (tx) => {
      // Held until commit: another replica's update of this server reads what this one wrote.
      await tx.run('SELECT pg_advisory_xact_lock($1, hashtext($2))', [SERVER_LOCK, serverId]);
      const stored = await read(tx, serverId);
      const result = update(stored);
      if (result.pins !== undefined) await write(tx, stored, result.pins, result.changes.length > 0);
      return result;
    });
  }

  async changedSince(revision: number): Promise<{ revision: number; serverIds: string[] }> {
    const rows = await this.#db.rows<{ server_id: string; revision: number }>(
      'SELECT server_id, revision FROM pin_servers WHERE revision > $1 ORDER BY revision',
      [revision],
    );
    return { revision: rows.at(-1)?.revision ?? revision, serverIds: rows.map((row) => row.server_id) };
  }
}

async function read(tx: PostgresQueries, serverId: string): Promise<ServerPins | undefined> {
  const [server] = await tx.rows<ServerRow>('SELECT * FROM pin_servers WHERE server_id = $1', [serverId]);
  if (!server) return undefined;
  const tools = await tx.rows<ToolRow>('SELECT * FROM pin_tools WHERE server_id = $1 ORDER BY seq', [serverId]);
  return toPins(server, tools);
}

/** Writes the rows that differ from what was read; called inside the update's transaction. */
async function write(tx: PostgresQueries, stored: ServerPins | undefined, pins: ServerPins, changed: boolean) {
  const { serverId } = pins;
  const instructions = instructionValues(pins.instructions);
  if (stored === undefined || changed || !sameValues(instructionValues(stored.instructions), instructions)) {
    if (changed) await tx.run('SELECT pg_advisory_xact_lock($1)', [REVISION_LOCK]);
    // Unchanged (a new server seen as it is, or only its classes refreshed): it keeps its revision, or takes the
    // latest, so that no replica is told to read it again.
    const revision = changed ? `nextval('pin_revision')` : '(SELECT coalesce(max(revision), 0) FROM pin_servers)';
    await tx.run(
      `INSERT INTO pin_servers (server_id, revision, accepted_instructions, accepted_fingerprint, pending_instructions,
         pending_fingerprint, changed_at, accepted_at, accepted_by)
       VALUES ($1, ${revision}, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (server_id) DO UPDATE SET
         revision = ${changed ? 'excluded.revision' : 'pin_servers.revision'},
         accepted_instructions = excluded.accepted_instructions, accepted_fingerprint = excluded.accepted_fingerprint,
         pending_instructions = excluded.pending_instructions, pending_fingerprint = excluded.pending_fingerprint,
         changed_at = excluded.changed_at, accepted_at = excluded.accepted_at, accepted_by = excluded.accepted_by`,
      [serverId, ...instructions],
    );
  }
  const rows: unknown[][] = [];
  for (const pin of pins.tools.values()) {
    const values = toolValues(serverId, pin);
    const old = stored?.tools.get(pin.name);
    if (old === undefined || !sameValues(toolValues(serverId, old), values)) rows.push(values);
  }
  for (let start = 0; start < rows.length; start += TOOLS_PER_INSERT) {
    const chunk = rows.slice(start, start + TOOLS_PER_INSERT);
    // Rows are inserted in the order listed, so a server's new tools take `seq` in the order the update gave them.
    const placeholders = chunk.map(
      (_, row) => `(${TOOL_COLUMNS.map((__, column) => `$${row * TOOL_COLUMNS.length + column + 1}`).join(', ')})`,
    );
    await tx.run(
      `INSERT INTO pin_tools (${TOOL_COLUMNS.join(', ')}) VALUES ${placeholders.join(', ')}
       ON CONFLICT (server_id, tool) DO UPDATE SET ${TOOL_COLUMNS.slice(2)
         .map((column) => `${column} = excluded.${column}`)
         .join(', ')}`,
      chunk.flat(),
    );
  }
  const removed = [...(stored?.tools.keys() ?? [])].filter((name) => !pins.tools.has(name)).map(keyOf);
  if (removed.length > 0) {
    await tx.run('DELETE FROM pin_tools WHERE server_id = $1 AND tool = ANY($2::text[])', [serverId, removed]);
  }
}
