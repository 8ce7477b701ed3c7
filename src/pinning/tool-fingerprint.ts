import { createHash } from 'node:crypto';
import { canonicalJson } from '../json/canonical-json.js';
import type { ToolDefinition } from '../risk/classification.js';

export type { ToolDefinition };

/**
 * The parts of a tool's definition that are pinned: what a model reads (name, title, description, annotations)
 * and what decides how it is called and what it returns (the schemas). A change to any of them is a change.
 */
export const PINNED_FIELDS = ['name', 'title', 'description', 'inputSchema', 'outputSchema', 'annotations'] as const;
export type PinnedField = (typeof PINNED_FIELDS)[number];

/** The pinned parts of a tool a server listed; the other parts (`_meta`, icons) are not pinned. */
export function definitionOf(tool: Readonly<Record<string, unknown>>): ToolDefinition {
  const definition: Record<string, unknown> = {};
  for (const field of PINNED_FIELDS) if (tool[field] !== undefined) definition[field] = tool[field];
  return definition as unknown as ToolDefinition;
}

/**
 * The fingerprint of a tool's definition: the SHA-256 of its pinned parts as canonical JSON (keys sorted at every
 * depth), so that a server that sends the same definition with its keys in another order has not changed it.
 */
export function toolFingerprint(definition: ToolDefinition): string {
  return sha256(canonicalJson(definitionOf(definition as unknown as Record<string, unknown>)));
}

/** The fingerprint of a server's instructions; a server without instructions has one too. */
export function instructionsFingerprint(text: string | null): string {
  return sha256(JSON.stringify({ instructions: text }));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
