/**
 * The admin API's tool inventory, as the console reads it (`GET /admin/tools`, `GET /admin/tools/NAME`); the
 * gateway's own types are src/services/inventory-service.ts, src/inventory/tool-page.ts and src/risk.
 */

export const CATEGORIES = ['Read', 'Write', 'Execute', 'Destructive', 'Financial', 'Other'] as const;
export type Category = (typeof CATEGORIES)[number];

/** Ordered: a risk's index is its severity. */
export const RISKS = ['Low', 'Medium', 'High', 'Critical'] as const;
export type Risk = (typeof RISKS)[number];

export const EFFECTS = ['allow', 'require_approval', 'deny', 'hide', 'not_visible', 'unrestricted'] as const;
export type Effect = (typeof EFFECTS)[number];

/** Words in the tool's definition that decided its class. */
export interface Evidence {
  readonly source: 'name' | 'title' | 'description' | 'parameter' | 'annotation' | 'instructions';
  readonly at?: string;
  readonly quote: string;
  readonly finding: string;
  readonly category?: Category;
  readonly risk?: Risk;
}

/** Something in the definition that looks like an attack on the agent (hidden instructions, look-alikes, ...). */
export interface Warning {
  readonly kind: string;
  readonly source: Evidence['source'];
  readonly quote: string;
  readonly finding: string;
}

/** What a policy does with the tool before any argument is known. */
export interface PolicyVerdict {
  readonly effect: Effect;
  readonly rule: string;
  readonly message: string;
  readonly dependsOnArguments: boolean;
  readonly shadow: boolean;
}

export interface ToolRow {
  readonly server: string;
  readonly tool: string;
  readonly exposedName: string;
  readonly category: Category;
  readonly risk: Risk;
  readonly evidence: readonly Evidence[];
  readonly warnings: readonly Warning[];
  readonly policy: PolicyVerdict;
}

/** `GET /admin/tools`: the rows, and the servers whose tools could not be listed. */
export interface ToolsAnswer {
  readonly tools: readonly ToolRow[];
  readonly unlisted: readonly { readonly serverId: string; readonly reason: string }[];
}

/** `GET /admin/tools/NAME`: everything a tool's page says. */
export interface ToolPageData {
  readonly serverId: string;
  readonly name: string;
  readonly exposedName: string;
  readonly title?: string;
  readonly does: string;
  readonly category: Category;
  readonly risk: Risk;
  readonly evidence: readonly Evidence[];
  readonly warnings: readonly Warning[];
  readonly whyPolicy: string;
  readonly recommended: { readonly policy: object; readonly why: string };
  readonly verdicts: readonly { readonly who: string; readonly verdict: PolicyVerdict }[];
}

/** An effect in words, for tables and filters. */
export function effectText(effect: Effect): string {
  switch (effect) {
    case 'require_approval':
      return 'needs approval';
    case 'not_visible':
      return 'server not granted';
    case 'unrestricted':
      return 'unrestricted';
    default:
      return effect;
  }
}
