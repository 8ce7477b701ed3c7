import { z } from 'zod';
import type { PathIssue } from '../json/file-issue.js';
import type { JsonPath } from '../json/json-path.js';
import { pathIssuesFromZod, plainMessage } from '../json/schema-issues.js';
import { parseArgumentPath } from './argument-path.js';
import { CONDITION_OPS, conditionIssues } from './condition.js';
import { CATEGORIES, RISKS } from '../risk/classification.js';
import { parseToolKey } from './tool-key.js';

/**
 * The schema of a policy document: the single definition of what a policy may contain.
 *
 * It accepts the hosted gateway's policy.json version "1" as its users write it (the seed pages' documents
 * load verbatim), the forms its pages describe in prose (`action` with `reason`, `rate_limit`, a window in
 * seconds), and the earlier proxy's vocabulary (`increment_from` for spend caps). Every object is strict: a
 * misspelt key that is silently ignored is a rule the operator believes is enforced and is not.
 *
 * Checks that zod cannot express (key syntax, argument paths, a regex that must compile, the value each
 * operator needs) are refinements here too, so that everything wrong with a document is found at load and a
 * loaded policy never fails while deciding a call. There are no defaults or transforms: the validated
 * document is the document as written, which is what the revision hash is taken of.
 */

const WINDOW_NAMES = ['minute', 'hour', 'day'] as const;
export type WindowName = (typeof WINDOW_NAMES)[number];

/** One year: longer windows would keep events for longer than any store should. */
const MAX_WINDOW_SECONDS = 366 * 24 * 3600;

const LIMIT_SCOPES = ['grant', 'session', 'server', 'global'] as const;
export type LimitScope = (typeof LIMIT_SCOPES)[number];

export const TOOL_ACTIONS = ['allow', 'deny', 'hide', 'require_approval'] as const;

/** Who approves a call held for approval. */
const APPROVERS = ['operator', 'client'] as const;
export type ToolAction = (typeof TOOL_ACTIONS)[number];

const WINDOW_MESSAGE = `expected "minute", "hour", "day" or a whole number of seconds from 1 to ${MAX_WINDOW_SECONDS}`;

// One message for every way of getting it wrong, so that it always states every form a window can take.
const windowSchema = z
  .union([z.enum(WINDOW_NAMES), z.int(WINDOW_MESSAGE).min(1, WINDOW_MESSAGE).max(MAX_WINDOW_SECONDS, WINDOW_MESSAGE)], {
    error: WINDOW_MESSAGE,
  })
  .describe('How long the window is: "minute", "hour", "day", or a number of seconds. The window slides.');

const argumentPathSchema = z.string().superRefine((text, ctx) => {
  const path = parseArgumentPath(text);
  if ('error' in path) ctx.addIssue({ code: 'custom', message: path.error });
});

const conditionSchema = z
  .strictObject({
    path: z.string().describe('Where in the arguments: "args.amount", "args.customer.country", "args.items[0]".'),
    op: z.enum(CONDITION_OPS),
    value: z.unknown().optional().describe('What to compare with; "exists" takes true (the default) or false.'),
  })
  .superRefine((condition, ctx) => {
    for (const issue of conditionIssues(condition)) {
      ctx.addIssue({ code: 'custom', path: [issue.key], message: issue.message });
    }
  });

const denyIfSchema = z.strictObject({
  conditions: z.array(conditionSchema).describe('Deny when every condition holds; an empty list always denies.'),
  on_deny: z.string().optional().describe('The message the agent reads when this entry denies a call.'),
});

const requireApprovalIfSchema = z.strictObject({
  conditions: z
    .array(conditionSchema)
    .describe('Hold the call for approval when every condition holds; an empty list always does.'),
  reason: z.string().optional().describe('Why approval is needed: shown to the approver and the agent.'),
});

const limitFields = {
  window: windowSchema,
  max: z
    .number()
    .min(0, 'expected a number of at least 0')
    .describe('At most this many calls (or units of increment_from) in any one window.'),
  scope: z
    .enum(LIMIT_SCOPES)
    .optional()
    .describe('Whose usage is counted together: "grant" (the default), "session", "server" or "global".'),
  increment_from: argumentPathSchema
    .optional()
    .describe('Count the value of this argument (a spend cap) instead of counting calls.'),
  on_deny: z.string().optional().describe('The message the agent reads when this limit refuses a call.'),
};

