import type { ToolRuleDocument } from '../policy/schema.js';
import type { Category } from '../risk/classification.js';
import type { InventoryEntry } from './inventory.js';

/** What `recommendRule` may be told about the setup. */
export interface RuleOptions {
  /** What becomes of Destructive tools: hidden (the default, as the catalogue does) or held for approval. */
  readonly destructive: 'hide' | 'approve';
  /** The folder paths must stay inside, for tools that take a path and change or run something; none: no check. */
  readonly root?: string;
}

/** A rule for one tool, and why, in words a person reads (the rule's `note`). */
export interface RecommendedRule {
  readonly rule: ToolRuleDocument;
  readonly why: string;
}

/** Flags that turn a call into one that skips its own safety: refused outright. */
const DANGEROUS_FLAGS =
  /^(force|recursive|overwrite|purge|hard|permanent|cascade|no_?verify|skip_?(checks|confirm(ation)?))$/i;
/** Arguments that carry an amount of money. */
const AMOUNT = /^(amount|total|price|sum|value|cost|fee|payment_?amount|amount_?(cents|minor|value))$/i;
/** Arguments that name a file or folder. */
const PATH =
  /^(path|paths|file|files|file_?path|filename|dir|directory|folder|destination|source|target|cwd|working_?dir(ectory)?)$/i;
/** Arguments that carry something to run. */
const COMMAND = /^(command|cmd|script|code|shell|expression|statement|sql|query)$/i;

/** Commands that an approver should see before they run: deleting trees, privilege, piping downloads to a shell. */
const RISKY_COMMAND = String.raw`\brm\s+-[a-z]*[rf]|\bsudo\b|\bmkfs\b|\bdd\s+if=|(curl|wget)[^|]*\|\s*(ba|z)?sh\b|\bchmod\s+-R\b|\bDROP\s+(TABLE|DATABASE)\b|\bTRUNCATE\b`;

/** A parent folder (`..`) anywhere in a path. */
const PARENT_SEGMENT = String.raw`(^|[/\\])\.\.([/\\]|$)`;

/** Above this amount (in the currency's units the tool takes), a person approves. */
const APPROVAL_AMOUNT = 100;
/** The most one grant may spend in a day, in those units. */
const DAILY_SPEND = 1000;

/**
 * The rule the catalogue's table recommends for a tool of its class, with the argument checks its definition
 * calls for: Read capped at 60 a minute per grant; Write at 30 an hour; Execute at 10 an hour, risky commands
 * held for approval; Destructive hidden (or held); Financial held, with a daily spend cap where the schema shows
 * an amount; Other at 60 a minute. A `force`-like flag is refused; a path outside `root` is refused.
 */
