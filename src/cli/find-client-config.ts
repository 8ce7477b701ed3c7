import { ClientConfigError, type ClientConfig } from './client-config.js';
import { serversBesideToolgate } from './client-import.js';
import type { ClientLocation } from './client-locations.js';

/** What was found at one of the usual places. */
interface Sighting {
  readonly location: ClientLocation;
  /** What is there, for the person to read. */
  readonly note: string;
  /** The file may be the one to import: it has servers, or it could not be read to tell. */
  readonly candidate: boolean;
  readonly client?: ClientConfig;
}

/**
 * The client config to import when none is named: the one file at the usual places that has servers. Files
 * without servers (a client's settings, or one already pointed at Toolgate) are passed over; one that cannot be
 * read counts as a candidate, since it may be the one the person means.
 * @param read the config at a location; undefined when there is no file there.
 * @throws ClientConfigError listing what is at each place, when no file or several could be the one.
 */
export function findClientConfig(
  locations: readonly ClientLocation[],
  read: (location: ClientLocation) => ClientConfig | undefined,
): ClientConfig {
  const sightings = locations.map((location) => sight(location, read));
  const candidates = sightings.filter((sighting) => sighting.candidate);
  if (candidates.length === 1 && candidates[0]!.client !== undefined) return candidates[0]!.client;

  const lines = [
    candidates.length > 1
      ? 'Several MCP client configs could be the one to import:'
      : candidates.length === 1
        ? 'The MCP client config found cannot be read:'
        : 'No MCP client config with servers in the usual places:',
  ];
  const width = Math.max(...locations.map(({ kind }) => kind.length));
  for (const { location, note } of sightings) lines.push(`  ${location.kind.padEnd(width)}  ${note}`);
  const kinds = new Set(candidates.map(({ location }) => location.kind));
  lines.push(`Name the file with --client-config FILE${kinds.size > 1 ? ', or the client with --client KIND' : ''}.`);
  throw new ClientConfigError(lines.join('\n'));
}

function sight(location: ClientLocation, read: (location: ClientLocation) => ClientConfig | undefined): Sighting {
  const { file } = location;
  let client: ClientConfig | undefined;
  try {
    client = read(location);
  } catch (error) {
    if (!(error instanceof ClientConfigError)) throw error;
    if (error.reason === 'without_servers')
      return { location, note: `${file}: no MCP servers in it`, candidate: false };
    return { location, note: error.message, candidate: true };
  }
  if (client === undefined) return { location, note: `${file}: not there`, candidate: false };
  const ids = serversBesideToolgate(client);
  if (ids.length === 0) {
    const note = client.servers.length === 0 ? 'no MCP servers in it' : 'only Toolgate (pointed at it already)';
    return { location, note: `${file}: ${note}`, candidate: false };
  }
  const count = `${ids.length} ${ids.length === 1 ? 'server' : 'servers'}`;
  return { location, note: `${file}: ${count} (${ids.join(', ')})`, candidate: true, client };
}
