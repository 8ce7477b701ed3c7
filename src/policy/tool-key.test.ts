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

  it('among globs, precedence holds across the prefix and suffix buckets of the index', () => {
    // Same literal count, one indexed by its prefix and one by its suffix: the first written wins, either way.
    expect(index('ab*', '*bc').find('s', 'abc')).toBe('ab*');
    expect(index('*bc', 'ab*').find('s', 'abc')).toBe('*bc');
    // Same literal count, prefixes of different lengths along one name.
    expect(index('a*cd', 'abc*').find('s', 'abcd')).toBe('a*cd');
    expect(index('abc*', 'a*cd').find('s', 'abcd')).toBe('abc*');
    // More literal characters win wherever they are: a short prefix with a long suffix, a suffix glob, `*x*`.
    expect(index('abc*', 'a*bcde').find('s', 'abcde')).toBe('a*bcde');
    expect(index('ab*', '*bcde').find('s', 'abcde')).toBe('*bcde');
    expect(index('a*', '*b*c*').find('s', 'abc')).toBe('*b*c*');
    expect(index('*b*', 'a*').find('s', 'abc')).toBe('*b*');
    expect(index('a*', '*b*').find('s', 'abc')).toBe('a*');
    // `*` alone loses to any glob with a literal character, and is the last resort for every name.
    expect(index('*', '*c').find('s', 'abc')).toBe('*c');
    expect(index('*', 'x*').find('s', 'abc')).toBe('*');
    expect(index('*').find('s', '')).toBe('*');
    // A glob whose prefix is the whole name matches it (`*` matches no characters), one whose parts overlap does not.
    expect(index('*', 'abc*').find('s', 'abc')).toBe('abc*');
    expect(index('*', '*abc').find('s', 'abc')).toBe('*abc');
    expect(index('*', 'ab*ba').find('s', 'aba')).toBe('*');
    expect(index('*', 'ab*ba').find('s', 'abba')).toBe('ab*ba');
    // A glob in a bucket the name reaches, whose other parts do not match, gives way to a less literal one.
    expect(index('a*', 'a*z', 'a*b*z').find('s', 'abc')).toBe('a*');
  });

  it('server-qualified globs keep their own precedence, and beat every glob on any server', () => {
    const all = index('create_*', '*_issue', 'github:create_*', 'github:*_issue', 'github:*', 'gitlab:create_issue*');
    expect(all.find('github', 'create_issue')).toBe('github:create_*');
    expect(all.find('github', 'close_issue')).toBe('github:*_issue');
    expect(all.find('github', 'list')).toBe('github:*');
    expect(all.find('gitlab', 'create_issue')).toBe('gitlab:create_issue*');
    expect(all.find('gitlab', 'create_pr')).toBe('create_*');
    expect(all.find('gitea', 'create_issue')).toBe('create_*');
    expect(all.find('gitea', 'close_issue')).toBe('*_issue');
    expect(all.find('gitea', 'list')).toBeUndefined();
    // Same literal count on one server, one indexed by prefix, one by suffix: the first written wins.
    expect(index('github:*_issue', 'github:create*').find('github', 'create_issue')).toBe('github:*_issue');
    expect(index('github:create*', 'github:*_issue').find('github', 'create_issue')).toBe('github:create*');
  });

  /** The definition, by brute force: every key that matches, best rank, then most literal, then first written. */
  const referenceOf = (texts: readonly string[]) => {
    const keys = texts.map((text, order) => ({ key: key(text), test: globToRegExp(key(text).tool), order }));
    return (serverId: string, tool: string): string | undefined =>
      keys
        .filter(({ key, test }) => (key.serverId === null || key.serverId === serverId) && test.test(tool))
        .sort((a, b) => a.key.rank - b.key.rank || b.key.literalLength - a.key.literalLength || a.order - b.order)[0]
        ?.key.text;
  };
  let seed = 7;
  /** 0 to n - 1, from a 32-bit LCG's high bits (its low bits repeat within a few draws). */
  const random = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return Math.floor((seed / 2 ** 32) * n);
  };
  const word = (alphabet: string, max: number) => {
    let text = '';
    for (let length = random(max + 1); length > 0; length--) text += alphabet[random(alphabet.length)];
    return text;
  };
  /** Random keys (`keys` at most, of `alphabet` and `*`), and names of `alphabet` looked up in them. */
  const compareWithReference = (rounds: number, keys: number, alphabet: string, length: number, probes: number) => {
    for (let round = 0; round < rounds; round++) {
      const texts = new Set<string>();
      for (let count = 1 + random(keys); count > 0; count--) {
        const tool = word(`${alphabet}*`, length) || '*';
        const server = ['', '', 's1:', 's2:'][random(4)];
        texts.add(`${server}${tool}`);
      }
      const built = index(...texts);
      const reference = referenceOf([...texts]);
      for (let probe = 0; probe < probes; probe++) {
        const serverId = ['s1', 's2', 's3'][random(3)] as string;
        const tool = word(alphabet, length + 1);
        expect(built.find(serverId, tool), `${JSON.stringify([...texts])} ${serverId}:${tool}`).toBe(
          reference(serverId, tool),
        );
      }
    }
  };

  it('finds what the documented precedence picks, for any keys and names', () => {
    compareWithReference(300, 12, 'ab', 5, 20);
  });

  it('finds what the documented precedence picks among hundreds of globs sharing prefixes and suffixes', () => {
    compareWithReference(10, 600, 'abc', 7, 300);
  });

  it('knows when it is empty', () => {
    expect(index().isEmpty).toBe(true);
    expect(index('s:*').isEmpty).toBe(false);
  });
});

