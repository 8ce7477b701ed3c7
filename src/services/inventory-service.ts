import type { Clock } from '../clock.js';
import type { Namespacing } from '../catalog/namespacing.js';
import type { GrantStore } from '../grants/grant-store.js';
import {
  buildInventory,
  findEntries,
  verdictFor,
  type ClassifyServers,
  type Inventory,
  type InventoryEntry,
  type PolicyVerdict,
  type VerdictSubject,
} from '../inventory/inventory.js';
import { suggestPolicy, type SuggestedPolicy } from '../inventory/suggested-policy.js';
import type { RuleOptions } from '../inventory/recommended-rule.js';
import { toolPage, type GrantVerdict, type ToolPage } from '../inventory/tool-page.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import type { ToolClass } from '../risk/classification.js';
import type { Listings } from './server-listings.js';
import { loadServicePolicy } from './service-policy.js';
import { ServiceError } from './service-error.js';

/** Who `tools` shows verdicts for: the local caller, under the config's policy. */
const LOCAL = '(local)';

/** One row of the inventory: the tool, and what the chosen grant's policy does with it. */
export interface InventoryRow {
  readonly entry: InventoryEntry;
  readonly verdict: PolicyVerdict;
}

/**
 * Every tool of every server, classified, and what policies do with them: `toolgate tools`, `tools show`,
 * `policy suggest` and the admin API's inventory. Where the tools come from is the caller's: servers started
 * for the occasion (the CLI) or the running gateway's (the admin API).
 */
export class InventoryService {
  readonly #listings: () => Promise<Listings>;
  readonly #namespacing: Namespacing;
  readonly #classify: ClassifyServers;
  readonly #grants: Pick<GrantStore, 'list' | 'find'>;
  /** The config's policy file, for callers without a grant; null: they are unrestricted. */
  readonly #localPolicy: string | null;
  readonly #clock: Clock;

  constructor(options: {
    readonly listings: () => Promise<Listings>;
    readonly namespacing: Namespacing;
    readonly classify: ClassifyServers;
    readonly grants: Pick<GrantStore, 'list' | 'find'>;
    readonly localPolicy: string | null;
    readonly clock: Clock;
  }) {
    this.#listings = options.listings;
    this.#namespacing = options.namespacing;
    this.#classify = options.classify;
    this.#grants = options.grants;
    this.#localPolicy = options.localPolicy;
    this.#clock = options.clock;
  }

  async inventory(): Promise<Inventory> {
    const { listings, unlisted } = await this.#listings();
    return buildInventory(listings, unlisted, this.#namespacing, this.#classify);
  }

  /**
   * Every tool, with what `grant`'s policy (a label or id) does with it, or the local caller's without one.
   * @throws ServiceError `not_found` for no such active grant; `invalid` when the policy does not load.
   */
  async rows(grant?: string): Promise<{ inventory: Inventory; rows: InventoryRow[] }> {
    const subject = await this.#subject(grant);
    const inventory = await this.inventory();
    const now = this.#clock.now();
    return { inventory, rows: inventory.entries.map((entry) => ({ entry, verdict: verdictFor(entry, subject, now) })) };
  }

  /**
   * The page of the tool `name` (the name clients see, `server:tool`, or a tool name only one server has), with
   * what every active grant's policy, and the local caller's, does with it.
   * @throws ServiceError `not_found` when no tool has that name; `conflict` when several do.
   */
  async page(name: string, options: RuleOptions): Promise<ToolPage> {
    const inventory = await this.inventory();
    const found = findEntries(inventory, name);
    if (found.length === 0) {
      const unlisted = inventory.unlisted.map((server) => `"${server.serverId}" (${server.why})`);
      const note = unlisted.length === 0 ? '' : `; servers that could not be listed: ${unlisted.join(', ')}`;
      throw new ServiceError('not_found', `No tool named "${name}"${note}`);
    }
    if (found.length > 1) {
      const names = found.map((entry) => `${entry.serverId}:${entry.name}`).join(', ');
      throw new ServiceError('conflict', `Several servers have a tool "${name}": name one of ${names}`);
    }
    const entry = found[0]!;
    const now = this.#clock.now();
    const verdicts: GrantVerdict[] = [{ who: LOCAL, verdict: verdictFor(entry, await this.#subject(), now) }];
    for (const grant of await this.#grants.list()) {
      if (grant.revokedAt !== null) continue;
      const subject = {
        policy: servicePolicyOf(grant.policy),
        servers: grant.servers ?? undefined,
        unrestrictedWithoutPolicy: false,
      };
      verdicts.push({ who: grant.label, verdict: verdictFor(entry, subject, now) });
    }
    return toolPage(entry, verdicts, options);
  }

  /** A tool's class as the inventory classifies it now; undefined for a tool no server lists. */
  async classOf(serverId: string, tool: string): Promise<ToolClass | undefined> {
    const entry = (await this.inventory()).entries.find((each) => each.serverId === serverId && each.name === tool);
    return entry && { category: entry.classification.category, risk: entry.classification.risk };
  }

  /** A safe starting policy for every tool the servers list now (see suggestPolicy). */
  async suggest(options: RuleOptions): Promise<{ inventory: Inventory; suggested: SuggestedPolicy }> {
    const inventory = await this.inventory();
    return { inventory, suggested: suggestPolicy(inventory, options) };
  }

  async #subject(grantName?: string): Promise<VerdictSubject> {
    if (grantName === undefined) {
      return { policy: servicePolicyOf(this.#localPolicy), unrestrictedWithoutPolicy: true };
    }
    const grant = await this.#grants.find(grantName);
    if (!grant || grant.revokedAt !== null)
      throw new ServiceError('not_found', `No active grant labelled "${grantName}"`);
    return {
      policy: servicePolicyOf(grant.policy),
      servers: grant.servers ?? undefined,
      unrestrictedWithoutPolicy: false,
    };
  }
}

/** An inventory row as JSON for scripts and the web console: `toolgate tools --json`, `GET /admin/tools`. */
export function inventoryRowView({ entry, verdict }: InventoryRow) {
  return {
    server: entry.serverId,
    tool: entry.name,
    exposedName: entry.exposedName,
    category: entry.classification.category,
    risk: entry.classification.risk,
    evidence: entry.classification.evidence,
    warnings: entry.classification.warnings,
    policy: verdict,
  };
}

function servicePolicyOf(file: string | null): CompiledPolicy | null {
  return file === null ? null : loadServicePolicy(file);
}
