import type { ToolClass } from '../risk/classification.js';
import { changedFields } from './definition-diff.js';
import type {
  InstructionsPin,
  PinChange,
  PinChangeKind,
  PinnedDefinition,
  PinnedInstructions,
  PinRules,
  ServerPins,
  ToolPin,
} from './pin.js';
import { effectOf, pinView } from './pin-view.js';
import { instructionsFingerprint, toolFingerprint, type ToolDefinition } from './tool-fingerprint.js';

/** What a server lists now: its tools, and its instructions (null: none). */
export interface Listing {
  readonly serverId: string;
  readonly tools: readonly ToolDefinition[];
  readonly instructions: string | null;
}

/** Gives a tool its class under its server's instructions; null when there is no classifier. */
export type ClassOf = (tool: ToolDefinition, instructions: string | null) => ToolClass | null;

/** A server's pins after a review or an acceptance, and what changed; `pins` undefined when there are none. */
export interface PinUpdate {
  readonly pins: ServerPins | undefined;
  readonly changes: readonly PinChange[];
}

/**
 * Compares what a server lists with its pins, and says what changed:
 *
 * - a server never seen (no pins at all): trust on first use, everything is accepted as it is;
 * - a tool as accepted: unchanged (a pending change the server has gone back on is dropped);
 * - a tool that differs from its accepted definition: changed; the accepted definition is kept, the new one
 *   is pending (the same pending definition again is no new change);
 * - a tool never seen: added, and accepted at once under `added: allow`, held (pending, never accepted) under
 *   `hold`;
 * - a tool no longer listed: removed, and kept as removed; if it comes back as accepted it is simply accepted
 *   again, if different it is a change;
 * - the server's instructions, alike: a changed text is a change of the whole server.
 *
 * Classes are worked out afresh each time: the accepted definition's under the accepted instructions, what is
 * listed under the instructions now.
 */
export function reviewListing(
  stored: ServerPins | undefined,
  listing: Listing,
  classOf: ClassOf,
  rules: PinRules,
  now: number,
): PinUpdate {
  const listedInstructions = pinnedInstructions(listing.instructions);
  const tools = byName(listing.tools);
  if (stored === undefined) return { pins: firstSight(listing, tools, listedInstructions, classOf, now), changes: [] };

  const changes: PinChange[] = [];
  const { pin: instructions, changed: instructionsChanged } = reviewInstructions(
    stored.instructions,
    listedInstructions,
    now,
  );
  const instructionsPending = instructions.pending !== null;
  const acceptedText = instructions.accepted.text;
  const reviewed = new Map<string, ToolPin>();
  const note = (kind: PinChangeKind, pin: ToolPin, fields: readonly string[], classBefore: ToolClass | null) =>
    changes.push({
      kind,
      serverId: listing.serverId,
      tool: pin.name,
      fields,
      classBefore,
      classAfter: pin.listedClass,
      effect: effectOf(pinView(pin, instructionsPending, rules)),
      at: now,
    });

  for (const definition of tools.values()) {
    const fingerprint = toolFingerprint(definition);
    const listedClass = classOf(definition, listing.instructions);
    const listed: PinnedDefinition = { fingerprint, definition, toolClass: listedClass };
    const old = stored.tools.get(definition.name);
    if (old === undefined) {
      const pin: ToolPin =
        rules.added === 'allow'
          ? {
              ...newPin(definition.name, listedClass, now),
              accepted: { ...listed, toolClass: classOf(definition, acceptedText) },
              acceptedAt: now,
            }
          : { ...newPin(definition.name, listedClass, now), pending: listed, changedAt: now };
      reviewed.set(pin.name, pin);
      note('tool_added', pin, changedFields(null, definition), null);
      continue;
    }
    const accepted = old.accepted && { ...old.accepted, toolClass: classOf(old.accepted.definition, acceptedText) };
    const base = { ...old, accepted, listedClass, removedAt: null };
    if (accepted?.fingerprint === fingerprint) {
      reviewed.set(old.name, { ...base, pending: null, changedAt: null });
    } else if (old.pending?.fingerprint === fingerprint) {
      reviewed.set(old.name, { ...base, pending: listed });
    } else {
      const pin: ToolPin = { ...base, pending: listed, changedAt: now };
      reviewed.set(old.name, pin);
      const before = accepted?.definition ?? null;
      note(
        accepted ? 'tool_changed' : 'tool_added',
        pin,
        changedFields(before, definition),
        accepted?.toolClass ?? null,
      );
    }
  }
  for (const old of stored.tools.values()) {
    if (reviewed.has(old.name)) continue;
    if (old.removedAt !== null) {
      reviewed.set(old.name, old);
      continue;
    }
    const pin: ToolPin = { ...old, listedClass: null, removedAt: now };
    reviewed.set(old.name, pin);
    note('tool_removed', pin, [], old.accepted?.toolClass ?? old.pending?.toolClass ?? null);
  }

  if (instructionsChanged) {
    changes.unshift({
      kind: 'instructions_changed',
      serverId: listing.serverId,
      tool: null,
      fields: ['instructions'],
      classBefore: null,
      classAfter: null,
      effect: rules.changed === 'block' ? 'refused' : 'stricter',
      at: now,
    });
  }
  return { pins: { serverId: listing.serverId, instructions, tools: reviewed }, changes };
}

/** The pin of a server's instructions after a listing: unchanged, changed, or gone back to the accepted text. */
function reviewInstructions(
  stored: InstructionsPin,
  listed: PinnedInstructions,
  now: number,
): { pin: InstructionsPin; changed: boolean } {
  if (listed.fingerprint === stored.accepted.fingerprint) {
    return { pin: stored.pending === null ? stored : { ...stored, pending: null, changedAt: null }, changed: false };
  }
  if (listed.fingerprint === stored.pending?.fingerprint) return { pin: stored, changed: false };
  return { pin: { ...stored, pending: listed, changedAt: now }, changed: true };
}

/** A server seen for the first time: what it lists is trusted as it is. */
function firstSight(
  listing: Listing,
  tools: ReadonlyMap<string, ToolDefinition>,
  instructions: PinnedInstructions,
  classOf: ClassOf,
  now: number,
): ServerPins {
  const pins = new Map<string, ToolPin>();
  for (const definition of tools.values()) {
    const toolClass = classOf(definition, listing.instructions);
    pins.set(definition.name, {
      ...newPin(definition.name, toolClass, now),
      accepted: { fingerprint: toolFingerprint(definition), definition, toolClass },
      acceptedAt: now,
    });
  }
  return {
    serverId: listing.serverId,
    instructions: { accepted: instructions, pending: null, changedAt: null, acceptedAt: now, acceptedBy: null },
    tools: pins,
  };
}

function newPin(name: string, listedClass: ToolClass | null, now: number): ToolPin {
  return {
    name,
    accepted: null,
    pending: null,
    listedClass,
    firstSeen: now,
    changedAt: null,
    removedAt: null,
    acceptedAt: null,
    acceptedBy: null,
  };
}

function pinnedInstructions(text: string | null): PinnedInstructions {
  return { fingerprint: instructionsFingerprint(text), text };
}

/** A server that lists two tools by one name has the last one shown (see the aggregated catalog): so is it pinned. */
function byName(tools: readonly ToolDefinition[]): Map<string, ToolDefinition> {
  const named = new Map<string, ToolDefinition>();
  for (const tool of tools) if (typeof tool.name === 'string') named.set(tool.name, tool);
  return named;
}
