import type { GatewayConfig } from '../config/gateway-config.js';
import type { ServerListing, UnlistedServer } from '../inventory/inventory.js';
import type { RawResult } from '../raw-result.js';
import type { ToolDefinition } from '../risk/classification.js';
import { createLogger } from '../observability/log.js';
import { Upstream } from '../upstream/upstream.js';
import type { UpstreamPool } from '../upstream/upstream-pool.js';

/** What every configured server lists, and which could not be listed. */
export interface Listings {
  readonly listings: readonly ServerListing[];
  readonly unlisted: readonly UnlistedServer[];
}

/**
 * Starts every server of `config` as the gateway would, at once, lists what each offers, and closes them all: how
 * the CLI takes the inventory without a running gateway. A server that does not come up is reported, not fatal.
 */
export async function listConfiguredServers(config: GatewayConfig): Promise<Listings> {
  const log = createLogger('silent');
  const upstreams = config.servers.map(
    (server) => new Upstream(server, { catalogChanged: () => undefined, notification: () => undefined }, log),
  );
  try {
    for (const upstream of upstreams) upstream.start();
    await Promise.all(upstreams.map((upstream) => upstream.settled()));
    return listingsOf(upstreams);
  } finally {
    await Promise.all(upstreams.map((upstream) => upstream.close()));
  }
}

/** What the running gateway's servers list now (the admin API's inventory). */
export function poolListings(pool: UpstreamPool): Listings {
  return listingsOf([...pool.all()]);
}

function listingsOf(upstreams: readonly Upstream[]): Listings {
  const listings: ServerListing[] = [];
  const unlisted: UnlistedServer[] = [];
  for (const upstream of upstreams) {
    if (upstream.state !== 'up' && !upstream.hasListed) {
      const health = upstream.health();
      unlisted.push({ serverId: upstream.id, why: health.error ?? upstream.state });
      continue;
    }
    listings.push({
      serverId: upstream.id,
      ...(upstream.instructions === undefined ? {} : { instructions: upstream.instructions }),
      tools: upstream.catalog.tools.filter((item): item is RawResult & ToolDefinition => isToolDefinition(item)),
    });
  }
  return { listings, unlisted };
}

function isToolDefinition(item: unknown): item is ToolDefinition {
  return typeof (item as { name?: unknown } | null)?.name === 'string';
}
