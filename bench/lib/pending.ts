/**
 * Parts of the full pipeline the gateway does not have yet. The `toolgate+pipeline` target (lib/targets.ts)
 * runs every calls.* cell with everything that exists: a grant's token on every call, its policy deciding, a
 * limit counted, an audit record written. Each gap listed here is printed as an "n/a: <reason>" row
 * (`calls.<kind>.<cell>`, target toolgate+pipeline) until it is filled; fill one in by adding its config to the
 * pipeline target in targets.ts and removing it here. None is missing today.
 */
export const PIPELINE_GAPS: readonly { cell: string; na: string }[] = [];
