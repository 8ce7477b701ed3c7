import { describe, expect, it } from 'vitest';
import { acceptChanges } from './accept-changes.js';
import type { PinRules, ServerPins } from './pin.js';
import { reviewListing, type ClassOf } from './review-listing.js';
import type { ToolDefinition } from './tool-fingerprint.js';

const classOf: ClassOf = (tool) =>
  tool.description?.includes('pay') ? { category: 'Financial', risk: 'Critical' } : { category: 'Read', risk: 'Low' };
const HOLD: PinRules = { changed: 'block', added: 'hold' };

const quote: ToolDefinition = { name: 'quote', description: 'Quotes a price.' };
const pay: ToolDefinition = { name: 'pay', description: 'Pays the quote.' };
const refund: ToolDefinition = { name: 'refund', description: 'Refunds.' };

/** A server first seen with quote and refund, that now lists quote changed, a new `pay`, no refund, and new instructions. */
function withEverythingPending(): ServerPins {
  const seen = reviewListing(
    undefined,
    { serverId: 'shop', tools: [quote, refund], instructions: null },
    classOf,
    HOLD,
    1,
  );
  const listing = {
    serverId: 'shop',
    tools: [{ ...quote, description: 'Quotes, then pay it.' }, pay],
    instructions: 'New.',
  };
  return reviewListing(seen.pins, listing, classOf, HOLD, 2).pins!;
}

describe('acceptChanges', () => {
  it('accepts one tool’s pending definition, recording who and when, and leaves the rest waiting', () => {
    const { pins, changes } = acceptChanges(withEverythingPending(), 'quote', 'cli:alice', 10);
    expect(changes).toEqual([
      {
        kind: 'change_accepted',
        serverId: 'shop',
        tool: 'quote',
        fields: ['description'],
        classBefore: { category: 'Read', risk: 'Low' },
        classAfter: { category: 'Financial', risk: 'Critical' },
        effect: 'none',
        at: 10,
        by: 'cli:alice',
      },
    ]);
    expect(pins!.tools.get('quote')).toMatchObject({
      accepted: { definition: { description: 'Quotes, then pay it.' } },
      pending: null,
      changedAt: null,
      acceptedAt: 10,
      acceptedBy: 'cli:alice',
    });
    expect(pins!.tools.get('pay')!.accepted).toBe(null);
    expect(pins!.instructions.pending).not.toBe(null);
  });

  it('accepts everything on a server: changes, new tools, removals (forgotten) and its instructions', () => {
    const { pins, changes } = acceptChanges(withEverythingPending(), null, 'cli:bob', 10);
    expect(changes.map((change) => [change.tool, change.fields])).toEqual([
      [null, ['instructions']],
      ['quote', ['description']],
      ['pay', ['name', 'description']],
      ['refund', []],
    ]);
    expect(pins!.instructions).toMatchObject({ accepted: { text: 'New.' }, pending: null, acceptedBy: 'cli:bob' });
    expect(pins!.tools.has('refund')).toBe(false);
    expect(pins!.tools.get('pay')).toMatchObject({ accepted: { definition: pay }, pending: null });
  });

  it('changes nothing when nothing waits, or the tool is unknown', () => {
    const pins = withEverythingPending();
    const settled = acceptChanges(pins, null, 'cli:bob', 10).pins;
    expect(acceptChanges(settled, null, 'cli:bob', 11)).toEqual({ pins: settled, changes: [] });
    expect(acceptChanges(pins, 'nope', 'cli:bob', 11)).toEqual({ pins, changes: [] });
    expect(acceptChanges(undefined, null, 'cli:bob', 11)).toEqual({ pins: undefined, changes: [] });
  });
});
