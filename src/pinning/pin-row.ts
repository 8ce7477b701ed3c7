import type { ToolClass } from '../risk/classification.js';
import type { InstructionsPin, PinnedDefinition, ServerPins, ToolPin } from './pin.js';
import type { ToolDefinition } from './tool-fingerprint.js';

/**
 * Pins as both state databases store them: `pin_servers` (a server's instructions and its revision) and
 * `pin_tools` (one row a tool), the same columns in SQLite and PostgreSQL. Definitions and instructions are kept
 * as JSON, and a tool's name as the inside of a JSON string (`search`; `danger\u0000`): what a server sends may
 * hold any character, and a database may cut a text short at NUL (SQLite's bindings; PostgreSQL refuses it) or
 * mangle lone surrogates, which would make two tools one.
 */
export interface ServerRow {
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

export interface ToolRow {
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

export const TOOL_COLUMNS = [
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

export function toPins(server: ServerRow, tools: readonly ToolRow[]): ServerPins {
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

export function instructionValues(pin: InstructionsPin): unknown[] {
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

export function toolValues(serverId: string, pin: ToolPin): unknown[] {
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
export function keyOf(name: string): string {
  return JSON.stringify(name).slice(1, -1);
}

function nameOf(key: string): string {
  return JSON.parse(`"${key}"`) as string;
}

function textFrom(json: string | null): string | null {
  return json === null ? null : (JSON.parse(json) as string);
}

export function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
