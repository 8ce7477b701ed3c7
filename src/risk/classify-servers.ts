/**
 * Every tool of every server, and the one sign no single definition shows: a tool whose name imitates another
 * server's tool (`read_fіle` with a Cyrillic `і` beside `read_file`, `send_emial` beside `send_email`).
 */
import type { Classification, Evidence, ToolDefinition, Warning } from './classification.js';
import { classifyTool } from './classify-tool.js';
import { nameSkeleton, plainName } from './look-alike.js';

export interface ServerTools {
  readonly serverId: string;
  readonly instructions?: string;
  readonly tools: readonly ToolDefinition[];
}

interface Entry {
  readonly serverId: string;
  readonly name: string;
  readonly skeleton: string;
}

/** Names this long or longer may be one swapped pair of letters from another (`read_flie`). */
const MIN_TRANSPOSED_LENGTH = 8;

/** The skeletons one adjacent swap away, each once. */
function transpositions(skeleton: string): string[] {
  const out = new Set<string>();
  for (let i = 0; i + 1 < skeleton.length; i++) {
    if (skeleton[i] === skeleton[i + 1]) continue;
    out.add(skeleton.slice(0, i) + skeleton[i + 1]! + skeleton[i]! + skeleton.slice(i + 2));
  }
  return [...out];
}

function imitation(entry: Entry, other: Entry): Warning {
  const same = entry.name === other.name;
  const convention = !same && plainName(entry.name) === plainName(other.name);
  const finding = same
    ? `has the same name as a tool of server "${other.serverId}"; Toolgate keeps them apart by server, so the name alone raises nothing`
    : convention
      ? `is "${other.name}" of server "${other.serverId}" written another way; only case and separators differ, so it raises nothing`
      : `looks like "${other.name}" of server "${other.serverId}" without being it`;
  return { kind: 'imitates-tool', source: 'name', quote: entry.name, finding };
}

/** Does the warning say a name was made to look like another (rather than merely share it)? */
function disguised(warning: Warning): boolean {
  return warning.kind === 'imitates-tool' && warning.finding.startsWith('looks like');
}

function withImitations(classification: Classification, found: readonly Warning[]): Classification {
  const warnings = [...classification.warnings, ...found];
  if (!found.some(disguised) || classification.risk === 'High' || classification.risk === 'Critical') {
    return { ...classification, warnings };
  }
  const raise: Evidence = {
    source: 'name',
    quote: found.find(disguised)!.quote,
    finding: "a name made to look like another server's tool: a sign of poisoning, at least High risk",
    risk: 'High',
  };
  return { ...classification, risk: 'High', evidence: [...classification.evidence, raise], warnings };
}

/** Classifies every tool of every server, adding the cross-server warnings. serverId → tool name → classification. */
export function classifyServers(servers: readonly ServerTools[]): Map<string, Map<string, Classification>> {
  const entries: Entry[] = [];
  const bySkeleton = new Map<string, Entry[]>();
  for (const server of servers) {
    for (const tool of server.tools) {
      const name = typeof tool.name === 'string' ? tool.name : '';
      const entry = { serverId: server.serverId, name, skeleton: nameSkeleton(name) };
      entries.push(entry);
      const list = bySkeleton.get(entry.skeleton) ?? [];
      list.push(entry);
      bySkeleton.set(entry.skeleton, list);
    }
  }

  const found = new Map<Entry, Warning[]>();
  for (const entry of entries) {
    if (entry.skeleton.length === 0) continue;
    const candidates = [...(bySkeleton.get(entry.skeleton) ?? [])];
    if (entry.skeleton.length >= MIN_TRANSPOSED_LENGTH) {
      for (const variant of transpositions(entry.skeleton)) candidates.push(...(bySkeleton.get(variant) ?? []));
    }
    const seen = new Set<string>();
    for (const other of candidates) {
      if (other.serverId === entry.serverId) continue;
      const key = `${other.serverId}\u0000${other.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const list = found.get(entry) ?? [];
      list.push(imitation(entry, other));
      found.set(entry, list);
    }
  }

  const result = new Map<string, Map<string, Classification>>();
  let index = 0;
  for (const server of servers) {
    const tools = result.get(server.serverId) ?? new Map<string, Classification>();
    result.set(server.serverId, tools);
    const context = server.instructions === undefined ? undefined : { instructions: server.instructions };
    for (const tool of server.tools) {
      const entry = entries[index++]!;
      const classification = classifyTool(tool, context);
      const warnings = found.get(entry);
      tools.set(entry.name, warnings ? withImitations(classification, warnings) : classification);
    }
  }
  return result;
}
