/** A policy file as `GET /admin/policies` lists it. */
export interface PolicySummary {
  readonly file: string;
  readonly name: string;
  readonly inConfig: boolean;
  readonly grants: readonly string[];
  readonly version: number | null;
}

export interface PoliciesAnswer {
  readonly policies: readonly PolicySummary[];
}
