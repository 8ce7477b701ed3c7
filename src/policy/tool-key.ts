/**
 * The names a policy gives tools: the keys of `tools` and the entries of `hide`.
 *
 * A key is `<tool-glob>` or `<serverId>:<tool-glob>`. The tool part is the name the server itself gives the
 * tool (not the gateway's namespaced name); `*` in it matches any run of characters, including none. A key
 * without a server matches that tool on every server.
 *
 * `:` separates the server because it can appear in neither half: server ids are letters, digits, `_`, `.`
 * and `-` (the config file enforces it), and MCP tool names are letters, digits, `_`, `-` and `.`. A `/`
 * would not do: an early draft of the MCP naming guidance allowed it in tool names (`user-profile/update`),
 * and servers written to it exist, so `a/b` could be a tool of any server or tool `b` of server `a`. With
 * `:` the meaning of a key never depends on which servers are configured. A key is split at its first `:`,
 * so a tool whose name contains `:` (outside the MCP guidance) can still be named with its server:
 * `legacy:ns:tool`.
 */

/** Server ids as the config file allows them (src/config/schema.ts). */
const SERVER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * How specific a key is; lower wins. A server-qualified exact name beats an exact name on any server, which
 * beats a server-qualified glob, which beats a glob on any server.
 */
export const KeyRank = { ServerExact: 0, Exact: 1, ServerGlob: 2, Glob: 3 } as const;
export type KeyRank = (typeof KeyRank)[keyof typeof KeyRank];

/** A parsed key. */
export interface ToolKey {
  /** The key as written. */
  readonly text: string;
  /** The server the key is limited to, or null for every server. */
  readonly serverId: string | null;
  /** The tool name or glob, without the server. */
  readonly tool: string;
  readonly isGlob: boolean;
  readonly rank: KeyRank;
  /** Characters other than `*` in the tool part: among globs of one rank, more literal characters win. */
  readonly literalLength: number;
}

/** Parses a key, or says in plain words why it is not one. */
export function parseToolKey(text: string): ToolKey | { readonly error: string } {
  if (text === '') return { error: 'a tool key cannot be empty' };
  if (text === '__proto__') return { error: 'the key "__proto__" is not allowed' };
  const colon = text.indexOf(':');
  const serverId = colon === -1 ? null : text.slice(0, colon);
  const tool = colon === -1 ? text : text.slice(colon + 1);
  if (serverId !== null) {
    if (serverId.includes('*')) {
      return {
        error: `the server part of "${text}" cannot be a pattern; a key without "server:" already matches every server`,
      };
    }
    if (!SERVER_ID.test(serverId)) {
      return {
        error: `"${serverId}" is not a server id (1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit); keys are "tool" or "server:tool"`,
      };
    }
    if (tool === '') return { error: `"${text}" names a server but no tool; write "${serverId}:*" for all its tools` };
  }
  const isGlob = tool.includes('*');
  const rank =
    serverId === null ? (isGlob ? KeyRank.Glob : KeyRank.Exact) : isGlob ? KeyRank.ServerGlob : KeyRank.ServerExact;
  return { text, serverId, tool, isGlob, rank, literalLength: tool.replaceAll('*', '').length };
}

/** The RegExp a tool glob stands for: anchored, `*` as `.*`, every other character literal. */
export function globToRegExp(glob: string): RegExp {
  const source = glob
    .split('*')
    .map((literal) => literal.replace(/[\\^$.|?+()[\]{}/-]/g, '\\$&'))
    .join('.*');
  // `s`: a name containing a line break (outside the MCP guidance) is still matched by `*`.
  return new RegExp(`^${source}$`, 's');
}

/** A glob ready to be tried: its value, what ranks it among matching globs, and its test. */
interface GlobEntry<T> {
  readonly value: T;
  /** Characters other than `*`: more wins. */
  readonly literalLength: number;
  /** Position among the index's globs as written: earlier wins between globs of one literal length. */
  readonly order: number;
  readonly matches: (tool: string) => boolean;
}