const limitSchema = z.strictObject({
  counter: z.string().min(1).describe('Names the counter; limits with one name count together.'),
  ...limitFields,
});

const rateLimitSchema = z.strictObject({
  counter: z.string().min(1).optional().describe('Defaults to one counter for this rule alone.'),
  ...limitFields,
});

const toolRuleSchema = z
  .strictObject({
    action: z
      .enum(TOOL_ACTIONS)
      .optional()
      .describe('"allow" (the default for a listed tool), "deny", "hide" or "require_approval".'),
    reason: z.string().optional().describe('The message for "deny" and "require_approval".'),
    note: z
      .string()
      .optional()
      .describe(
        'Why the rule is there, for people who read the policy (`policy suggest` writes one). Toolgate ignores it.',
      ),
    require: z.array(conditionSchema).optional().describe('Conditions that must all hold, else the call is denied.'),
    deny_if: z.array(denyIfSchema).optional(),
    require_approval_if: z
      .array(requireApprovalIfSchema)
      .optional()
      .describe("Hold a call for a person's approval only when an entry's conditions all hold."),
    approver: z
      .enum(APPROVERS)
      .optional()
      .describe(
        'Who approves: "operator" (the default: an approver with the CLI or admin API) or "client" (the person at the agent\'s client, asked through MCP elicitation; for single-user setups).',
      ),
    limits: z.array(limitSchema).optional(),
    rate_limit: rateLimitSchema.optional().describe('One limit, written without a counter name.'),
  })
  .superRefine((rule, ctx) => {
    // A rule that never lets a call reach its conditions or limits has them by mistake.
    if (rule.action === 'deny' || rule.action === 'hide') {
      for (const key of ['require', 'deny_if', 'require_approval_if', 'approver', 'limits', 'rate_limit'] as const) {
        if (rule[key] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            params: { at: 'key' },
            message: `"${key}" has no effect when "action" is "${rule.action}"; remove one of them`,
          });
        }
      }
    }
    if (rule.reason !== undefined && (rule.action === undefined || rule.action === 'allow')) {
      ctx.addIssue({
        code: 'custom',
        path: ['reason'],
        params: { at: 'key' },
        message:
          '"reason" is the message of a "deny", "hide" or "require_approval" action; deny_if entries and limits take "on_deny"',
      });
    }
  });

const toolKeySchema = z.string().superRefine((text, ctx) => {
  const key = parseToolKey(text);
  if ('error' in key) ctx.addIssue({ code: 'custom', message: key.error });
});

const policySchema = z
  .strictObject({
    $schema: z.string().optional().describe('JSON Schema of this file, for editors. Toolgate ignores it.'),
    version: z.literal('1').describe('The format version; only "1" exists.'),
    default: z.enum(['allow', 'deny']).describe('What happens to a tool that "tools" does not list.'),
    mode: z
      .enum(['enforce', 'shadow'])
      .optional()
      .describe('"shadow" decides and records every call but lets every call through. Default "enforce".'),
    hide: z
      .array(toolKeySchema)
      .optional()
      .describe('Tools removed from tools/list and refused as unknown; "*" hides every tool.'),
    all_tools: z
      .strictObject({ limits: z.array(limitSchema).optional() })
      .optional()
      .describe('Limits every call counts against, besides its own rule.'),
    tools: z
      .record(toolKeySchema, toolRuleSchema)
      .optional()
      .describe('Rules by tool: "name", "glob_*", "server:name" or "server:glob_*". {} allows the tool.'),
    categories: z
      .partialRecord(z.enum(CATEGORIES), toolRuleSchema)
      .optional()
      .describe(
        'Rules by the category Toolgate gives a tool (Read, Write, Execute, Destructive, Financial, Other), for the tools "tools" does not match.',
      ),
    risks: z
      .partialRecord(z.enum(RISKS), toolRuleSchema)
      .optional()
      .describe(
        'Rules by the risk Toolgate gives a tool (Low, Medium, High, Critical), for the tools neither "tools" nor "categories" match.',
      ),
  })
  .superRefine(checkCounterUnits, { when: () => true })
  .meta({ title: 'Toolgate policy', description: 'A policy document, version "1". See docs/policy.md.' });

/** A policy document as written and validated. */
export type PolicyDocument = z.output<typeof policySchema>;
export type LimitDocument = z.output<typeof limitSchema>;
export type RateLimitDocument = z.output<typeof rateLimitSchema>;
export type ToolRuleDocument = z.output<typeof toolRuleSchema>;

