import { entryAt, formToRule, limitToJson, limitToRow, ruleToForm, type LimitRow, type RuleForm } from './rule-form.js';
import { isObject, replaceValue, setValue, type Json, type JsonObject } from './policy-text.js';

/**
 * The policy form's view of a draft, and its edits: each reads the parsed document and returns the draft's new
 * text, changed only where the form changed something (see policy-text.ts). Pure, so that every mapping is
 * tested without a browser.
 */

export type ClassSection = 'categories' | 'risks';

/** A tool of the inventory (GET /admin/tools), as the form needs it. */
export interface InventoryTool {
  readonly server: string;
  readonly tool: string;
}

/** Where a tool's own rule is, or would be written. */
export interface ToolKeys {
  /** The key of the tool's rule under `tools`: the existing one, else the one a new rule gets. */
  readonly key: string;
  /** The tool has a rule of its own under `tools`. */
  readonly exists: boolean;
  /** The exact keys that name the tool (`server:tool`, `tool`), in the order the gateway prefers them. */
  readonly names: readonly string[];
}

/**
 * The key of a tool's rule: the server-qualified exact key if there is one, then the plain one (the gateway's order
 * of preference); a new rule gets the plain name, as the seed pages write it, unless another server of the
 * inventory has a tool of that name, which a plain key would govern too.
 */
export function toolKeys(doc: JsonObject, tool: InventoryTool, inventory: readonly InventoryTool[]): ToolKeys {
  const names = [`${tool.server}:${tool.tool}`, tool.tool];
  const rules = isObject(doc.tools) ? doc.tools : {};
  const existing = names.find((name) => Object.hasOwn(rules, name));
  if (existing !== undefined) return { key: existing, exists: true, names };
  const shared = inventory.some((other) => other.tool === tool.tool && other.server !== tool.server);
  // A tool named with ":" (outside MCP's guidance) can only be named with its server.
  return { key: shared || tool.tool.includes(':') ? names[0]! : names[1]!, exists: false, names };
}

/** The `hide` list's entries, strings only. */
function hideList(doc: JsonObject): string[] {
  return Array.isArray(doc.hide) ? doc.hide.filter((entry): entry is string => typeof entry === 'string') : [];
}

/** The form of the rule under `tools[key]`; the tool reads as hidden when `hide` lists any of its names. */
export function toolRuleForm(doc: JsonObject, key: string, names: readonly string[] = [key]): RuleForm {
  const rules = isObject(doc.tools) ? doc.tools : {};
  const hidden = hideList(doc).some((entry) => names.includes(entry));
  return ruleToForm(Object.hasOwn(rules, key) ? rules[key] : undefined, hidden);
}

/**
 * The draft with the rule `tools[key]` as the form says. A tool the `hide` list hides stays there while the form
 * says Hide (the rule is not touched); any other effect takes it off the list, or the list would still hide it.
 */
export function setToolRule(
  text: string,
  doc: JsonObject,
  key: string,
  form: RuleForm,
  names: readonly string[] = [key],
): string {
  // A section that is not an object is an error the check reports; the form does not write over it.
  if (doc.tools !== undefined && !isObject(doc.tools)) return text;
  const listed = hideList(doc).some((entry) => names.includes(entry));
  if (listed && form.kind === 'hide') return text;
  let next = text;
  if (listed && Array.isArray(doc.hide)) {
    next = replaceValue(
      next,
      ['hide'],
      doc.hide,
      doc.hide.filter((entry) => typeof entry !== 'string' || !names.includes(entry)),
    );
  }
  const rules = isObject(doc.tools) ? doc.tools : undefined;
  const before = rules !== undefined && Object.hasOwn(rules, key) ? rules[key] : undefined;
  if (rules === undefined) {
    const rule = formToRule(undefined, form);
    return rule === undefined ? next : setValue(next, ['tools'], { [key]: rule });
  }
  return replaceValue(next, ['tools', key], before, formToRule(before, form));
}

