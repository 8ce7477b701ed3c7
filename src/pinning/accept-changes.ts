import { changedFields } from './definition-diff.js';
import type { PinChange, ServerPins, ToolPin } from './pin.js';
import type { PinUpdate } from './review-listing.js';

/**
 * An operator accepts what waits on a server: one tool's change (`tool`), or, with `tool` null, every tool's and
 * the server's instructions. Accepting a changed or new tool makes what the server lists now its accepted
 * definition; accepting a removed tool forgets it (if it comes back, it is a new tool). Nothing waiting: no
 * change, and the pins stay as they are.
 */
export function acceptChanges(stored: ServerPins | undefined, tool: string | null, by: string, now: number): PinUpdate {
  if (stored === undefined) return { pins: undefined, changes: [] };
  const changes: PinChange[] = [];
  const accepted = (name: string | null, fields: readonly string[], pin?: ToolPin): PinChange => ({
    kind: 'change_accepted',
    serverId: stored.serverId,
    tool: name,
    fields,
    classBefore: pin?.accepted?.toolClass ?? null,
    classAfter: pin?.removedAt === null ? (pin.pending?.toolClass ?? null) : null,
    effect: 'none',
    at: now,
    by,
  });

  let instructions = stored.instructions;
  if (tool === null && instructions.pending !== null) {
    changes.push(accepted(null, ['instructions']));
    instructions = { accepted: instructions.pending, pending: null, changedAt: null, acceptedAt: now, acceptedBy: by };
  }
  const tools = new Map(stored.tools);
  for (const pin of stored.tools.values()) {
    if (tool !== null && pin.name !== tool) continue;
    if (pin.removedAt !== null) {
      changes.push(accepted(pin.name, [], pin));
      tools.delete(pin.name);
    } else if (pin.pending !== null) {
      changes.push(accepted(pin.name, changedFields(pin.accepted?.definition ?? null, pin.pending.definition), pin));
      tools.set(pin.name, {
        ...pin,
        accepted: pin.pending,
        pending: null,
        changedAt: null,
        acceptedAt: now,
        acceptedBy: by,
      });
    }
  }
  if (changes.length === 0) return { pins: stored, changes };
  return { pins: { serverId: stored.serverId, instructions, tools }, changes };
}
