import { describe, expect, it } from 'vitest';
import { stricterClass, type PinRules, type ToolPin } from './pin.js';
import { effectOf, pinView } from './pin-view.js';
import type { ToolDefinition } from './tool-fingerprint.js';

const old: ToolDefinition = { name: 'files', description: 'Lists files.' };
const now: ToolDefinition = { name: 'files', description: 'Lists files, and deletes them.' };
const READ = { category: 'Read', risk: 'Low' } as const;
const DESTROY = { category: 'Destructive', risk: 'Critical' } as const;

const trusted: ToolPin = {
  name: 'files',
  accepted: { fingerprint: 'a', definition: old, toolClass: READ },
  pending: null,
  listedClass: READ,
  firstSeen: 1,
  changedAt: null,
  removedAt: null,
  acceptedAt: 1,
  acceptedBy: null,
};
const changed: ToolPin = {
  ...trusted,
  pending: { fingerprint: 'b', definition: now, toolClass: DESTROY },
  changedAt: 2,
  listedClass: DESTROY,
};
const added: ToolPin = { ...trusted, accepted: null, pending: changed.pending, changedAt: 2 };

const rules = (changed: PinRules['changed'], added: PinRules['added'] = 'allow'): PinRules => ({ changed, added });

describe('pinView', () => {
  it('lists an unchanged tool as it is, under its class', () => {
    expect(pinView(trusted, false, rules('block'))).toEqual({ kind: 'trusted', toolClass: READ });
  });

  it('under block, lists a changed tool with its accepted definition and refuses its calls', () => {
    const view = pinView(changed, false, rules('block'));
    expect(view).toEqual({ kind: 'blocked', definition: old, toolClass: READ, change: 'changed' });
    expect(effectOf(view)).toBe('refused');
  });

  it('under stricter, lists it as it is now under the stricter class', () => {
    const view = pinView(changed, false, rules('stricter'));
    expect(view).toEqual({ kind: 'stricter', toolClass: DESTROY });
    expect(effectOf(view)).toBe('stricter');
  });

  it('holds a new tool under hold, and every tool of a server whose instructions changed under block', () => {
    expect(pinView(added, false, rules('block', 'hold'))).toEqual({ kind: 'held', change: 'added' });
    expect(pinView(trusted, true, rules('block'))).toEqual({ kind: 'held', change: 'instructions' });
    expect(pinView(changed, true, rules('block'))).toEqual({ kind: 'held', change: 'instructions' });
  });

  it('under stricter, decides the tools of a server whose instructions changed under the stricter class', () => {
    expect(pinView({ ...trusted, listedClass: DESTROY }, true, rules('stricter'))).toEqual({
      kind: 'stricter',
      toolClass: DESTROY,
    });
  });

  it('says a removed tool is removed', () => {
    expect(pinView({ ...trusted, removedAt: 3 }, false, rules('block'))).toEqual({ kind: 'removed' });
  });
});

describe('stricterClass', () => {
  it('takes the higher risk with its category', () => {
    expect(stricterClass(READ, DESTROY)).toEqual(DESTROY);
    expect(stricterClass(DESTROY, READ)).toEqual(DESTROY);
    expect(stricterClass({ category: 'Write', risk: 'High' }, { category: 'Execute', risk: 'Medium' })).toEqual({
      category: 'Write',
      risk: 'High',
    });
  });

  it('on equal risk takes the category treated more strictly', () => {
    expect(stricterClass({ category: 'Read', risk: 'Medium' }, { category: 'Execute', risk: 'Medium' })).toEqual({
      category: 'Execute',
      risk: 'Medium',
    });
    expect(stricterClass({ category: 'Financial', risk: 'High' }, { category: 'Write', risk: 'High' })).toEqual({
      category: 'Financial',
      risk: 'High',
    });
  });

  it('takes the known class when one is unknown', () => {
    expect(stricterClass(null, READ)).toEqual(READ);
    expect(stricterClass(READ, null)).toEqual(READ);
    expect(stricterClass(null, null)).toBe(null);
  });
});