export function recommendRule(entry: InventoryEntry, options: RuleOptions): RecommendedRule {
  const { category } = entry.classification;
  const args = topLevelArguments(entry.definition.inputSchema);
  const counter = `${entry.serverId}.${entry.name}`;
  const base = baseRule(category, counter, options);
  if (base.rule.action === 'hide' || base.rule.action === 'deny') return base;

  const rule: ToolRuleDocument = { ...base.rule };
  const notes = [base.why];
  const denyIf: NonNullable<ToolRuleDocument['deny_if']> = [];
  const require: NonNullable<ToolRuleDocument['require']> = [];
  const approvalIf: NonNullable<ToolRuleDocument['require_approval_if']> = [];
  for (const arg of args) {
    if (arg.type === 'boolean' && DANGEROUS_FLAGS.test(arg.name)) {
      denyIf.push({
        conditions: [{ path: argPath(arg.name), op: 'eq', value: true }],
        on_deny: `${arg.name}: true is not allowed through Toolgate; call without it.`,
      });
      notes.push(`\`${arg.name}: true\` is refused.`);
    } else if ((arg.type === 'number' || arg.type === 'integer') && AMOUNT.test(arg.name) && category === 'Financial') {
      approvalIf.push({
        conditions: [{ path: argPath(arg.name), op: 'gt', value: APPROVAL_AMOUNT }],
        reason: `An amount above ${APPROVAL_AMOUNT} needs a person's approval.`,
      });
      rule.limits = [
        ...(rule.limits ?? []),
        {
          counter: `${counter}.spend`,
          window: 'day',
          max: DAILY_SPEND,
          scope: 'grant',
          increment_from: argPath(arg.name),
          on_deny: `This grant may move at most ${DAILY_SPEND} a day through ${entry.name}.`,
        },
      ];
      notes.push(`At most ${DAILY_SPEND} of \`${arg.name}\` a day per grant.`);
    } else if (arg.type === 'string' && PATH.test(arg.name) && options.root !== undefined && category !== 'Read') {
      require.push({ path: argPath(arg.name), op: 'regex', value: `^${escapeRegex(options.root)}([/\\\\]|$)` });
      denyIf.push({
        conditions: [{ path: argPath(arg.name), op: 'regex', value: PARENT_SEGMENT }],
        on_deny: `${arg.name} may not climb out of ${options.root} with "..".`,
      });
      notes.push(`\`${arg.name}\` must stay inside ${options.root}.`);
    } else if (arg.type === 'string' && COMMAND.test(arg.name) && category === 'Execute') {
      approvalIf.push({
        conditions: [{ path: argPath(arg.name), op: 'regex', value: RISKY_COMMAND }],
        reason: `A command that deletes, escalates or pipes a download to a shell needs a person's approval.`,
      });
      notes.push(`Risky \`${arg.name}\` values are held for approval.`);
    }
  }
  if (require.length > 0) rule.require = require;
  if (denyIf.length > 0) rule.deny_if = denyIf;
  if (approvalIf.length > 0 && rule.action !== 'require_approval') rule.require_approval_if = approvalIf;
  return { rule: { ...rule, note: notes.join(' ') }, why: notes.join(' ') };
}

function baseRule(category: Category, counter: string, options: RuleOptions): RecommendedRule {
  const capped = (max: number, window: 'minute' | 'hour', why: string): RecommendedRule => ({
    rule: { limits: [{ counter: `${counter}.rate`, window, max, scope: 'grant' }] },
    why,
  });
  switch (category) {
    case 'Read':
      return capped(60, 'minute', 'Reads data: allowed, at most 60 calls a minute per grant.');
    case 'Other':
      return capped(60, 'minute', 'Does not touch data: allowed, at most 60 calls a minute per grant.');
    case 'Write':
      return capped(
        30,
        'hour',
        'Changes data: at most 30 calls an hour per grant, so a looping agent cannot make hundreds of changes.',
      );
    case 'Execute':
      return capped(10, 'hour', 'Runs code or commands: at most 10 calls an hour per grant.');
    case 'Destructive':
      return options.destructive === 'hide'
        ? {
            rule: { action: 'hide', reason: 'Deletes or cannot be undone: hidden from agents.' },
            why: 'Deletes or cannot be undone: hidden from agents.',
          }
        : {
            rule: { action: 'require_approval', reason: 'Deletes or cannot be undone: a person approves each call.' },
            why: 'Deletes or cannot be undone: a person approves each call.',
          };
    case 'Financial':
      return {
        rule: { action: 'require_approval', reason: 'Moves money: a person approves each call.' },
        why: 'Moves money: a person approves each call.',
      };
  }
}

interface Argument {
  readonly name: string;
  readonly type: string | undefined;
}

/** The top-level properties of an input schema, with their JSON Schema type (the first, when several). */
function topLevelArguments(schema: unknown): Argument[] {
  const properties = (schema as { properties?: unknown } | undefined)?.properties;
  if (typeof properties !== 'object' || properties === null) return [];
  return Object.entries(properties).map(([name, property]) => {
    const type = (property as { type?: unknown } | null)?.type;
    return { name, type: typeof type === 'string' ? type : Array.isArray(type) ? String(type[0]) : undefined };
  });
}

/** The policy's path to a top-level argument, quoted where the name is not a plain word. */
function argPath(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `args.${name}` : `args[${JSON.stringify(name)}]`;
}

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}