/**
 * Finds the most specific key that matches a tool. Exact keys are in Maps, so a lookup by exact name costs
 * the same however many keys the policy has, and globs are only tried when no exact key matches.
 *
 * Globs are in tries keyed by their literal prefix (the characters before the first `*`), so a lookup walks
 * the tool's name once and tries only the globs whose prefix the name starts with, not every glob of the
 * policy: its cost depends on the name's length and on how many globs share a prefix of it, not on how many
 * globs there are. Globs that start with `*` have no prefix; they are in a second trie keyed by their literal
 * suffix, walked from the end of the name, and those with neither (`*`, `*x*`) sit at its root and are tried
 * on every lookup.
 */
export class ToolKeyIndex<T> {
  private readonly exactByServer = new Map<string, Map<string, T>>();
  private readonly exact = new Map<string, T>();
  private readonly globsByServer = new Map<string, GlobIndex<T>>();
  private readonly globs: GlobIndex<T>;
  private readonly empty: boolean;

  /**
   * @param entries in declaration order, which breaks ties between globs; when two entries have the same
   *   key (possible in `hide`), the first is kept.
   */
  constructor(entries: Iterable<readonly [ToolKey, T]>) {
    const globs: Array<{ key: ToolKey; entry: GlobEntry<T> }> = [];
    for (const [key, value] of entries) {
      if (!key.isGlob) {
        const map = key.serverId === null ? this.exact : mapFor(this.exactByServer, key.serverId);
        if (!map.has(key.tool)) map.set(key.tool, value);
      } else {
        const entry = {
          value,
          literalLength: key.literalLength,
          order: globs.length,
          matches: this.globMatcher(key.tool),
        };
        globs.push({ key, entry });
      }
    }
    this.globs = new GlobIndex(
      globs.filter(({ key }) => key.serverId === null).map(({ key, entry }) => [key.tool, entry]),
    );
    const byServer = new Map<string, Array<[string, GlobEntry<T>]>>();
    for (const { key, entry } of globs) {
      if (key.serverId !== null) listFor(byServer, key.serverId).push([key.tool, entry]);
    }
    for (const [serverId, list] of byServer) this.globsByServer.set(serverId, new GlobIndex(list));
    this.empty = this.exact.size === 0 && this.exactByServer.size === 0 && globs.length === 0;
  }

  /** The value of the most specific matching key, or undefined when none matches. */
  find(serverId: string, tool: string): T | undefined {
    // Most `hide` lists are empty, and decide looks in them on every call.
    if (this.empty) return undefined;
    return (
      this.exactByServer.get(serverId)?.get(tool) ??
      this.exact.get(tool) ??
      this.globsByServer.get(serverId)?.find(tool) ??
      this.globs.find(tool)
    );
  }

  /** True when the index has no keys at all. */
  get isEmpty(): boolean {
    return this.empty;
  }

  /**
   * The test of one glob on a whole tool name. Called once per glob, when the index is built; a test may
   * override it to count how many globs a lookup tries.
   */
  protected globMatcher(glob: string): (tool: string) => boolean {
    const first = glob.indexOf('*');
    const last = glob.lastIndexOf('*');
    if (/^\**$/.test(glob.slice(first, last + 1))) {
      // One run of `*` (`delete_*`, `*_issue`, `read_*_v2`, `*`): a prefix and a suffix, no RegExp needed.
      const prefix = glob.slice(0, first);
      const suffix = glob.slice(last + 1);
      const shortest = prefix.length + suffix.length;
      return (tool) => tool.length >= shortest && tool.startsWith(prefix) && tool.endsWith(suffix);
    }
    const regex = globToRegExp(glob);
    return (tool) => regex.test(tool);
  }
}

/**
 * The globs of one rank (server-qualified, or on every server), by literal prefix and, for those that start
 * with `*`, by literal suffix. find returns the glob that the documented order picks among all that match:
 * most literal characters, then first written.
 */
