/**
 * What the full pipeline still lacks. The `toolgate+pipeline` target (lib/targets.ts) runs every calls.* cell
 * with what exists: a grant's token on every call, its policy deciding, a limit counted. Each gap below is
 * printed as an "n/a: <reason>" row (`calls.<kind>.audit-on`) until it is filled; fill one in by adding its
 * config to the pipeline target in targets.ts and removing it here.
 */
export const PIPELINE_GAPS: readonly { cell: string; na: string }[] = [
  {
    cell: 'audit-on',
    na: 'audit written on every call: the audit writer (src/audit) exists but is not wired into the gateway yet',
  },
];
