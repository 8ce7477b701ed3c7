import type { PolicyDocument, ToolRuleDocument } from '../policy/schema.js';
import { CATEGORIES, type Category } from '../risk/classification.js';
import type { Inventory } from './inventory.js';
import { recommendRule, type RuleOptions } from './recommended-rule.js';

/** A suggested policy, and what it does, for a summary a person reads. */
export interface SuggestedPolicy {
  readonly policy: PolicyDocument;
  /** How many tools of each category the inventory has. */
  readonly categories: Readonly<Record<Category, number>>;
  /** `server:tool` of the tools the policy hides, and of those it holds for approval (always, or above an amount). */
  readonly hidden: readonly string[];
  readonly approval: readonly string[];
}

/**
 * A safe starting policy for an inventory: `"default": "deny"`; one rule per tool, the catalogue's
 * recommendation for its class with the argument checks its definition calls for (recommendRule); and a rule
 * per category, so that a tool a server adds later is covered the same way before anyone writes a rule for it.
 * Every rule says why in its `note`.
 */
export function suggestPolicy(inventory: Inventory, options: RuleOptions): SuggestedPolicy {
  const tools: Record<string, ToolRuleDocument> = {};
  const categories = Object.fromEntries(CATEGORIES.map((category) => [category, 0])) as Record<Category, number>;
  const hidden: string[] = [];
  const approval: string[] = [];
  for (const entry of inventory.entries) {
    const key = `${entry.serverId}:${entry.name}`;
    const { rule } = recommendRule(entry, options);
    tools[key] = rule;
    categories[entry.classification.category]++;
    if (rule.action === 'hide') hidden.push(key);
    if (rule.action === 'require_approval' || rule.require_approval_if !== undefined) approval.push(key);
  }
  const later = (why: string): string => `For tools added after this policy was written: ${why}`;
  const policy: PolicyDocument = {
    version: '1',
    default: 'deny',
    tools,
    categories: {
      Read: {
        limits: [{ counter: 'category.Read.rate', window: 'minute', max: 60, scope: 'grant' }],
        note: later('reads are allowed, 60 a minute per grant.'),
      },
      Other: {
        limits: [{ counter: 'category.Other.rate', window: 'minute', max: 60, scope: 'grant' }],
        note: later('tools that touch no data are allowed, 60 a minute per grant.'),
      },
      Write: {
        limits: [{ counter: 'category.Write.rate', window: 'hour', max: 30, scope: 'grant' }],
        note: later('changes are allowed, 30 an hour per grant.'),
      },
      Execute: {
        action: 'require_approval',
        reason: 'A tool that runs code and that nobody has reviewed yet needs a person’s approval.',
        note: later('running code needs a person until someone writes a rule for the tool.'),
      },
      Destructive:
        options.destructive === 'hide'
          ? { action: 'hide', reason: 'Deletes or cannot be undone: hidden from agents.' }
          : { action: 'require_approval', reason: 'Deletes or cannot be undone: a person approves each call.' },
      Financial: { action: 'require_approval', reason: 'Moves money: a person approves each call.' },
    },
  };
  return { policy, categories, hidden, approval };
}
