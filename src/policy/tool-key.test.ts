import { describe, expect, it } from 'vitest';
import { globToRegExp, KeyRank, parseToolKey, ToolKeyIndex, type ToolKey } from './tool-key.js';

function key(text: string): ToolKey {
  const parsed = parseToolKey(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed;
}

function errorOf(text: string): string {
  const parsed = parseToolKey(text);
  if (!('error' in parsed)) throw new Error(`expected "${text}" to be refused`);
  return parsed.error;
}

describe('parseToolKey', () => {
  it('reads tool names, globs and server-qualified keys', () => {
    expect(key('create_issue')).toMatchObject({
      serverId: null,
      tool: 'create_issue',
      isGlob: false,
      rank: KeyRank.Exact,
    });
    expect(key('delete_*')).toMatchObject({
      serverId: null,
      tool: 'delete_*',
      isGlob: true,
      rank: KeyRank.Glob,
      literalLength: 7,
    });
    expect(key('github:create_issue')).toMatchObject({
      serverId: 'github',
      tool: 'create_issue',
      rank: KeyRank.ServerExact,
    });
    expect(key('github:*')).toMatchObject({
      serverId: 'github',
      tool: '*',
      rank: KeyRank.ServerGlob,
      literalLength: 0,
    });
    expect(key('*')).toMatchObject({ serverId: null, tool: '*', rank: KeyRank.Glob });
  });

  it('keeps dots and slashes in tool names, and splits at the first colon only', () => {
    expect(key('gateway.disconnect_server')).toMatchObject({ serverId: null, tool: 'gateway.disconnect_server' });
    expect(key('user-profile/update')).toMatchObject({ serverId: null, tool: 'user-profile/update' });
    expect(key('legacy:ns:tool')).toMatchObject({ serverId: 'legacy', tool: 'ns:tool' });
  });

  it('refuses keys that name nothing', () => {
    expect(errorOf('')).toMatch(/empty/);
    expect(errorOf('github:')).toMatch(/names a server but no tool; write "github:\*"/);
    expect(errorOf(':tool')).toMatch(/is not a server id/);
    expect(errorOf('my server:tool')).toMatch(/"my server" is not a server id/);
    expect(errorOf('*:tool')).toMatch(/cannot be a pattern/);
    expect(errorOf('__proto__')).toMatch(/not allowed/);
  });
});

describe('globToRegExp', () => {
  it('treats * as any run of characters and everything else literally', () => {
    const glob = globToRegExp('gateway.*');
    expect(glob.test('gateway.invoke')).toBe(true);
    expect(glob.test('gateway.')).toBe(true);
    expect(glob.test('gatewayXinvoke')).toBe(false);
    expect(globToRegExp('a+b(c)?[d]').test('a+b(c)?[d]')).toBe(true);
    expect(globToRegExp('*_issue').test('create_issue')).toBe(true);
    expect(globToRegExp('*_issue').test('create_issues')).toBe(false);
    expect(globToRegExp('a*b*c').test('a/x.b-c')).toBe(true);
  });
});

describe('ToolKeyIndex', () => {
  const index = (...texts: string[]) => new ToolKeyIndex(texts.map((text) => [key(text), text] as const));

  it('prefers server+exact, then exact, then server+glob, then glob', () => {
    const all = index('*', 'create_*', 'github:*', 'create_issue', 'github:create_issue');
    expect(all.find('github', 'create_issue')).toBe('github:create_issue');
    expect(all.find('gitlab', 'create_issue')).toBe('create_issue');
    expect(all.find('github', 'create_pr')).toBe('github:*');
    expect(all.find('gitlab', 'create_pr')).toBe('create_*');
    expect(all.find('gitlab', 'list')).toBe('*');
    expect(index('github:create_issue').find('gitlab', 'create_issue')).toBeUndefined();
  });

  it('a server+glob beats a glob on any server even with fewer literal characters', () => {
    expect(index('create_issue*', 'github:*').find('github', 'create_issue_x')).toBe('github:*');
  });

  it('among globs, the one with more literal characters wins, then the first written', () => {
    expect(index('*', 'delete_*', 'delete_repo*').find('s', 'delete_repo_x')).toBe('delete_repo*');
    expect(index('delete_repo*', 'delete_*', '*').find('s', 'delete_repo_x')).toBe('delete_repo*');
    expect(index('*_x', 'a_*').find('s', 'a_x')).toBe('*_x');
    expect(index('a_*', '*_x').find('s', 'a_x')).toBe('a_*');
  });

  it('keeps the first of two identical keys', () => {
    const twice = new ToolKeyIndex([
      [key('x'), 'first'],
      [key('x'), 'second'],
    ]);
    expect(twice.find('s', 'x')).toBe('first');
  });

  it('knows when it is empty', () => {
    expect(index().isEmpty).toBe(true);
    expect(index('s:*').isEmpty).toBe(false);
  });
});
