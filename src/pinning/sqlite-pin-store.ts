import type { ToolClass } from '../risk/classification.js';
import type { StateDb } from '../state/state-db.js';
import type { InstructionsPin, PinnedDefinition, ServerPins, ToolPin } from './pin.js';
import type { PinSnapshot, PinStore } from './pin-store.js';
import type { PinUpdate } from './review-listing.js';
import type { ToolDefinition } from './tool-fingerprint.js';

interface ServerRow {
  server_id: string;
  revision: number;
  accepted_instructions: string | null;
  accepted_fingerprint: string;
  pending_instructions: string | null;
  pending_fingerprint: string | null;
  changed_at: number | null;
  accepted_at: number;
  accepted_by: string | null;
}

interface ToolRow {
  server_id: string;
  tool: string;
  accepted_fingerprint: string | null;
  accepted_definition: string | null;
  accepted_class: string | null;
  pending_fingerprint: string | null;
  pending_definition: string | null;
  pending_class: string | null;
  listed_class: string | null;
  first_seen: number;
  changed_at: number | null;
  removed_at: number | null;
  accepted_at: number | null;
  accepted_by: string | null;
}

const TOOL_COLUMNS = [
  'server_id',
  'tool',
  'accepted_fingerprint',
  'accepted_definition',
  'accepted_class',
  'pending_fingerprint',
  'pending_definition',
  'pending_class',
  'listed_class',
  'first_seen',
  'changed_at',
  'removed_at',
  'accepted_at',
  'accepted_by',
] as const satisfies readonly (keyof ToolRow)[];

/**
 * Pins in the embedded SQLite state database: `pin_servers` (a server's instructions and its revision) and
 * `pin_tools` (one row a tool). Definitions and instructions are kept as JSON, and a tool's name as the inside of a
 * JSON string (`search`; `danger\u0000`): what a server sends may hold any character, and SQLite's bindings cut a
 * text short at NUL and mangle lone surrogates, which would make two tools one. Each update is one write transaction (StateDb.write:
 * in the gateway it waits for another process's lock on a timer, never blocking the event loop).
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

function toPins(server: ServerRow, tools: readonly ToolRow[]): ServerPins {
  const instructions: InstructionsPin = {
    accepted: { fingerprint: server.accepted_fingerprint, text: textFrom(server.accepted_instructions) },
    pending:
      server.pending_fingerprint === null
        ? null
        : { fingerprint: server.pending_fingerprint, text: textFrom(server.pending_instructions) },
    changedAt: server.changed_at,
    acceptedAt: server.accepted_at,
    acceptedBy: server.accepted_by,
  };
  const pins = new Map<string, ToolPin>();
  for (const row of tools) {
    if (row.server_id !== server.server_id) continue;
    const name = nameOf(row.tool);
    pins.set(name, {
      name,
      accepted: definitionFrom(row.accepted_fingerprint, row.accepted_definition, row.accepted_class),
      pending: definitionFrom(row.pending_fingerprint, row.pending_definition, row.pending_class),
      listedClass: classFrom(row.listed_class),
      firstSeen: row.first_seen,
      changedAt: row.changed_at,
      removedAt: row.removed_at,
      acceptedAt: row.accepted_at,
      acceptedBy: row.accepted_by,
    });
  }
  return { serverId: server.server_id, instructions, tools: pins };
}

function instructionValues(pin: InstructionsPin): unknown[] {
  const json = (text: string | null | undefined) => (text === null || text === undefined ? null : JSON.stringify(text));
  return [
    json(pin.accepted.text),
    pin.accepted.fingerprint,
    json(pin.pending?.text),
    pin.pending?.fingerprint ?? null,
    pin.changedAt,
    pin.acceptedAt,
    pin.acceptedBy,
  ];
}

function toolValues(serverId: string, pin: ToolPin): unknown[] {
  const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));
  return [
    serverId,
    keyOf(pin.name),
    pin.accepted?.fingerprint ?? null,
    json(pin.accepted?.definition),
    json(pin.accepted?.toolClass),
    pin.pending?.fingerprint ?? null,
    json(pin.pending?.definition),
    json(pin.pending?.toolClass),
    json(pin.listedClass),
    pin.firstSeen,
    pin.changedAt,
    pin.removedAt,
    pin.acceptedAt,
    pin.acceptedBy,
  ];
}

function definitionFrom(
  fingerprint: string | null,
  definition: string | null,
  toolClass: string | null,
): PinnedDefinition | null {
  if (fingerprint === null || definition === null) return null;
  return { fingerprint, definition: JSON.parse(definition) as ToolDefinition, toolClass: classFrom(toolClass) };
}

function classFrom(text: string | null): ToolClass | null {
  return text === null ? null : (JSON.parse(text) as ToolClass);
}

/** A tool's name as its row's key: the inside of its JSON string, so plain names read as they are. */
function keyOf(name: string): string {
  return JSON.stringify(name).slice(1, -1);
}

function nameOf(key: string): string {
  return JSON.parse(`"${key}"`) as string;
}

function textFrom(json: string | null): string | null {
  return json === null ? null : (JSON.parse(json) as string);
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
