import { exposeNames, type Namespacing } from '../catalog/namespacing.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import { decide, ruleOf } from '../policy/decide.js';
import type { Classification, ToolDefinition } from '../risk/classification.js';

/** What one server offers, as the inventory reads it: its tools and its instructions. */
export interface ServerListing {
  readonly serverId: string;
  readonly instructions?: string;
  readonly tools: readonly ToolDefinition[];
}

/** A server the inventory could not list, and why (it is down, it failed to start). */
export interface UnlistedServer {
  readonly serverId: string;
  readonly why: string;
}

/** One tool of one server: its definition, the name clients see, and what Toolgate makes of it. */
export interface InventoryEntry {
  readonly serverId: string;
  /** The tool's name as its server gives it: what policies name. */
  readonly name: string;
  /** The name clients see through Toolgate (see namespacing). */
  readonly exposedName: string;
  readonly definition: ToolDefinition;
  readonly classification: Classification;
}

/** Every tool of every server listed, and the servers that could not be. */
export interface Inventory {
  readonly entries: readonly InventoryEntry[];
  readonly unlisted: readonly UnlistedServer[];
}

/** Classifies every tool of every server at once: a name imitating another server's tool needs them all. */
export type ClassifyServers = (
  servers: readonly ServerListing[],
) => ReadonlyMap<string, ReadonlyMap<string, Classification>>;

/**
 * The inventory of `listings`, in config order and each server's own order: the exposed names are the ones the
 * gateway shows with `namespacing`.
 */
export function buildInventory(
  listings: readonly ServerListing[],
  unlisted: readonly UnlistedServer[],
  namespacing: Namespacing,
  classifyServers: ClassifyServers,
): Inventory {
  const classes = classifyServers(listings);
  const exposed = new Map(
    exposeNames(
      listings.flatMap((listing) => listing.tools.map((tool) => ({ serverId: listing.serverId, name: tool.name }))),
      namespacing,
    ).map((entry) => [`${entry.serverId}\u0000${entry.name}`, entry.exposed]),
  );
  const entries: InventoryEntry[] = [];
  for (const listing of listings) {
    const seen = new Set<string>();
    for (const definition of listing.tools) {
      // A server that lists a name twice keeps the first, as the gateway does.
      if (seen.has(definition.name)) continue;
      seen.add(definition.name);
      const classification = classes.get(listing.serverId)?.get(definition.name);
      const exposedName = exposed.get(`${listing.serverId}\u0000${definition.name}`);
      if (!classification || exposedName === undefined) continue;
      entries.push({ serverId: listing.serverId, name: definition.name, exposedName, definition, classification });
    }
  }
  return { entries, unlisted };
}

/**
 * Finds a tool by the name clients see, by `server:tool`, or by its own name when only one server has it.
 * @returns the entries that match: none, one, or several when a plain name is ambiguous.
 */
export function findEntries(inventory: Inventory, name: string): InventoryEntry[] {
  const exposed = inventory.entries.filter((entry) => entry.exposedName === name);
  if (exposed.length > 0) return exposed;
  const colon = name.indexOf(':');
  if (colon > 0) {
    const serverId = name.slice(0, colon);
    const tool = name.slice(colon + 1);
    return inventory.entries.filter((entry) => entry.serverId === serverId && entry.name === tool);
  }
  return inventory.entries.filter((entry) => entry.name === name);
}

/** What a policy does with a tool, before any argument is known. */
export interface PolicyVerdict {
  /** `allow`, `deny`, `hide`, `require_approval`; `not_visible` when the grant may not use the tool's server. */
  readonly effect: 'allow' | 'deny' | 'hide' | 'require_approval' | 'not_visible' | 'unrestricted';
  /** The rule that decided (a JSON Pointer, a sentinel, "" for none). */
  readonly rule: string;
  readonly message: string;
  /** The rule has conditions on arguments: a call may be decided otherwise than this verdict says. */
  readonly dependsOnArguments: boolean;
  /** The policy is in shadow mode: the verdict is what it would enforce, and every call goes through. */
  readonly shadow: boolean;
}

/** Who the verdict is for: a grant's policy and servers, or the local caller's policy (null: unrestricted). */
export interface VerdictSubject {
  readonly policy: CompiledPolicy | null;
  /** The servers the grant may use; undefined for every server. */
  readonly servers?: readonly string[];
  /** A local caller without a policy may call every tool; a grant without one may call none. */
  readonly unrestrictedWithoutPolicy: boolean;
}

/** What `subject`'s policy does with a call to `entry` that gives no arguments, at `now`. */
export function verdictFor(entry: InventoryEntry, subject: VerdictSubject, now: number): PolicyVerdict {
  if (subject.servers && !subject.servers.includes(entry.serverId)) {
    return {
      effect: 'not_visible',
      rule: '',
      message: `The grant may not use server "${entry.serverId}"`,
      dependsOnArguments: false,
      shadow: false,
    };
  }
  if (subject.policy === null && subject.unrestrictedWithoutPolicy) {
    return {
      effect: 'unrestricted',
      rule: '',
      message: 'No policy: every call is allowed',
      dependsOnArguments: false,
      shadow: false,
    };
  }
  const { category, risk } = entry.classification;
  const toolClass = { category, risk };
  const decision = decide(subject.policy, {
    serverId: entry.serverId,
    tool: entry.name,
    toolClass,
    arguments: {},
    now,
  });
  const enforced = decision.shadow ? decision.shadowed : decision;
  const rule = subject.policy === null ? undefined : ruleOf(subject.policy, entry.serverId, entry.name, toolClass);
  const dependsOnArguments =
    rule !== undefined &&
    (rule.require.length > 0 ||
      rule.denyIf.length > 0 ||
      rule.requireApprovalIf.length > 0 ||
      rule.limits.some((limit) => limit.incrementFrom !== null));
  // A call with no arguments fails a rule's argument checks; what the rule does with calls that pass them is
  // what describes the tool, and `dependsOnArguments` says the checks come first.
  const byConditions =
    rule !== undefined && dependsOnArguments && /\/(require|deny_if|require_approval_if)\//.test(enforced.rule);
  return {
    effect: byConditions ? (rule.action === 'require_approval' ? 'require_approval' : 'allow') : enforced.effect,
    rule: byConditions ? rule.rule : enforced.rule,
    message: byConditions ? 'Decided by the arguments of each call' : enforced.message,
    dependsOnArguments,
    shadow: decision.shadow,
  };
}
