import type { Role } from './member.js';

/**
 * What a member may do through the admin API and the console, one word per kind of change. Every route names the
 * one it needs; `read` is every page's data (the audit trail included), never a token or a secret.
 */
const PERMISSIONS = ['read', 'approve', 'policy', 'pins', 'grants', 'members'] as const;
export type Permission = (typeof PERMISSIONS)[number];

const OF_ROLE: Record<Role, readonly Permission[]> = {
  admin: PERMISSIONS,
  // Writes and attaches policies, and accepts changed tool definitions (which change what its policies decide).
  policy_manager: ['read', 'policy', 'pins'],
  approver: ['read', 'approve'],
  viewer: ['read'],
};

export function permissionsOf(role: Role): readonly Permission[] {
  return OF_ROLE[role];
}

export function roleMay(role: Role, permission: Permission): boolean {
  return OF_ROLE[role].includes(permission);
}
