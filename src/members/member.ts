/**
 * Who may run Toolgate from the console, and what each may do:
 * - `admin`: everything, servers, grants and members included;
 * - `policy_manager`: writes and attaches policies; never sees a token or a server's secret;
 * - `approver`: acts on approvals;
 * - `viewer`: reads everything an operator may read, the audit trail included, and changes nothing.
 */
export const ROLES = ['admin', 'policy_manager', 'approver', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** An operator who signs in to the console. The password is kept only as a memory-hard hash (see password.ts). */
export interface Member {
  readonly name: string;
  readonly role: Role;
  readonly createdAt: number;
}

/** A member's name: what they sign in with, and what the audit trail records of what they do. */
export const MEMBER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
