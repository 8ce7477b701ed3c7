/**
 * Slots for the cells that need parts of Toolgate not built yet. Each returns the reason it cannot run today;
 * the bench prints it as "n/a: <reason>". Fill one in when its part lands, and the cell runs:
 *
 * - {@link pipelineConfig}: the `toolgate.json` additions that turn the full pipeline on (a policy with a limit
 *   that is counted, audit written) once the request path enforces policy and writes audit. To fill it: return
 *   that config, give the bench client a grant's token (`Authorization: Bearer`, RawHttpSession), and start a
 *   second Toolgate target with it in targets.ts, so every calls.* cell gets a "toolgate, pipeline on" row.
 * - {@link auditBench}: audit records written per second, sustained.
 */

/** What a pending cell answers today. */
export interface Pending {
  na: string;
}

/** Config keys that switch the full pipeline on, or why there are none yet. */
export function pipelineConfig(): Record<string, unknown> | Pending {
  return {
    na: 'needs policy enforcement on the request path and the audit writer, which this build does not have yet',
  };
}

/** Audit records written per second, sustained for `durationMs`; or why it cannot run yet. */
export async function auditBench(durationMs: number): Promise<{ perSecond: number } | Pending> {
  void durationMs;
  return { na: 'needs the audit writer, not built yet' };
}

export function isPending(value: unknown): value is Pending {
  return typeof value === 'object' && value !== null && typeof (value as Pending).na === 'string';
}
