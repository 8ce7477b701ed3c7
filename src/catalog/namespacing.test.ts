import { describe, expect, it } from 'vitest';
import { exposeNames, isSpecToolName } from './namespacing.js';

const prefix = { mode: 'prefix', separator: '__' } as const;
const conflicts = { mode: 'conflicts', separator: '__' } as const;

describe('exposeNames', () => {
  it('prefixes every name with its server id in prefix mode', () => {
    const names = exposeNames(
      [
        { serverId: 'pmcp', name: 'gateway.disconnect_server' },
        { serverId: 'bambu', name: 'mqtt_disconnect' },
      ],
      prefix,
    );
    expect(names.map((n) => n.exposed)).toEqual(['pmcp__gateway.disconnect_server', 'bambu__mqtt_disconnect']);
  });

  it('prefixes only shared names in conflicts mode', () => {
    const names = exposeNames(
      [
        { serverId: 'a', name: 'echo' },
        { serverId: 'a', name: 'add' },
        { serverId: 'b', name: 'echo' },
      ],
      conflicts,
    );
    expect(names.map((n) => n.exposed)).toEqual(['a__echo', 'add', 'b__echo']);
  });

  it('keeps names unique when a plain name equals another server’s prefixed name', () => {
    const names = exposeNames(
      [
        { serverId: 'a', name: 'x' },
        { serverId: 'b', name: 'x' },
        { serverId: 'c', name: 'a__x' },
      ],
      conflicts,
    );
    const exposed = names.map((n) => n.exposed);
    expect(new Set(exposed).size).toBe(3);
    expect(exposed[0]).toBe('a__x');
    expect(exposed[2]).toMatch(/^a__x-[0-9a-f]{8}$/);
  });

  it('replaces characters outside the spec and keeps every name within 128 characters', () => {
    const long = 'n'.repeat(200);
    const names = exposeNames(
      [
        { serverId: 'web', name: 'fetch url/v2' },
        { serverId: 'web', name: long },
        { serverId: 'web', name: `${long}-other` },
      ],
      prefix,
    );
    expect(names[0]!.exposed).toBe('web__fetch_url_v2');
    expect(names[1]!.exposed).toHaveLength(128);
    expect(names[2]!.exposed).toHaveLength(128);
    expect(names[1]!.exposed).not.toBe(names[2]!.exposed);
    for (const n of names) expect(isSpecToolName(n.exposed)).toBe(true);
  });

  it('is deterministic and keeps the first of a duplicated name', () => {
    const input = [
      { serverId: 's', name: 'dup' },
      { serverId: 's', name: 'dup' },
    ];
    expect(exposeNames(input, prefix)).toEqual([{ serverId: 's', name: 'dup', exposed: 's__dup' }]);
    expect(exposeNames(input, prefix)).toEqual(exposeNames(input, prefix));
  });
});