/** Keys under `tools` and entries of `hide` that name none of the inventory's tools exactly: globs, other servers'. */
export function otherToolKeys(doc: JsonObject, inventory: readonly InventoryTool[]): string[] {
  const exact = new Set(inventory.flatMap((tool) => [`${tool.server}:${tool.tool}`, tool.tool]));
  const keys = [...Object.keys(isObject(doc.tools) ? doc.tools : {}), ...hideList(doc)];
  return [...new Set(keys)].filter((key) => !exact.has(key));
}

/** The form of the rule for a category or a risk. */
export function classRuleForm(doc: JsonObject, section: ClassSection, name: string): RuleForm {
  const rules = isObject(doc[section]) ? doc[section] : {};
  return ruleToForm(Object.hasOwn(rules, name) ? rules[name] : undefined);
}

export function setClassRule(
  text: string,
  doc: JsonObject,
  section: ClassSection,
  name: string,
  form: RuleForm,
): string {
  if (doc[section] !== undefined && !isObject(doc[section])) return text;
  const rules = isObject(doc[section]) ? doc[section] : undefined;
  if (rules === undefined) {
    const rule = formToRule(undefined, form);
    return rule === undefined ? text : setValue(text, [section], { [name]: rule });
  }
  const before = Object.hasOwn(rules, name) ? rules[name] : undefined;
  return replaceValue(text, [section, name], before, formToRule(before, form));
}

/** The policy's `default` as the form shows it: "allow" or "deny" ('' when missing or wrong: the check says). */
export function defaultEffect(doc: JsonObject): 'allow' | 'deny' | '' {
  return doc.default === 'allow' || doc.default === 'deny' ? doc.default : '';
}

export function setDefaultEffect(text: string, doc: JsonObject, value: 'allow' | 'deny'): string {
  return replaceValue(text, ['default'], doc.default, value);
}

/** `mode`: "enforce" (also when left out) or "shadow". */
export function policyMode(doc: JsonObject): 'enforce' | 'shadow' {
  return doc.mode === 'shadow' ? 'shadow' : 'enforce';
}

/** Enforce is the default: a policy that never said a mode keeps saying none. */
export function setPolicyMode(text: string, doc: JsonObject, mode: 'enforce' | 'shadow'): string {
  const next = mode === 'enforce' && doc.mode === undefined ? undefined : mode;
  return replaceValue(text, ['mode'], doc.mode, next);
}

/** The limits every call counts against (`all_tools.limits`), as rows. */
export function globalLimits(doc: JsonObject): LimitRow[] {
  const limits = isObject(doc.all_tools) && Array.isArray(doc.all_tools.limits) ? doc.all_tools.limits : [];
  return limits.map((limit, from) => limitToRow(isObject(limit) ? limit : {}, from));
}

/** The draft with `all_tools.limits` as the rows say, each over the limit it was read from, so its other keys stay. */
export function setGlobalLimits(text: string, doc: JsonObject, rows: readonly LimitRow[]): string {
  if (doc.all_tools !== undefined && !isObject(doc.all_tools)) return text;
  const allTools = isObject(doc.all_tools) ? doc.all_tools : undefined;
  if (allTools?.limits !== undefined && !Array.isArray(allTools.limits)) return text;
  const before: Json[] = allTools !== undefined && Array.isArray(allTools.limits) ? allTools.limits : [];
  const limits = rows.map((row) => limitToJson(entryAt(before, row.from) ?? {}, row));
  if (allTools === undefined) return limits.length === 0 ? text : setValue(text, ['all_tools'], { limits });
  return replaceValue(text, ['all_tools', 'limits'], allTools.limits, limits);
}

/** A new global limit's fields: a counter name no other limit of the draft uses, 1000 calls an hour per grant. */
export function newGlobalLimit(doc: JsonObject): LimitRow {
  const used = new Set(globalLimits(doc).map((row) => row.counter));
  let counter = 'all_calls';
  for (let n = 2; used.has(counter); n++) counter = `all_calls_${n}`;
  return { counter, max: '1000', window: 'hour', scope: 'grant' };
}
