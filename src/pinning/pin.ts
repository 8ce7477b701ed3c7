import { RISKS, type ToolClass } from '../risk/classification.js';
import type { ToolDefinition } from './tool-fingerprint.js';

/** One definition of a tool as Toolgate pinned it: its fingerprint, the definition, and the class it was given. */
export interface PinnedDefinition {
  readonly fingerprint: string;
  readonly definition: ToolDefinition;
  /** Its class (what policies' `categories` and `risks` rules match); null when no classifier gave one. */
  readonly toolClass: ToolClass | null;
}

/**
 * A tool's pin: the definition an operator accepted, and a definition its server lists now that nobody has
 * accepted yet.
 */
export interface ToolPin {
  readonly name: string;
  /** The accepted definition (by an operator, on first sight of the server, or by `pinning.added: allow`); null for a new tool held until accepted. */
  readonly accepted: PinnedDefinition | null;
  /** What the server lists now, when it is not the accepted definition; null when there is no change to accept. */
  readonly pending: PinnedDefinition | null;
  /** The class of what the server lists now, under its instructions now; null when it lists it no more, or unclassified. */
  readonly listedClass: ToolClass | null;
  /** When Toolgate first saw the tool (epoch milliseconds). */
  readonly firstSeen: number;
  /** When the pending definition was first seen; null when none is pending. */
  readonly changedAt: number | null;
  /** When the server stopped listing the tool; null while it lists it. */
  readonly removedAt: number | null;
  /** When its definition was last accepted; null while never. */
  readonly acceptedAt: number | null;
  /** Who accepted it (`cli:alice`); null when Toolgate did: first sight, or `pinning.added: allow`. */
  readonly acceptedBy: string | null;
}

/** A server's instructions as pinned: their fingerprint and the text (null: the server gives none). */
export interface PinnedInstructions {
  readonly fingerprint: string;
  readonly text: string | null;
}

/** The pin of a server's instructions: they reach every client in `initialize`, and can steer a model as a tool's description can. */
export interface InstructionsPin {
  readonly accepted: PinnedInstructions;
  readonly pending: PinnedInstructions | null;
  readonly changedAt: number | null;
  readonly acceptedAt: number;
  readonly acceptedBy: string | null;
}

/** Everything pinned of one server. A server with pins has been seen: a later listing is compared with them. */
export interface ServerPins {
  readonly serverId: string;
  readonly instructions: InstructionsPin;
  /** By tool name, removed tools included until an operator accepts the removal. */
  readonly tools: ReadonlyMap<string, ToolPin>;
}

/** The config's `pinning`: what a changed tool and an added one come to until an operator accepts them. */
export interface PinRules {
  readonly changed: 'block' | 'stricter';
  readonly added: 'allow' | 'hold';
}

/**
 * What can happen to a pin, in the audit trail's words (the `decision` of a `toolgate/pinning` record) and the
 * metric's (`change` of toolgate_tool_definition_changes_total).
 */
export type PinChangeKind = 'tool_changed' | 'tool_added' | 'tool_removed' | 'instructions_changed' | 'change_accepted';

/** One change Toolgate noticed in a server's listing, or an operator's acceptance of changes. */
export interface PinChange {
  readonly kind: PinChangeKind;
  readonly serverId: string;
  /** The tool's name; null for the server's instructions, or an acceptance of everything on the server. */
  readonly tool: string | null;
  /** The pinned fields that differ (`description`, `inputSchema`, …); `instructions` for the server's. */
  readonly fields: readonly string[];
  /** The class before (the accepted definition's) and after (what the server lists now), where known. */
  readonly classBefore: ToolClass | null;
  readonly classAfter: ToolClass | null;
  /** What it comes to until accepted, under the rules in force. */
  readonly effect: PinEffect;
  readonly at: number;
  /** Who accepted, for `change_accepted`. */
  readonly by?: string;
}

/**
 * What a change does to calls until it is accepted: `refused` (blocked, or held), `stricter` (decided under the
 * stricter class), `none` (noted only: a tool accepted under `added: allow`, a removal, an acceptance).
 */
export type PinEffect = 'refused' | 'stricter' | 'none';

/** The stricter of two classes: the higher risk, with the category that came with it. */
export function stricterClass(accepted: ToolClass | null, listed: ToolClass | null): ToolClass | null {
  if (accepted === null) return listed;
  if (listed === null) return accepted;
  const risk = RISKS.indexOf(listed.risk) - RISKS.indexOf(accepted.risk);
  if (risk !== 0) return risk > 0 ? listed : accepted;
  // Same risk: the category a policy is likely to treat more strictly.
  return CATEGORY_SEVERITY[listed.category] > CATEGORY_SEVERITY[accepted.category] ? listed : accepted;
}

/** How strictly a category is usually treated (the seed pages' catalogue's default severities). */
const CATEGORY_SEVERITY: Readonly<Record<ToolClass['category'], number>> = {
  Other: 0,
  Read: 0,
  Write: 1,
  Execute: 2,
  Destructive: 3,
  Financial: 3,
};

/** How `toolgate tools` names a tool: `SERVER:TOOL`, or the server alone. */
export function pinTarget(serverId: string, tool: string | null): string {
  return tool === null ? serverId : `${serverId}:${tool}`;
}
