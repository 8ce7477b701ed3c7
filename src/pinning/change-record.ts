import type { AuditRecord } from '../audit/audit-record.js';
import type { ToolClass } from '../risk/classification.js';
import { pinTarget, type PinChange } from './pin.js';

/**
 * How a change to a server's pinned definitions is told: the audit record (method `toolgate/pinning`, the
 * change's kind as its decision), the log line and the webhook delivery all say the same words.
 */

/** The change in words, with what it does until accepted and the command that accepts it. */
export function changeMessage(change: PinChange): string {
  const { serverId, tool } = change;
  const target = pinTarget(serverId, tool);
  const classes = classesText(change.classBefore, change.classAfter);
  const until =
    change.effect === 'refused'
      ? ` Its calls are refused until an operator accepts it: toolgate tools accept ${target}`
      : change.effect === 'stricter'
        ? ` Until an operator accepts it, its calls are decided under the stricter class: toolgate tools accept ${target}`
        : '';
  switch (change.kind) {
    case 'tool_changed':
      return `The definition of tool "${tool}" on server "${serverId}" changed (${change.fields.join(', ')})${classes}.${until}`;
    case 'tool_added':
      return change.effect === 'refused'
        ? `Server "${serverId}" added tool "${tool}"${classes}. It is not listed, and its calls are refused until an operator accepts it: toolgate tools accept ${target}`
        : `Server "${serverId}" added tool "${tool}"${classes}; accepted, as pinning.added is "allow".`;
    case 'tool_removed':
      return `Server "${serverId}" no longer lists tool "${tool}".`;
    case 'instructions_changed':
      return change.effect === 'refused'
        ? `The instructions of server "${serverId}" changed. Its tools are held (not listed, calls refused) until an operator accepts the change: toolgate tools accept ${target}`
        : `The instructions of server "${serverId}" changed.${until}`;
    case 'change_accepted':
      return `${change.by ?? 'An operator'} accepted ${acceptedWhat(change)}.`;
  }
}

function acceptedWhat(change: PinChange): string {
  if (change.tool === null) return `the instructions of server "${change.serverId}"`;
  if (change.fields.length === 0) return `the removal of tool "${change.tool}" from server "${change.serverId}"`;
  const classes = classesText(change.classBefore, change.classAfter);
  return `the definition of tool "${change.tool}" on server "${change.serverId}" (${change.fields.join(', ')})${classes}`;
}

/** A class as people read it: `Write/Medium`. */
export function classText(toolClass: ToolClass | null): string {
  return toolClass === null ? 'unclassified' : `${toolClass.category}/${toolClass.risk}`;
}

function classesText(before: ToolClass | null, after: ToolClass | null): string {
  if (before === null && after === null) return '';
  if (before === null || after === null) return `, class ${classText(before ?? after)}`;
  const was = classText(before);
  const now = classText(after);
  return was === now ? `, class ${now}` : `, class ${was} → ${now}`;
}

/** The audit record of a change; `decisionId` is a fresh id (newDecisionId), given so that this stays pure. */
export function changeRecord(change: PinChange, decisionId: string): AuditRecord {
  return {
    time: change.at,
    requestId: null,
    decisionId,
    grantId: null,
    grantLabel: null,
    session: '',
    method: 'toolgate/pinning',
    serverId: change.serverId,
    tool: change.tool ?? '',
    decision: change.kind,
    rule: null,
    message: changeMessage(change),
    policyRevision: null,
    approvalId: null,
    shadowed: null,
    argumentKeys: [],
    gatewayLatencyMs: 0,
    serverLatencyMs: null,
    outcome: change.effect === 'refused' ? 'refused' : 'ok',
    // An acceptance is an operator's change: who made it, as every operator record says.
    ...(change.kind === 'change_accepted' && change.by !== null && change.by !== undefined ? { actor: change.by } : {}),
  };
}

/** What the approvals webhook receives for a change Toolgate noticed. */
export interface ToolChangePayload {
  readonly type: 'tool.changed' | 'tool.added' | 'tool.removed' | 'instructions.changed' | 'change.accepted';
  readonly change: {
    readonly server: string;
    readonly tool: string | null;
    readonly fields: readonly string[];
    readonly classBefore: ToolClass | null;
    readonly classAfter: ToolClass | null;
    /** `refused`, `stricter` or `none`: what the change does to calls until accepted. */
    readonly effect: PinChange['effect'];
    readonly message: string;
    readonly at: string;
    /** The commands that show the change and accept it. */
    readonly diff: string;
    readonly accept: string;
  };
}

export function changePayload(change: PinChange): ToolChangePayload {
  const target = pinTarget(change.serverId, change.tool);
  return {
    type: PAYLOAD_TYPES[change.kind],
    change: {
      server: change.serverId,
      tool: change.tool,
      fields: change.fields,
      classBefore: change.classBefore,
      classAfter: change.classAfter,
      effect: change.effect,
      message: changeMessage(change),
      at: new Date(change.at).toISOString(),
      diff: `toolgate tools diff ${target}`,
      accept: `toolgate tools accept ${target}`,
    },
  };
}

const PAYLOAD_TYPES = {
  tool_changed: 'tool.changed',
  tool_added: 'tool.added',
  tool_removed: 'tool.removed',
  instructions_changed: 'instructions.changed',
  change_accepted: 'change.accepted',
} as const satisfies Record<PinChange['kind'], ToolChangePayload['type']>;
