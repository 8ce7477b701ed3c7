/**
 * What the grant form sends: a create's body, or an edit's PATCH with only what changed. Kept apart from the form
 * so the rules (every server is `null`; a policy manager may send only `policy`; a policy cannot be taken away,
 * only replaced) are tested alone.
 */
import type { GrantView } from './grant-view.js';

/** The form's fields: `servers` null for every server, `policy` '' for none. */
export interface GrantFields {
  readonly label: string;
  readonly policy: string;
  readonly servers: readonly string[] | null;
}

export interface GrantCreate {
  readonly label: string;
  readonly policy?: string;
  readonly servers?: readonly string[];
}

export interface GrantPatch {
  label?: string;
  policy?: string;
  servers?: readonly string[] | null;
}

export function fieldsOf(grant: GrantView): GrantFields {
  return { label: grant.label, policy: grant.policy ?? '', servers: grant.servers };
}

/** The body of POST /admin/grants; what is left empty is left out (no policy: denied everything). */
export function createBody(fields: GrantFields): GrantCreate {
  return {
    label: fields.label.trim(),
    ...(fields.policy === '' ? {} : { policy: fields.policy }),
    ...(fields.servers === null ? {} : { servers: fields.servers }),
  };
}

/**
 * The body of PATCH /admin/grants/ID: the fields that differ from `grant`; with `policyOnly` (a policy manager)
 * just the policy. Empty when nothing changed.
 */
export function patchBody(grant: GrantView, fields: GrantFields, policyOnly: boolean): GrantPatch {
  const patch: GrantPatch = {};
  if (fields.policy !== '' && fields.policy !== (grant.policy ?? '')) patch.policy = fields.policy;
  if (policyOnly) return patch;
  const label = fields.label.trim();
  if (label !== grant.label) patch.label = label;
  if (!sameServers(fields.servers, grant.servers)) patch.servers = fields.servers;
  return patch;
}

function sameServers(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
}

/** "All servers", or the list. */
export function serversText(servers: readonly string[] | null): string {
  if (servers === null) return 'All servers';
  return servers.length === 0 ? 'No servers' : servers.join(', ');
}

/** A policy file's name without its folder, for tables (the full path goes in a title). */
export function fileName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}
