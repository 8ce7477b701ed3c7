import type { Grant } from './grant.js';

/**
 * Who is calling, as every step after authentication sees it: the pipeline, the audit record, approvals and
 * limits use this, never a store's row. Today a principal is a grant (a bearer token) or the local operator (a
 * tokenless caller on loopback where listen.allowTokenless says so, or a stdio client started without `--grant`); OAuth
 * will add a third way to become one without changing anything downstream.
 */
export interface Principal {
  /** How the caller proved who it is. */
  readonly via: 'grant' | 'local';
  /** The grant's id: the lasting identity. Null for the local operator. */
  readonly id: string | null;
  /** The grant's label, for people. Null for the local operator. */
  readonly label: string | null;
  /**
   * The policy file that decides its calls. For a grant, null means it is denied everything; for the local
   * operator it is the config's `policy`, and null means no policy is configured: everything is allowed.
   */
  readonly policy: string | null;
  /** The servers it may see; null: all of them. The others do not exist for it. */
  readonly servers: readonly string[] | null;
}

export function grantPrincipal(grant: Grant): Principal {
  return { via: 'grant', id: grant.id, label: grant.label, policy: grant.policy, servers: grant.servers };
}

export function localPrincipal(policy: string | null): Principal {
  return { via: 'local', id: null, label: null, policy, servers: null };
}

/**
 * Whether a principal may see a server: every server, or one its grant names. What a server sends reaches only
 * principals that may see it, as only they may reach the server.
 */
export function canSee(principal: Principal, serverId: string): boolean {
  return principal.servers === null || principal.servers.includes(serverId);
}
