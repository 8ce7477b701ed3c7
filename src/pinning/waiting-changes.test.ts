import { describe, expect, it } from 'vitest';
import type { PinRules } from './pin.js';
import { reviewListing, type ClassOf } from './review-listing.js';
import type { ToolDefinition } from './tool-fingerprint.js';
import { waitingChanges } from './waiting-changes.js';

const classOf: ClassOf = (tool) =>
  tool.description?.includes('run') ? { category: 'Execute', risk: 'High' } : { category: 'Read', risk: 'Low' };
const HOLD: PinRules = { changed: 'block', added: 'hold' };
const ls: ToolDefinition = { name: 'ls', description: 'Lists a folder.', inputSchema: { type: 'object' } };
const cat: ToolDefinition = { name: 'cat', description: 'Prints a file.' };
const sh: ToolDefinition = { name: 'sh', description: 'Lets you run commands.' };

function pinsAfter(rules: PinRules) {
  const seen = reviewListing(
    undefined,
    { serverId: 'fs', tools: [ls, cat], instructions: 'Be careful.' },
    classOf,
    rules,
    1,
  );
  const changedLs = {
    ...ls,
    description: 'Lists a folder, and can run scripts.',
    inputSchema: { type: 'object', required: ['path'] },
  };
  const listing = { serverId: 'fs', tools: [changedLs, sh], instructions: 'Be quick.' };
  return reviewListing(seen.pins, listing, classOf, rules, 2).pins!;
}

describe('waitingChanges', () => {
  it('lists the instructions, then each changed, added and removed tool, with field diffs and classes', () => {
    const changes = waitingChanges(pinsAfter(HOLD), HOLD);
    expect(changes.map((change) => [change.tool, change.kind, change.state])).toEqual([
      [null, 'instructions', 'held'],
      ['ls', 'changed', 'held'],
      ['sh', 'added', 'held'],
      ['cat', 'removed', 'noted'],
    ]);
    // Without the change of instructions, the changed tool is blocked (listed as accepted) rather than held.
    const pins = pinsAfter(HOLD);
    const toolsOnly = waitingChanges({ ...pins, instructions: { ...pins.instructions, pending: null } }, HOLD);
    expect(toolsOnly.map((change) => change.state)).toEqual(['blocked', 'held', 'noted']);
    expect(changes[0]!.fields).toEqual([
      {
        field: 'instructions',
        kind: 'text',
        lines: [
          { op: '-', text: 'Be careful.' },
          { op: '+', text: 'Be quick.' },
        ],
      },
    ]);
    expect(changes[1]).toMatchObject({
      since: 2,
      classBefore: { category: 'Read', risk: 'Low' },
      classAfter: { category: 'Execute', risk: 'High' },
      fields: [
        { field: 'description', kind: 'text' },
        { field: 'inputSchema', kind: 'json', changes: [{ path: '$.required', after: ['path'] }] },
      ],
    });
    expect(changes[2]).toMatchObject({ classBefore: null, fields: [{ field: 'name' }, { field: 'description' }] });
  });

  it('says what each does under stricter rules, and nothing when nothing waits', () => {
    const stricter = { changed: 'stricter', added: 'allow' } as const;
    expect(waitingChanges(pinsAfter(stricter), stricter).map((change) => change.state)).toEqual([
      'stricter',
      'stricter',
      'noted',
    ]);
    const quiet = reviewListing(undefined, { serverId: 'fs', tools: [ls], instructions: null }, classOf, HOLD, 1);
    expect(waitingChanges(quiet.pins!, HOLD)).toEqual([]);
  });
});
