import { createHash } from 'node:crypto';

/** How names of several servers are shown to clients (config key `namespacing`). */
export interface Namespacing {
  /** `prefix`: every name becomes `<serverId><separator><name>`; `conflicts`: only names two servers share. */
  readonly mode: 'prefix' | 'conflicts';
  readonly separator: string;
}

/** A name as one server offers it. */
export interface ServerName {
  readonly serverId: string;
  readonly name: string;
}

/** A server's name and the name the gateway shows for it. */
export interface ExposedName extends ServerName {
  readonly exposed: string;
}

/** The spec's limit on tool names: 1 to 128 of these characters. */
const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
const MAX_NAME_LENGTH = 128;
const HASH_LENGTH = 8;

/**
 * Chooses the name clients see for each server's tool or prompt, deterministically: the same inputs give the
 * same names, whatever order servers answered in (inputs are taken in config order).
 *
 * Every exposed name keeps to the spec (1-128 characters of `A-Za-z0-9_.-`): characters outside it become `_`,
 * and a name that is too long, or that would still collide with another, is cut and given a short hash of its
 * server and original name, so it stays unique and stable. Names are never parsed back: the gateway keeps the
 * mapping, so server names that contain dots, underscores or the separator itself are safe.
 * A server that lists the same name twice keeps the first.
 */
export function exposeNames(names: readonly ServerName[], namespacing: Namespacing): ExposedName[] {
  const owners = new Map<string, Set<string>>();
  for (const { serverId, name } of names) {
    const servers = owners.get(name) ?? new Set<string>();
    servers.add(serverId);
    owners.set(name, servers);
  }
  const seen = new Set<string>();
  const taken = new Set<string>();
  const exposed: ExposedName[] = [];
  for (const entry of names) {
    const identity = `${entry.serverId}\u0000${entry.name}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    const shared = (owners.get(entry.name)?.size ?? 0) > 1;
    const wanted =
      namespacing.mode === 'prefix' || shared ? `${entry.serverId}${namespacing.separator}${entry.name}` : entry.name;
    let name = sanitize(wanted);
    if (name.length > MAX_NAME_LENGTH || taken.has(name)) name = withHash(name, identity);
    taken.add(name);
    exposed.push({ ...entry, exposed: name });
  }
  return exposed;
}

/** True when `name` is a valid tool name under the spec. */
export function isSpecToolName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

function sanitize(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_.-]/g, '_');
  return cleaned.length === 0 ? '_' : cleaned;
}

function withHash(name: string, identity: string): string {
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, HASH_LENGTH);
  return `${name.slice(0, MAX_NAME_LENGTH - HASH_LENGTH - 1)}-${hash}`;
}
