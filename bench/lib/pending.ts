/**
 * Slots for the cells that need parts of Toolgate not built yet. Each returns the reason it cannot run today;
 * the bench prints it as "n/a: <reason>". Fill one in when its part lands, and the cell runs:
 *
 * - {@link pipelineConfig}: the `toolgate.json` additions that turn the full pipeline on (a grant, a policy
 *   with a counted limit, audit written). With it, every calls.* cell also runs with the pipeline on.
 * - {@link decisionBench}: decisions per second of the policy engine's decision function alone, for a policy
 *   of 10 and of 10,000 tool rules plus globs (target: over a million a second, the same for both).
 * - {@link auditBench}: audit records written per second, sustained.
 */

/** What a pending cell answers today. */
export interface Pending {
  na: string;
}

/** Config keys that switch the full pipeline on, merged into the gateway's config; or why there are none yet. */
export function pipelineConfig(): Record<string, unknown> | Pending {
  return { na: 'needs policies, grants, limits and audit (src/policy and after), not built yet' };
}

/** Decisions per second for a policy of `rules` tool rules plus globs; or why it cannot run yet. */
export async function decisionBench(rules: number, durationMs: number): Promise<{ perSecond: number } | Pending> {
  void rules;
  void durationMs;
  return { na: "needs the policy engine's decision function (src/policy), not built yet" };
}

/** Audit records written per second, sustained for `durationMs`; or why it cannot run yet. */
export async function auditBench(durationMs: number): Promise<{ perSecond: number } | Pending> {
  void durationMs;
  return { na: 'needs the audit writer, not built yet' };
}

export function isPending(value: unknown): value is Pending {
  return typeof value === 'object' && value !== null && typeof (value as Pending).na === 'string';
}
