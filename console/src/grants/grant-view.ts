/** A grant as the admin API shows it (src/services/grant-service.ts GrantView): never its token. */
export interface GrantView {
  readonly id: string;
  readonly label: string;
  readonly status: 'active' | 'revoked';
  /** Its policy file (an absolute path); null: it is denied everything. */
  readonly policy: string | null;
  /** The servers it may use; null: all of them. */
  readonly servers: readonly string[] | null;
  readonly createdAt: string;
  readonly rotatedAt: string | null;
  readonly revokedAt: string | null;
}

export interface GrantsAnswer {
  readonly grants: readonly GrantView[];
}
