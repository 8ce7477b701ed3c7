import type { SessionSharing } from '../config/schema.js';
import type { Caller } from './caller.js';

/**
 * A partition is the callers that may share one session with a server, and so whatever the server keeps per
 * session (a login, a working folder, a browser, a database connection). Its key is part of the key of every
 * connection the gateway opens to the server; a connection serves one partition only.
 */
export const SHARED_PARTITION = 'shared';

/**
 * The partition of a caller under a server's `sessions` setting: everyone (`shared`), its principal
 * (`per-grant`), or its client session (`per-client`). A 2026-07-28 request belongs to no client session, so under
 * `per-client` it gets its principal's partition, as session-scoped limits count it. No caller (the gateway's own
 * requests) is the shared partition.
 */
export function partitionOf(sharing: SessionSharing, caller: Caller | undefined): string {
  if (sharing === 'shared' || caller === undefined) return SHARED_PARTITION;
  if (sharing === 'per-grant' || caller.stateless) return principalPartition(caller);
  return clientPartition(caller.sessionId);
}

/** The partition of one client session under `per-client`. */
export function clientPartition(sessionId: string): string {
  return `client:${sessionId}`;
}

function principalPartition(caller: Caller): string {
  const { via, id } = caller.principal;
  return id === null ? via : `${via}:${id}`;
}