class GlobIndex<T> {
  private readonly byPrefix = new GlobTrie<T>(false);
  private readonly bySuffix = new GlobTrie<T>(true);

  constructor(globs: Iterable<readonly [string, GlobEntry<T>]>) {
    for (const [glob, entry] of globs) {
      const prefix = glob.slice(0, glob.indexOf('*'));
      if (prefix !== '') this.byPrefix.add(prefix, entry);
      else this.bySuffix.add(glob.slice(glob.lastIndexOf('*') + 1), entry);
    }
    this.byPrefix.sort();
    this.bySuffix.sort();
  }

  find(tool: string): T | undefined {
    return this.bySuffix.best(tool, this.byPrefix.best(tool, undefined))?.value;
  }
}

interface TrieNode<T> {
  /** By the next UTF-16 code unit of the literal (as a RegExp without `u` compares them); null for a leaf. */
  children: Map<number, TrieNode<T>> | null;
  /** The globs whose literal prefix (or suffix) ends at this node, best first. */
  readonly globs: GlobEntry<T>[];
}

/** Globs by a literal part of their name: the prefix, or the suffix (read from the end, when `fromEnd`). */
class GlobTrie<T> {
  private readonly root: TrieNode<T> = { children: null, globs: [] };

  constructor(private readonly fromEnd: boolean) {}

  add(literal: string, entry: GlobEntry<T>): void {
    let node = this.root;
    for (let i = 0; i < literal.length; i++) {
      const unit = literal.charCodeAt(this.fromEnd ? literal.length - 1 - i : i);
      node.children ??= new Map();
      let child = node.children.get(unit);
      if (child === undefined) node.children.set(unit, (child = { children: null, globs: [] }));
      node = child;
    }
    node.globs.push(entry);
  }

  /** Puts each node's globs best first, so a lookup can stop at the first that matches. */
  sort(): void {
    const pending = [this.root];
    for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
      node.globs.sort((a, b) => b.literalLength - a.literalLength || a.order - b.order);
      if (node.children !== null) pending.push(...node.children.values());
    }
  }

  /**
   * The best glob that matches `tool`, among those of the nodes along its name and `best` (the best found
   * elsewhere so far). Only globs that would beat the best so far are tried.
   */
  best(tool: string, best: GlobEntry<T> | undefined): GlobEntry<T> | undefined {
    let node: TrieNode<T> | undefined = this.root;
    const length = tool.length;
    for (let i = 0; ; i++) {
      best = bestOf(node.globs, tool, best);
      if (i === length || node.children === null) return best;
      node = node.children.get(tool.charCodeAt(this.fromEnd ? length - 1 - i : i));
      if (node === undefined) return best;
    }
  }
}

/** Whether `a` wins over `b` when both match: more literal characters, then written first. */
function better<T>(a: GlobEntry<T>, b: GlobEntry<T>): boolean {
  return a.literalLength > b.literalLength || (a.literalLength === b.literalLength && a.order < b.order);
}

/** The first glob of a best-first list that beats `best` and matches, or `best`. */
function bestOf<T>(
  globs: readonly GlobEntry<T>[],
  tool: string,
  best: GlobEntry<T> | undefined,
): GlobEntry<T> | undefined {
  for (const entry of globs) {
    // The list is best first: once one cannot beat `best`, none after it can.
    if (best !== undefined && !better(entry, best)) return best;
    if (entry.matches(tool)) return entry;
  }
  return best;
}

function mapFor<T>(maps: Map<string, Map<string, T>>, serverId: string): Map<string, T> {
  let map = maps.get(serverId);
  if (map === undefined) maps.set(serverId, (map = new Map()));
  return map;
}

function listFor<T>(lists: Map<string, T[]>, serverId: string): T[] {
  let list = lists.get(serverId);
  if (list === undefined) lists.set(serverId, (list = []));
  return list;
}
