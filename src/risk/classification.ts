/** What a tool does, from the catalogue's risk table (docs: the policy format's risk classes). */
export const CATEGORIES = ['Read', 'Write', 'Execute', 'Destructive', 'Financial', 'Other'] as const;
export type Category = (typeof CATEGORIES)[number];

/** How much harm a call can do; ordered, so a risk's index is its severity. */
export const RISKS = ['Low', 'Medium', 'High', 'Critical'] as const;
export type Risk = (typeof RISKS)[number];

/** A tool as its server defines it (the MCP Tool object, read as untrusted plain data). */
export interface ToolDefinition {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly inputSchema?: unknown;
  readonly outputSchema?: unknown;
  readonly annotations?: {
    readonly title?: string;
    readonly readOnlyHint?: boolean;
    readonly destructiveHint?: boolean;
    readonly idempotentHint?: boolean;
    readonly openWorldHint?: boolean;
  };
}

/** One piece of evidence: where it was found, the words quoted, what it did to the result. */
export interface Evidence {
  readonly source: 'name' | 'title' | 'description' | 'parameter' | 'annotation' | 'instructions';
  /** The parameter's path (`force`, `options.recursive`) or the annotation's name; absent for name and description. */
  readonly at?: string;
  /** The exact words or characters quoted from the definition, kept short. */
  readonly quote: string;
  /** What the words mean for the result, in plain words. */
  readonly finding: string;
  /** The category the words point to. */
  readonly category?: Category;
  /** The risk the words raise the tool to. */
  readonly risk?: Risk;
}

/** A sign that a tool may be poisoned (tool poisoning, shadowing, preparation of a rug pull). */
export interface Warning {
  readonly kind: 'hidden-instructions' | 'invisible-characters' | 'look-alike-characters' | 'imitates-tool';
  readonly source: Evidence['source'];
  readonly quote: string;
  readonly finding: string;
}

/** A tool's class: what the policy's `categories` and `risks` rules match on. */
export interface ToolClass {
  readonly category: Category;
  readonly risk: Risk;
}

export interface Classification {
  readonly category: Category;
  readonly risk: Risk;
  readonly evidence: readonly Evidence[];
  readonly warnings: readonly Warning[];
}

/**
 * The risk each category starts from, before what the tool acts on and its arguments move it (tiers.ts).
 * Destructive starts at High, for named items; deleting a whole store is Critical.
 */
export const CATEGORY_RISK: Readonly<Record<Category, Risk>> = Object.freeze({
  Read: 'Low',
  Write: 'Medium',
  Execute: 'High',
  Destructive: 'High',
  Financial: 'Critical',
  Other: 'Low',
});

/**
 * Which of two categories wins when one tool does both ("create or overwrite", "disconnects and removes"): the one
 * whose mistakes cost more. Other ranks lowest because it names no effect on data at all.
 */
export const CATEGORY_RANK: Readonly<Record<Category, number>> = Object.freeze({
  Other: 0,
  Read: 1,
  Write: 2,
  Execute: 3,
  Destructive: 4,
  Financial: 5,
});

export function riskIndex(risk: Risk): number {
  return RISKS.indexOf(risk);
}

/** One step more severe, Critical staying Critical. */
export function riskAbove(risk: Risk): Risk {
  return RISKS[Math.min(RISKS.length - 1, riskIndex(risk) + 1)]!;
}

export function higherRisk(a: Risk, b: Risk): Risk {
  return riskIndex(a) >= riskIndex(b) ? a : b;
}
