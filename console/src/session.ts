/** The signed-in member, as GET /admin/session and POST /admin/session answer. */
export interface Session {
  readonly member: { readonly name: string; readonly role: Role };
  readonly csrf: string;
  /** What this member's role may do; pages hide what it may not (the API refuses it anyway). */
  readonly permissions: readonly Permission[];
}

export type Role = 'admin' | 'policy_manager' | 'approver' | 'viewer';

/** The admin API's permissions, one per kind of change; `read` is every page's data. */
export type Permission = 'read' | 'approve' | 'policy' | 'pins' | 'grants' | 'members';

export function may(session: Session, permission: Permission): boolean {
  return session.permissions.includes(permission);
}
