import { describe, expect, it } from 'vitest';
import type { Inventory, InventoryEntry } from '../inventory/inventory.js';
import { suggestPolicy } from '../inventory/suggested-policy.js';
import type { Category, Risk, Warning } from '../risk/classification.js';
import { countList, inventorySummary } from './inventory-summary.js';

function entry(
  serverId: string,
  name: string,
  category: Category,
  risk: Risk,
  warnings: Warning[] = [],
): InventoryEntry {
  return {
    serverId,
    name,
    exposedName: `${serverId}__${name}`,
    definition: { name },
    classification: { category, risk, evidence: [], warnings },
  };
}

function summary(inventory: Inventory, serverIds: string[]): string[] {
  return inventorySummary(serverIds, inventory, suggestPolicy(inventory, { destructive: 'hide' }));
}

/** A tool that takes a command: its risky commands are held for approval. */
const COMMAND = { type: 'object', properties: { command: { type: 'string' } } };

describe('inventorySummary', () => {
  const inventory: Inventory = {
    entries: [
      entry('files', 'read_file', 'Read', 'Low'),
      entry('files', 'list', 'Read', 'Low'),
      entry('files', 'write_file', 'Write', 'Medium'),
      entry('memory', 'delete_entities', 'Destructive', 'Critical'),
      { ...entry('shell', 'run', 'Execute', 'High'), definition: { name: 'run', inputSchema: COMMAND } },
      entry('pay', 'send', 'Financial', 'Critical'),
    ],
    unlisted: [{ serverId: 'web', why: 'spawn nope ENOENT' }],
  };

  it('says how each server fared, in the config’s order', () => {
    const lines = summary(inventory, ['memory', 'files', 'web', 'shell']);
    expect(lines.slice(0, 5)).toEqual([
      'Servers',
      '  memory  up, 1 tool',
      '  files   up, 3 tools',
      '  web     could not be listed: spawn nope ENOENT',
      '  shell   up, 1 tool',
    ]);
  });

  it('counts the tools by category and risk, and names what the policy hides and holds for approval', () => {
    const lines = summary(inventory, ['files', 'memory', 'shell', 'pay', 'web']);
    expect(lines).toContain('6 tools');
    expect(lines).toContain('  by category:        2 Read, 1 Write, 1 Execute, 1 Destructive, 1 Financial');
    expect(lines).toContain('  by risk:            2 Low, 1 Medium, 1 High, 2 Critical');
    expect(lines).toContain('  hidden from agents: 1 (memory:delete_entities)');
    expect(lines).toContain('  held for approval:  2 (shell:run, pay:send)');
    expect(lines.join('\n')).toContain('toolgate policy suggest --out FILE');
  });

  it('quotes signs of poisoning, with what a terminal would act on made visible', () => {
    const warning: Warning = {
      kind: 'hidden-instructions',
      source: 'description',
      quote: 'ignore previous\u001b[2J',
      finding: 'addresses the model',
    };
    const lines = summary({ entries: [entry('evil', 'read', 'Read', 'Low', [warning])], unlisted: [] }, ['evil']);
    expect(lines).toContain('Signs of poisoning in 1 tool:');
    expect(lines).toContain('  evil:read: hidden-instructions in its description: "ignore previous\\u001b[2J"');
    expect(lines).toContain('  hidden from agents: none');
    expect(lines.join('\n')).not.toContain('policy suggest');
  });

  it('countList leaves out what there is none of', () => {
    expect(countList({ Read: 0, Write: 2, Other: 1 })).toBe('2 Write, 1 Other');
    expect(countList({ Read: 0 })).toBe('none');
  });
});