/**
 * Validates a parsed JSON value as a policy document.
 * @returns the document, or every problem found, each at its path, in plain words.
 */
export function validatePolicy(
  value: unknown,
):
  | { readonly success: true; readonly data: PolicyDocument }
  | { readonly success: false; readonly issues: PathIssue[] } {
  // zod drops a "__proto__" key without a word; a rule that silently vanishes must be an error instead.
  const protoIssues = protoKeyIssues(value, []);
  const result = policySchema.safeParse(value, { error: plainMessage, reportInput: true });
  if (result.success && protoIssues.length === 0) return { success: true, data: result.data };
  return { success: false, issues: [...protoIssues, ...(result.success ? [] : policyPathIssues(result.error.issues))] };
}

/**
 * zod issues in plain words. A failed union (only `window`) keeps the message the schema gives it, but given
 * undefined, like an enum, it is a key that is not there: JSON has no undefined.
 */
function policyPathIssues(issues: readonly z.core.$ZodIssue[]): PathIssue[] {
  return issues.flatMap((issue): PathIssue[] => {
    if ((issue.code === 'invalid_value' || issue.code === 'invalid_union') && issue.input === undefined) {
      const path = issue.path.map((key) => (typeof key === 'number' ? key : String(key)));
      return [{ path, message: `missing required key "${String(path.at(-1))}"` }];
    }
    return pathIssuesFromZod([issue]);
  });
}

/** Limits that share a counter name add into one counter, so they must add up the same thing. */
function checkCounterUnits(document: unknown, ctx: z.core.$RefinementCtx<unknown>): void {
  const units = new Map<string, string>();
  const check = (limit: unknown, path: JsonPath, defaultCounter?: string): void => {
    if (typeof limit !== 'object' || limit === null) return;
    const { counter = defaultCounter, increment_from: incrementFrom } = limit as {
      counter?: unknown;
      increment_from?: unknown;
    };
    if (typeof counter !== 'string') return;
    const unit = typeof incrementFrom === 'string' ? incrementFrom : 'calls';
    const seen = units.get(counter);
    if (seen === undefined) units.set(counter, unit);
    else if (seen !== unit) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'increment_from'],
        params: { at: 'key' },
        message: `counter "${counter}" is also used to count ${describeUnit(seen)}; limits that share a counter must all count ${describeUnit(seen)}, or use another counter name`,
      });
    }
  };
  const doc = document as Record<RuleSection | 'all_tools', unknown> | null;
  const allLimits = (doc?.all_tools as { limits?: unknown } | undefined)?.limits;
  if (Array.isArray(allLimits)) allLimits.forEach((limit, i) => check(limit, ['all_tools', 'limits', i]));
  for (const section of RULE_SECTIONS) {
    const rules = doc?.[section];
    if (typeof rules !== 'object' || rules === null) continue;
    for (const [key, rule] of Object.entries(rules)) {
      const { limits, rate_limit: rateLimit } = (rule ?? {}) as { limits?: unknown; rate_limit?: unknown };
      if (Array.isArray(limits)) limits.forEach((limit, i) => check(limit, [section, key, 'limits', i]));
      check(rateLimit, [section, key, 'rate_limit'], rateLimitCounter(section, key));
    }
  }
}

/** The keys of a policy that hold rules, in the order a call's rule is looked for. */
const RULE_SECTIONS = ['tools', 'categories', 'risks'] as const;
export type RuleSection = (typeof RULE_SECTIONS)[number];

/**
 * The counter of a `rate_limit` that names none: its own, named after the rule, so no other limit shares it.
 * A tool rule's keeps the name it has always had (counters survive upgrades); a class rule's names its section.
 */
export function rateLimitCounter(section: RuleSection, key: string): string {
  return section === 'tools' ? `rate_limit:${key}` : `rate_limit:${section}/${key}`;
}

function describeUnit(unit: string): string {
  return unit === 'calls' ? 'calls' : `the value of ${unit}`;
}

function protoKeyIssues(value: unknown, path: JsonPath): PathIssue[] {
  if (typeof value !== 'object' || value === null) return [];
  if (Array.isArray(value)) return value.flatMap((item, i) => protoKeyIssues(item, [...path, i]));
  return Object.keys(value).flatMap((key) =>
    key === '__proto__'
      ? [{ path: [...path, key], at: 'key' as const, message: 'the key "__proto__" is not allowed' }]
      : protoKeyIssues((value as Record<string, unknown>)[key], [...path, key]),
  );
}
