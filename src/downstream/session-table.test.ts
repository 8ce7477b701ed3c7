import { describe, expect, it } from 'vitest';
import { SessionTable } from './session-table.js';

function setUp(limits = { idleMs: 1000, perGrant: 2 }) {
  let now = 0;
  const clock = { now: () => now, elapsed: () => now };
  const closed: string[] = [];
  const transport = (name: string) => ({ name, close: async () => void closed.push(name) });
  const table = new SessionTable<ReturnType<typeof transport>>(limits, clock);
  return { table, transport, closed, advance: (ms: number) => (now += ms) };
}

describe('SessionTable', () => {
  it('gives a session only to the grant that opened it', () => {
    const { table, transport } = setUp();
    table.add('s1', transport('a'), 'grant-a');
    expect(table.use('s1', 'grant-a')?.name).toBe('a');
    expect(table.use('s1', 'grant-b')).toBeUndefined();
    expect(table.use('s1', null)).toBeUndefined();
  });

  it('ends a session idle past the limit, not one in use or with an open stream', () => {
    const { table, transport, closed, advance } = setUp();
    table.add('idle', transport('idle'), null);
    table.add('busy', transport('busy'), null);
    table.add('listening', transport('listening'), 'g');
    const done = table.streaming('listening');
    advance(800);
    table.use('busy', null);
    advance(300);
    expect(table.sweep()).toBe(1);
    expect(closed).toEqual(['idle']);
    expect(table.use('idle', null)).toBeUndefined();
    advance(5000);
    expect(table.sweep()).toBe(1);
    expect(closed).toEqual(['idle', 'busy']);
    done();
    advance(1001);
    expect(table.sweep()).toBe(1);
    expect(closed).toEqual(['idle', 'busy', 'listening']);
  });

  it('ends the least recently used session of a grant at its share, and leaves other grants alone', () => {
    const { table, transport, closed, advance } = setUp();
    table.add('a1', transport('a1'), 'a');
    advance(1);
    table.add('a2', transport('a2'), 'a');
    table.add('b1', transport('b1'), 'b');
    advance(1);
    table.use('a1', 'a');
    table.add('a3', transport('a3'), 'a');
    expect(closed).toEqual(['a2']);
    expect(table.size).toBe(3);
    expect(table.use('b1', 'b')?.name).toBe('b1');
  });
});
