import type { ToolDefinition } from '../risk/classification.js';
import type { ToolClass } from '../risk/classification.js';
import { diffDefinitions, diffLines, type FieldDiff } from './definition-diff.js';
import type { PinRules, ServerPins } from './pin.js';
import { pinView } from './pin-view.js';

/**
 * One change that waits for an operator, as `toolgate tools diff` and `GET /admin/pins` show it: what changed,
 * field by field, the class before and after, and what it does to calls meanwhile.
 */
export interface WaitingChange {
  readonly serverId: string;
  /** The tool; null for the server's instructions. */
  readonly tool: string | null;
  readonly kind: 'changed' | 'added' | 'removed' | 'instructions';
  /** When it was first seen. */
  readonly since: number;
  /**
   * What it comes to until accepted: `blocked` (listed as accepted, calls refused), `held` (not listed, calls
   * refused; for instructions, the server's tools are), `stricter` (decided under the stricter class), `allowed`,
   * or `noted` (a removal).
   */
  readonly state: 'blocked' | 'held' | 'stricter' | 'allowed' | 'noted';
  readonly classBefore: ToolClass | null;
  readonly classAfter: ToolClass | null;
  readonly fields: readonly FieldDiff[];
  /** The accepted definition (or instructions' text) and the one listed now, whole: for a side-by-side view. */
  readonly before: ToolDefinition | string | null;
  readonly after: ToolDefinition | string | null;
}

/** Everything that waits on a server, its instructions first, then its tools in the order they were first seen. */
export function waitingChanges(pins: ServerPins, rules: PinRules): WaitingChange[] {
  const { serverId, instructions } = pins;
  const changes: WaitingChange[] = [];
  const instructionsPending = instructions.pending !== null;
  if (instructions.pending !== null) {
    changes.push({
      serverId,
      tool: null,
      kind: 'instructions',
      since: instructions.changedAt ?? instructions.acceptedAt,
      state: rules.changed === 'block' ? 'held' : 'stricter',
      classBefore: null,
      classAfter: null,
      fields: [
        {
          field: 'instructions',
          kind: 'text',
          lines: diffLines(instructions.accepted.text ?? '', instructions.pending.text ?? ''),
        },
      ],
      before: instructions.accepted.text,
      after: instructions.pending.text,
    });
  }
  for (const pin of pins.tools.values()) {
    const removed = pin.removedAt !== null;
    if (!removed && pin.pending === null) continue;
    const view = pinView(pin, instructionsPending, rules).kind;
    changes.push({
      serverId,
      tool: pin.name,
      kind: removed ? 'removed' : pin.accepted === null ? 'added' : 'changed',
      since: (removed ? pin.removedAt : pin.changedAt) ?? pin.firstSeen,
      state: view === 'removed' ? 'noted' : view === 'trusted' ? 'allowed' : view,
      classBefore: pin.accepted?.toolClass ?? null,
      classAfter: removed ? null : (pin.pending?.toolClass ?? null),
      fields: removed ? [] : diffDefinitions(pin.accepted?.definition ?? null, pin.pending?.definition ?? null),
      before: pin.accepted?.definition ?? null,
      after: removed ? null : (pin.pending?.definition ?? null),
    });
  }
  return changes;
}