describe('ToolKeyIndex lookups cost the same for 10 or 10,000 keys', () => {
  /** An index that counts the globs a lookup tries: each try runs the glob's matcher once. */
  class CountingIndex extends ToolKeyIndex<string> {
    static tries = 0;
    protected override globMatcher(glob: string): (tool: string) => boolean {
      const matches = super.globMatcher(glob);
      return (tool) => {
        CountingIndex.tries++;
        return matches(tool);
      };
    }
  }

  /** The keys of bench/lib/decisions.ts's policyOf: nine in ten exact names, one in ten globs of varied length. */
  const keysOf = (rules: number): string[] => {
    const globs = Math.max(1, Math.round(rules / 10));
    const texts: string[] = [];
    for (let i = 0; i < rules - globs; i++) texts.push(`tool_${i}`);
    for (let g = 0; g < globs; g++) texts.push(`g${g}_${'x'.repeat(g % 4)}*`);
    return texts;
  };
  const small = new CountingIndex(keysOf(10).map((text) => [key(text), text] as const));
  const large = new CountingIndex(keysOf(10_000).map((text) => [key(text), text] as const));
  const tries = (index: CountingIndex, tool: string): number => {
    CountingIndex.tries = 0;
    index.find('bench', tool);
    return CountingIndex.tries;
  };

  it('an exact name tries no glob', () => {
    expect(small.find('bench', 'tool_1')).toBe('tool_1');
    expect(tries(small, 'tool_1')).toBe(0);
    expect(tries(large, 'tool_1')).toBe(0);
    expect(tries(large, 'tool_8999')).toBe(0);
  });

  it('a name only globs match tries the globs on its prefix, not every glob', () => {
    expect(large.find('bench', 'g0_call')).toBe('g0_*');
    expect(large.find('bench', 'g999_xxxcall')).toBe('g999_xxx*');
    // A glob with all its literal characters before the star matches every name its prefix reaches: no test runs.
    expect(tries(small, 'g0_call')).toBe(0);
    expect(tries(large, 'g0_call')).toBe(0);
    expect(tries(large, 'g999_xxxcall')).toBe(0);
    // 1,000 globs, and a name that reaches none of their prefixes tries none.
    expect(large.find('bench', 'unlisted_1')).toBeUndefined();
    expect(tries(small, 'unlisted_1')).toBe(0);
    expect(tries(large, 'unlisted_1')).toBe(0);
  });

  it('a glob with literal characters on both sides of its star is tested once, among 10 or 10,000', () => {
    const withSuffix = (rules: number) =>
      new CountingIndex(
        keysOf(rules)
          .map((text) => text.replace(/\*$/, '*_v2'))
          .map((text) => [key(text), text] as const),
      );
    const [smallV2, largeV2] = [withSuffix(10), withSuffix(10_000)];
    expect(largeV2.find('bench', 'g999_xxxcall_v2')).toBe('g999_xxx*_v2');
    expect(largeV2.find('bench', 'g999_xxxcall')).toBeUndefined();
    expect(tries(smallV2, 'g0_call_v2')).toBe(1);
    expect(tries(largeV2, 'g0_call_v2')).toBe(1);
    expect(tries(largeV2, 'g999_xxxcall_v2')).toBe(1);
  });
});
