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

interface GlobEntry<T> {
  readonly regex: RegExp;
  readonly value: T;
}

/**
 * Finds the most specific key that matches a tool. Exact keys are in Maps, so a lookup by exact name costs
 * the same however many keys the policy has, and globs are only tried when no exact key matches; globs are
 * compiled once and kept in the order they are tried (most literal characters first, then the order written).
 */
export class ToolKeyIndex<T> {
  private readonly exactByServer = new Map<string, Map<string, T>>();
  private readonly exact = new Map<string, T>();
  private readonly globsByServer = new Map<string, GlobEntry<T>[]>();
  private readonly globs: GlobEntry<T>[] = [];

  /**
   * @param entries in declaration order, which breaks ties between globs; when two entries have the same
   *   key (possible in `hide`), the first is kept.
   */
  constructor(entries: Iterable<readonly [ToolKey, T]>) {
    const pending: Array<{ key: ToolKey; value: T; order: number }> = [];
    let order = 0;
    for (const [key, value] of entries) {
      if (!key.isGlob) {
        const map = key.serverId === null ? this.exact : mapFor(this.exactByServer, key.serverId);
        if (!map.has(key.tool)) map.set(key.tool, value);
      } else {
        pending.push({ key, value, order: order++ });
      }
    }
    pending.sort((a, b) => b.key.literalLength - a.key.literalLength || a.order - b.order);
    for (const { key, value } of pending) {
      const list = key.serverId === null ? this.globs : listFor(this.globsByServer, key.serverId);
      list.push({ regex: globToRegExp(key.tool), value });
    }
  }

  /** The value of the most specific matching key, or undefined when none matches. */
  find(serverId: string, tool: string): T | undefined {
    return (
      this.exactByServer.get(serverId)?.get(tool) ??
      this.exact.get(tool) ??
      firstMatch(this.globsByServer.get(serverId), tool) ??
      firstMatch(this.globs, tool)
    );
  }

  /** True when the index has no keys at all. */
  get isEmpty(): boolean {
    return (
      this.exact.size === 0 && this.exactByServer.size === 0 && this.globs.length === 0 && this.globsByServer.size === 0
    );
  }
}

function firstMatch<T>(list: readonly GlobEntry<T>[] | undefined, tool: string): T | undefined {
  if (list === undefined) return undefined;
  for (const entry of list) if (entry.regex.test(tool)) return entry.value;
  return undefined;
}

function mapFor<T>(maps: Map<string, Map<string, T>>, serverId: string): Map<string, T> {
  let map = maps.get(serverId);
  if (map === undefined) maps.set(serverId, (map = new Map()));
  return map;
}

function listFor<T>(lists: Map<string, GlobEntry<T>[]>, serverId: string): GlobEntry<T>[] {
  let list = lists.get(serverId);
  if (list === undefined) lists.set(serverId, (list = []));
  return list;
}
