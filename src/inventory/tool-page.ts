import type { Category, Evidence, Risk, Warning } from '../risk/classification.js';
import type { InventoryEntry, PolicyVerdict } from './inventory.js';
import { recommendRule, type RuleOptions } from './recommended-rule.js';

/** What the policy does with the tool for one grant (or the local caller). */
export interface GrantVerdict {
  /** The grant's label, or `(local)` for a caller without a grant. */
  readonly who: string;
  readonly verdict: PolicyVerdict;
}

/** Everything a tool's page says, as data: the CLI prints it, the admin API sends it. */
export interface ToolPage {
  readonly serverId: string;
  readonly name: string;
  readonly exposedName: string;
  readonly title?: string;
  /** What the tool does, from its definition. */
  readonly does: string;
  readonly category: Category;
  readonly risk: Risk;
  readonly evidence: readonly Evidence[];
  readonly warnings: readonly Warning[];
  /** Why the tool needs a policy, in plain words. */
  readonly whyPolicy: string;
  /** The recommended rule, as a whole policy document that loads as it is, and why. */
  readonly recommended: { readonly policy: object; readonly why: string };
  readonly verdicts: readonly GrantVerdict[];
}

const WHY: Record<Category, string> = {
  Read: 'It retrieves data. Reading is usually safe to allow, but an agent in a loop, or one steered by text it has read, can pull data out at volume: a cap bounds how much.',
  Write:
    'It creates or changes data. The change can be undone, but an agent that is wrong, or misled by text it has read, can make many changes fast: a cap bounds how many.',
  Execute:
    'It runs code, commands or jobs: whatever what it runs can do, the agent can do. Calls are capped, and the risky ones are put to a person.',
  Destructive:
    'It deletes data or does what cannot be undone: one wrong call, or one an injected instruction asked for, is final. It is kept from agents unless a person approves.',
  Financial:
    'It moves money or changes billing: a wrong call costs money, and may not be reversible. A person approves each call.',
  Other:
    'It neither reads nor changes data, runs nothing and moves no money; misuse can still disrupt a connection or a workflow, so calls are capped.',
};

/** The page of one tool, with what each of `verdicts`' policies does with it now. */
export function toolPage(entry: InventoryEntry, verdicts: readonly GrantVerdict[], options: RuleOptions): ToolPage {
  const { definition, classification } = entry;
  const recommended = recommendRule(entry, options);
  // What moved the risk: each piece of evidence that names one, in the words it quotes.
  const raises = classification.evidence.filter((item) => item.risk !== undefined);
  const why = [
    WHY[classification.category],
    ...raises.map(
      (item) => `"${item.quote}"${item.at === undefined ? '' : ` (${item.at})`}: ${sentence(item.finding)}`,
    ),
    ...classification.warnings.map((warning) => `Warning: ${sentence(warning.finding)}`),
  ].join(' ');
  return {
    serverId: entry.serverId,
    name: entry.name,
    exposedName: entry.exposedName,
    ...(definition.title === undefined ? {} : { title: definition.title }),
    does: definition.description?.trim() || definition.title || definition.annotations?.title || '(no description)',
    category: classification.category,
    risk: classification.risk,
    evidence: classification.evidence,
    warnings: classification.warnings,
    whyPolicy: why,
    recommended: {
      policy: { version: '1', default: 'deny', tools: { [`${entry.serverId}:${entry.name}`]: recommended.rule } },
      why: recommended.why,
    },
    verdicts,
  };
}

/** A finding as a sentence: capitalised, with one full stop. */
function sentence(finding: string): string {
  const text = finding.trim().replace(/\.+$/, '');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}
