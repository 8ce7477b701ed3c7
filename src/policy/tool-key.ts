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
  /**
   * The test, or null for a glob whose literal characters are all on one side of its stars (`delete_*`,
   * `*_issue`, `*`): the trie indexes it by all of them, so every name that reaches it matches it.
   */
  readonly matches: ((tool: string) => boolean) | null;
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
          // `abc*`, `*abc`, `*`: see GlobEntry.matches.
          matches: /^[^*]*\*+$|^\*+[^*]*$/.test(key.tool) ? null : this.globMatcher(key.tool),
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
  private readonly byPrefix: GlobTrie<T>;
  private readonly bySuffix: GlobTrie<T>;

  constructor(globs: readonly (readonly [string, GlobEntry<T>])[]) {
    const prefixed: Array<[string, GlobEntry<T>]> = [];
    const suffixed: Array<[string, GlobEntry<T>]> = [];
    for (const [glob, entry] of globs) {
      const prefix = glob.slice(0, glob.indexOf('*'));
      if (prefix !== '') prefixed.push([prefix, entry]);
      else suffixed.push([glob.slice(glob.lastIndexOf('*') + 1), entry]);
    }
    this.byPrefix = new GlobTrie(prefixed, false);
    this.bySuffix = new GlobTrie(suffixed, true);
  }

  find(tool: string): T | undefined {
    return this.bySuffix.best(tool, this.byPrefix.best(tool, undefined))?.value;
  }
}

/** A trie node while the trie is built. */
interface BuildNode<T> {
  /** By the next UTF-16 code unit of the literal (as a RegExp without `u` compares them). */
  readonly children: Map<number, BuildNode<T>>;
  /** The globs whose literal prefix (or suffix) ends at this node. */
  readonly globs: GlobEntry<T>[];
}

/**
 * Globs by a literal part of their name: the prefix, or the suffix (read from the end, when `fromEnd`).
 *
 * The trie is laid out flat, in three arrays of numbers and one of globs, rather than as an object and a Map per
 * node: a lookup visits a node per character of the name, and nodes of several objects each, scattered over the
 * heap, cost a cache miss apiece once there are more than a cache holds. With 1,000 globs, a glob hit fetched
 * about 25 cache lines from memory and took 2.4 times as long as with 10, though it tried no more globs. Nodes
 * are numbered breadth-first, so the children of a node are consecutive numbers; the trie of 1,000 globs takes a
 * few tens of kilobytes.
 */
class GlobTrie<T> {
  /** The code unit on the edge into each node. The root is node 0, so 0 also means "no child". */
  private readonly unit: Uint16Array;
  /** The children of node `n` are the nodes from `firstChild[n]` up to `firstChild[n + 1]`. */
  private readonly firstChild: Uint32Array;
  /** The globs of node `n`, best first, are `globs[firstGlob[n]]` up to `globs[firstGlob[n + 1]]`. */
  private readonly firstGlob: Uint32Array;
  private readonly globs: readonly GlobEntry<T>[];

  constructor(
    literals: readonly (readonly [string, GlobEntry<T>])[],
    private readonly fromEnd: boolean,
  ) {
    const root: BuildNode<T> = { children: new Map(), globs: [] };
    for (const [literal, entry] of literals) {
      let node = root;
      for (let i = 0; i < literal.length; i++) {
        const unit = literal.charCodeAt(fromEnd ? literal.length - 1 - i : i);
        let child = node.children.get(unit);
        if (child === undefined) node.children.set(unit, (child = { children: new Map(), globs: [] }));
        node = child;
      }
      node.globs.push(entry);
    }
    const nodes = [root];
    for (let n = 0; n < nodes.length; n++) nodes.push(...(nodes[n] as BuildNode<T>).children.values());
    this.unit = new Uint16Array(nodes.length);
    this.firstChild = new Uint32Array(nodes.length + 1);
    this.firstGlob = new Uint32Array(nodes.length + 1);
    const globs: GlobEntry<T>[] = [];
    let next = 1;
    for (const [n, node] of nodes.entries()) {
      // The walk above queued node n's children together, in this order: they are nodes next, next + 1, ...
      this.firstChild[n] = next;
      for (const unit of node.children.keys()) this.unit[next++] = unit;
      this.firstGlob[n] = globs.length;
      // Best first, so a lookup can stop at the first that matches.
      globs.push(...node.globs.sort((a, b) => b.literalLength - a.literalLength || a.order - b.order));
    }
    this.firstChild[nodes.length] = next;
    this.firstGlob[nodes.length] = globs.length;
    this.globs = globs;
  }

  /**
   * The best glob that matches `tool`, among those of the nodes along its name and `best` (the best found
   * elsewhere so far). Only globs that would beat the best so far are tried.
   */
  best(tool: string, best: GlobEntry<T> | undefined): GlobEntry<T> | undefined {
    const length = tool.length;
    let node = 0;
    for (let i = 0; ; i++) {
      best = this.bestAt(node, tool, best);
      if (i === length) return best;
      node = this.child(node, tool.charCodeAt(this.fromEnd ? length - 1 - i : i));
      if (node === 0) return best;
    }
  }

  /**
   * The child of `node` on `unit`, or 0. A node has at most one child per character that names use (65 for the
   * names MCP recommends), so a look at each is enough.
   */
  private child(node: number, unit: number): number {
    const end = this.firstChild[node + 1] as number;
    for (let child = this.firstChild[node] as number; child < end; child++) if (this.unit[child] === unit) return child;
    return 0;
  }

  /** The first glob of `node` that beats `best` and matches, or `best`. */
  private bestAt(node: number, tool: string, best: GlobEntry<T> | undefined): GlobEntry<T> | undefined {
    const end = this.firstGlob[node + 1] as number;
    for (let g = this.firstGlob[node] as number; g < end; g++) {
      const entry = this.globs[g] as GlobEntry<T>;
      // Best first: once one cannot beat `best`, none after it can.
      if (best !== undefined && !better(entry, best)) return best;
      if (entry.matches === null || entry.matches(tool)) return entry;
    }
    return best;
  }
}

/** Whether `a` wins over `b` when both match: more literal characters, then written first. */
function better<T>(a: GlobEntry<T>, b: GlobEntry<T>): boolean {
  return a.literalLength > b.literalLength || (a.literalLength === b.literalLength && a.order < b.order);
}

function mapFor<T>(maps: Map<string, Map<string, T>>, serverId: string): Map<string, T> {
  let map = maps.get(serverId);
  if (map === undefined) maps.set(serverId, (map = new Map<string, T>()));
  return map;
}

function listFor<T>(lists: Map<string, T[]>, serverId: string): T[] {
  let list = lists.get(serverId);
  if (list === undefined) lists.set(serverId, (list = []));
  return list;
}
