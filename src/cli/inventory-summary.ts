import type { Inventory } from '../inventory/inventory.js';
import type { SuggestedPolicy } from '../inventory/suggested-policy.js';
import { RISKS } from '../risk/classification.js';
import { printable } from './table.js';

/** `9 Read, 4 Write`: the counts above zero, in the order given. */
export function countList(counts: Readonly<Record<string, number>>): string {
  const parts = Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${count} ${name}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/**
 * What `toolgate init` found, for a person to read: each server and its tools or why it could not be listed, the
 * tools by category and risk, what the suggested policy hides and holds for approval, and signs of poisoning.
 * @param serverIds the config's servers, in its order.
 */
export function inventorySummary(
  serverIds: readonly string[],
  inventory: Inventory,
  suggested: SuggestedPolicy,
): string[] {
  const lines = ['Servers'];
  const width = Math.max(0, ...serverIds.map((id) => id.length));
  for (const id of serverIds) {
    const unlisted = inventory.unlisted.find((server) => server.serverId === id);
    const count = inventory.entries.filter((entry) => entry.serverId === id).length;
    const state =
      unlisted === undefined
        ? `up, ${count} ${count === 1 ? 'tool' : 'tools'}`
        : `could not be listed: ${printable(unlisted.why)}`;
    lines.push(`  ${id.padEnd(width)}  ${state}`);
  }

  const risks = Object.fromEntries(RISKS.map((risk) => [risk, 0]));
  for (const entry of inventory.entries) risks[entry.classification.risk]!++;
  const total = inventory.entries.length;
  lines.push(
    '',
    `${total} ${total === 1 ? 'tool' : 'tools'}`,
    `  by category:        ${countList(suggested.categories)}`,
    `  by risk:            ${countList(risks)}`,
    `  hidden from agents: ${listOf(suggested.hidden)}`,
    `  held for approval:  ${listOf(suggested.approval)}`,
  );

  const warned = inventory.entries.filter((entry) => entry.classification.warnings.length > 0);
  if (warned.length > 0) {
    lines.push(`Signs of poisoning in ${warned.length} ${warned.length === 1 ? 'tool' : 'tools'}:`);
    for (const entry of warned) {
      for (const warning of entry.classification.warnings) {
        lines.push(
          `  ${entry.serverId}:${printable(entry.name)}: ${warning.kind} in its ${warning.source}: "${printable(warning.quote)}"`,
        );
      }
    }
  }
  if (inventory.unlisted.length > 0) {
    lines.push(
      'The tools of the servers that could not be listed have no rule of their own yet: the rule for their category',
      'decides them. Once those servers start, `toolgate policy suggest --out FILE` writes rules for them too.',
    );
  }
  return lines;
}

function listOf(names: readonly string[]): string {
  return names.length === 0 ? 'none' : `${names.length} (${names.map(printable).join(', ')})`;
}
