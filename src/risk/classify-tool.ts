/**
 * A tool's category and risk from its own definition, with the evidence quoted.
 *
 * The category is what the definition's words say the tool is for: the verbs of its name, title and first
 * sentence weigh most; peers ("create or overwrite") give the more severe category; what else the description or
 * an enum of operations says it can do counts for less, except that a tool that can delete is Destructive; a
 * parameter holding code it runs makes it Execute. The risk is then the category's tier (tiers.ts), raised by
 * signs of poisoning. Annotations are untrusted hints: they decide only when the words say nothing.
 */
import { type Action, type ActionGroup, groupCategory, type LeadWord, readName, readText } from './actions.js';
import {
  type Category,
  CATEGORY_RANK,
  type Classification,
  type Evidence,
  higherRisk,
  type Risk,
  riskIndex,
  type ToolDefinition,
  type Warning,
} from './classification.js';
import { NOUNS } from './nouns.js';
import { type ParameterCue, parametersOf, readParameters } from './parameters.js';
import { poisoningWarnings, type TextPlace } from './poisoning.js';
import { tierOf } from './tiers.js';
import { VERBS } from './verbs.js';
import { identifierWords, nounClassesOf, verbOf } from './words.js';

/** What each category means, for findings. */
const MEANING: Readonly<Record<Category, string>> = Object.freeze({
  Read: 'reads data',
  Write: 'creates or changes data',
  Execute: 'runs code, commands or jobs',
  Destructive: 'deletes, or does what cannot be undone',
  Financial: 'moves money, or changes what someone is billed',
  Other: 'manages a connection, computes, or helps the model',
});

/** How much each kind of evidence weighs in choosing the category. */
const WEIGHT = Object.freeze({
  name: 5,
  nameNoun: 3,
  title: 4,
  description: 5,
  instructions: 1,
  capability: 1,
  phrase: 2,
  readNoun: 2,
  code: 6,
});

/** Long texts are cut: nothing a classifier needs is 50,000 characters into a description. */
const MAX_TEXT = 50_000;

const SOURCE_ORDER: Readonly<Record<Evidence['source'], number>> = Object.freeze({
  name: 0,
  title: 1,
  description: 2,
  parameter: 3,
  annotation: 4,
  instructions: 5,
});

function text(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, MAX_TEXT) : '';
}

interface WeightedGroup {
  readonly actions: Action[];
  weight: number;
  readonly lemmas: Set<string>;
  /** The description said it, which decides between equals. */
  fromDescription: boolean;
}

/**
 * Groups that say the same thing are one statement: a name `remove_sub_issue` and a description "Remove a
 * sub-issue from a parent issue" share `remove`, and the description's reading of it (detaching) wins, the name
 * adding its weight. Groups are given most informative first.
 */
function mergeGroups(groups: readonly { group: ActionGroup; weight: number }[]): WeightedGroup[] {
  const merged: WeightedGroup[] = [];
  for (const { group, weight } of groups) {
    const lemmas = new Set(group.actions.map((action) => action.lemma));
    const same = merged.find((m) => [...lemmas].some((lemma) => m.lemmas.has(lemma)));
    if (same) {
      same.weight += weight;
      for (const action of group.actions) {
        if (!same.lemmas.has(action.lemma)) {
          same.actions.push(action);
          same.lemmas.add(action.lemma);
          continue;
        }
        // The same verb read twice: a reading its object explains beats the verb's usual sense
        // (`write_contract` writes to a contract, which moves money, whatever "Write" alone would mean).
        const index = same.actions.findIndex((a) => a.lemma === action.lemma);
        if (action.reason !== undefined && same.actions[index]!.reason === undefined) same.actions[index] = action;
      }
    } else {
      merged.push({ actions: [...group.actions], weight, lemmas, fromDescription: group.source === 'description' });
    }
  }
  return merged;
}

/** The line of the server's instructions that speaks of this tool, after its name. */
function instructionsAbout(instructions: string, name: string): string | undefined {
  if (name.length < 3) return undefined;
  let from = 0;
  for (let round = 0; round < 20; round++) {
    const at = instructions.indexOf(name, from);
    if (at < 0) return undefined;
    from = at + name.length;
    const before = instructions[at - 1] ?? ' ';
    const after = instructions[from] ?? ' ';
    if (/[\w.-]/.test(before) || /\w/.test(after)) continue;
    const lineEnd = instructions.indexOf('\n', from);
    const rest = instructions.slice(from, lineEnd < 0 ? undefined : lineEnd).replace(/^[\s`'"*):–—-]+/, '');
    if (rest.length > 0) return rest.slice(0, 300);
  }
  return undefined;
}

function actionEvidence(action: Action, role: string, at?: string): Evidence {
  const reason = action.reason ? ` ("${action.reason}")` : '';
  const weak = action.weak ? '; the word is as often a noun, so it weighs less' : '';
  return {
    source: action.source,
    ...(at ? { at } : {}),
    quote: action.quote,
    finding: `${role}: ${MEANING[action.category]}${reason}${weak}`,
    category: action.category,
  };
}

/** The action an enum value such as `delete_workflow_run_logs` names. */
function operationAction(value: string, toolWords: readonly string[]): Action | undefined {
  const words = identifierWords(value).map((word) => word.text);
  const index = words.findIndex((word) => verbOf(word) !== undefined);
  if (index < 0) return undefined;
  const lemma = verbOf(words[index]!)!.lemma;
  const verb = VERBS[lemma]!;
  const objects = [...words.slice(index + 1), ...toolWords];
  let category = verb.category;
  outer: for (const word of objects) {
    for (const [klass, meant] of verb.objects ?? []) {
      if (nounClassesOf(word).includes(klass)) {
        category = meant;
        break outer;
      }
    }
  }
  return {
    lemma,
    category,
    source: 'parameter',
    quote: value,
    objects,
    weak: false,
    ...(verb.raises ? { raises: verb.raises } : {}),
  };
}

const TIME_WORDS = NOUNS.time;

/** Operations in an enum that delete without doubt. */
const PLAIN_DELETIONS = new Set([
  'delete',
  'drop',
  'purge',
  'destroy',
  'wipe',
  'clear',
  'prune',
  'discard',
  'kill',
  'terminate',
  'uninstall',
  'drain',
  'erase',
  'truncate',
]);

/** Date arithmetic on given dates (`days_in_month`, `get_timestamp`): computation, not reading the world. */
function computesDates(
  nameWords: readonly string[],
  leadWords: readonly LeadWord[],
  parameters: readonly { words: readonly string[] }[],
): boolean {
  if (leadWords.some((word) => word.text === 'current')) return false;
  if (!nameWords.some((word) => TIME_WORDS.has(word.replace(/s$/, '')))) return false;
  return parameters.some((p) => p.words.some((word) => TIME_WORDS.has(word)));
}

/**
 * The warnings of a server's instructions, remembered for the last instructions seen: every tool of a server
 * carries the same text, and it can be long. A cache of one entry changes no result.
 */
let lastInstructions: { text: string; warnings: readonly Warning[] } | undefined;
function instructionsWarnings(text: string): readonly Warning[] {
  if (lastInstructions?.text !== text) {
    lastInstructions = { text, warnings: poisoningWarnings([{ source: 'instructions', text }]) };
  }
  return lastInstructions.warnings;
}

/** Classifies one tool from its definition and its server's instructions. Deterministic, pure, fast. */
export function classifyTool(tool: ToolDefinition, context?: { readonly instructions?: string }): Classification {
  const name = text(tool.name);
  const description = text(tool.description);
  const annotations: NonNullable<ToolDefinition['annotations']> =
    typeof tool.annotations === 'object' && tool.annotations !== null ? tool.annotations : {};
  const titleText = text(tool.title) || text(annotations.title);
  const titleAt = text(tool.title) ? undefined : 'annotations.title';
  const instructions = text(context?.instructions);

  const nameReading = readName(name);
  const titleReading = titleText ? readText(titleText, 'title') : undefined;
  const descriptionReading = readText(description, 'description');
  const instructionsLine = instructions ? instructionsAbout(instructions, name) : undefined;
  const instructionsReading = instructionsLine ? readText(instructionsLine, 'instructions') : undefined;
  const parameters = parametersOf(tool.inputSchema);
  const cues = readParameters(parameters, description);
  const nameWords = identifierWords(name).map((word) => word.text);

  const evidence: Evidence[] = [];
  const scores = new Map<Category, number>();
  const add = (category: Category, weight: number) => scores.set(category, (scores.get(category) ?? 0) + weight);

  // What the tool is for: the leading verbs of name, title, description (and the instructions' line about it).
  const groups: { group: ActionGroup; weight: number }[] = [];
  if (descriptionReading.lead) groups.push({ group: descriptionReading.lead, weight: WEIGHT.description });
  // A title that only repeats the name's words (`API-post-search`, "Post search") says nothing new.
  const titleRepeatsName =
    titleReading !== undefined && titleReading.leadWords.every((w) => nameWords.includes(w.text));
  if (titleReading?.lead && !titleRepeatsName) groups.push({ group: titleReading.lead, weight: WEIGHT.title });
  if (nameReading.group) {
    const weak = nameReading.group.actions.every((action) => action.weak);
    groups.push({ group: nameReading.group, weight: weak ? WEIGHT.nameNoun : WEIGHT.name });
  }
  if (instructionsReading?.lead) groups.push({ group: instructionsReading.lead, weight: WEIGHT.instructions });
  const merged = mergeGroups(groups);
  const described = new Map<Category, boolean>();
  for (const group of merged) {
    const category = groupCategory(group.actions);
    add(category, group.weight);
    if (group.fromDescription) described.set(category, true);
  }

  // What else it can do, and what its description says of consequences.
  const operations: { cue: ParameterCue; action: Action }[] = [];
  for (const cue of cues) {
    if (cue.kind !== 'operations') continue;
    for (const value of cue.parameter.enumValues) {
      const action = operationAction(value, nameWords);
      if (action) operations.push({ cue, action });
    }
  }
  const capabilities: Action[] = [
    ...descriptionReading.capabilities,
    ...(titleReading?.capabilities ?? []),
    ...(instructionsReading?.capabilities ?? []),
    ...operations.map(({ action }) => action),
  ];
  // What else it can do counts once per category: a long list must not outweigh what the tool is for.
  for (const capability of new Set(capabilities.map((action) => action.category))) add(capability, WEIGHT.capability);
  const phrases = [
    ...descriptionReading.phrases,
    ...(titleReading?.phrases ?? []),
    ...(instructionsReading?.phrases ?? []),
  ];
  for (const phrase of phrases) add(phrase.category, WEIGHT.phrase);
  if (nameReading.readNoun !== undefined) add('Read', WEIGHT.readNoun);
  // Code the tool runs, from an argument, weighs more than a single statement of what it is for.
  const code = cues.filter((cue) => cue.kind === 'code' && !cue.parameter.path.includes('[]'));
  if (code.length > 0) add('Execute', WEIGHT.code);

  // The category: the highest score; between equals, the description's, then the more severe.
  let category: Category | undefined;
  let best = 0;
  for (const [candidate, score] of scores) {
    const better =
      category === undefined ||
      score > best ||
      (score === best &&
        (described.get(candidate) === true && described.get(category) !== true
          ? true
          : described.get(category) === true && described.get(candidate) !== true
            ? false
            : CATEGORY_RANK[candidate] > CATEGORY_RANK[category]));
    if (better) {
      category = candidate;
      best = score;
    }
  }
  const textEvidence = category !== undefined;
  const primary = merged.filter((group) => groupCategory(group.actions) === category).flatMap((group) => group.actions);

  for (const cue of code) {
    const p = cue.parameter;
    evidence.push({
      source: 'parameter',
      at: p.path,
      quote: p.name,
      finding: `takes \`${p.name}\`, code or a command it runs`,
      category: 'Execute',
    });
  }

  // A tool that changes things and can also delete is Destructive ("Manage branches: …, delete a branch"); an
  // operation named only `remove` is as often a detaching as a deletion, so it takes a plainer word.
  const deleting = capabilities.find(
    (action) =>
      action.category === 'Destructive' && !(action.source === 'parameter' && !PLAIN_DELETIONS.has(action.lemma)),
  );
  if (deleting && (category === 'Write' || category === 'Execute' || category === 'Other')) {
    evidence.push({
      source: deleting.source,
      quote: deleting.quote,
      finding: 'it can delete, so it is as dangerous as its deletion',
      category: 'Destructive',
    });
    category = 'Destructive';
  }

  // Date arithmetic on the dates it is given computes; it reads nothing.
  if (category === 'Read' && computesDates(nameWords, descriptionReading.leadWords, parameters)) {
    evidence.push({
      source: 'description',
      quote: description.slice(0, 60),
      finding: 'computes from the dates it is given: Other',
      category: 'Other',
    });
    category = 'Other';
  }

  if (category === undefined) {
    // Nothing in the words: the hints decide what the tool is, which lowers nothing, as nothing is shown.
    if (annotations.readOnlyHint === true) category = 'Read';
    else if (annotations.destructiveHint === true) category = 'Destructive';
    else category = 'Other';
  }

  // Evidence of what the tool does.
  for (const group of merged) {
    group.actions.forEach((action, i) => {
      const role = i === 0 ? 'names what the tool does' : 'names something else it does in the same breath';
      evidence.push(actionEvidence(action, role, action.source === 'title' ? titleAt : undefined));
    });
  }
  if (nameReading.readNoun !== undefined) {
    evidence.push({ source: 'name', quote: nameReading.readNoun, finding: 'names what it reads', category: 'Read' });
  }
  const seen = new Set<string>();
  for (const action of capabilities) {
    const key = `${action.lemma}:${action.category}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const operation = operations.find((o) => o.action === action);
    evidence.push(actionEvidence(action, 'names something else it can do', operation?.cue.parameter.path));
  }
  for (const action of [...descriptionReading.negated, ...(titleReading?.negated ?? [])]) {
    if (CATEGORY_RANK[action.category] < CATEGORY_RANK.Write) continue;
    evidence.push({
      source: action.source,
      quote: action.quote,
      finding: 'is negated in its sentence, so it does not count as something the tool does',
    });
  }
  for (const phrase of phrases) {
    evidence.push({ source: phrase.source, quote: phrase.quote, finding: phrase.finding, category: phrase.category });
  }
  for (const cue of cues) {
    if (cue.kind === 'secret') {
      evidence.push({
        source: 'parameter',
        at: cue.parameter.path,
        quote: cue.parameter.name,
        finding: 'takes a secret',
      });
    }
  }

  // The risk: the category's tier.
  const tier = tierOf({
    category,
    primary: primary.length > 0 ? primary : capabilities.filter((action) => action.category === category),
    capabilities,
    nameWords,
    leadWords: [...descriptionReading.leadWords, ...(titleReading?.leadWords ?? [])],
    cues,
    parameters,
    ...(descriptionReading.readOnly !== undefined ? { readOnly: descriptionReading.readOnly } : {}),
  });
  evidence.push(...tier.evidence);

  // Annotations: hints from an untrusted server. They decide only when the words say nothing.
  const hint = (at: string, value: boolean, finding: string, hinted?: Category) =>
    evidence.push({
      source: 'annotation',
      at,
      quote: `${at}: ${value}`,
      finding,
      ...(hinted ? { category: hinted } : {}),
    });
  if (annotations.readOnlyHint === true) {
    if (!textEvidence) hint('readOnlyHint', true, 'is all there is to go on: the tool is taken to read', 'Read');
    else if (category === 'Read' || category === 'Other') hint('readOnlyHint', true, 'agrees with the definition');
    else hint('readOnlyHint', true, 'is a hint from the server and lowers nothing the definition shows');
  }
  if (annotations.destructiveHint === true && annotations.readOnlyHint !== true) {
    if (!textEvidence) {
      hint('destructiveHint', true, 'is all there is to go on: the tool is taken to be destructive', 'Destructive');
    } else if (category !== 'Destructive') {
      hint('destructiveHint', true, 'is a hint the definition does not bear out: what the tool does decides');
    }
  }

  // Poisoning.
  const places: TextPlace[] = [
    { source: 'name', text: name, isName: true },
    { source: 'title', text: titleText, ...(titleAt ? { at: titleAt } : {}) },
    { source: 'description', text: description },
  ];
  for (const p of parameters) {
    places.push({ source: 'parameter', at: p.path, text: p.name, isName: true });
    if (p.description) places.push({ source: 'parameter', at: p.path, text: p.description });
  }
  const warnings: Warning[] = poisoningWarnings(places);
  if (instructions) warnings.push(...instructionsWarnings(instructions));

  let risk = tier.risk;
  if (!textEvidence && category === 'Other') {
    const unknown = description.trim() === '';
    evidence.push({
      source: 'description',
      quote: description.slice(0, 60),
      finding: unknown
        ? 'nothing in the definition says what the tool does: neither harmless nor known'
        : 'names no action on data, connection or money',
      category: 'Other',
      ...(unknown ? { risk: 'Medium' as const } : {}),
    });
    if (unknown) risk = higherRisk(risk, 'Medium');
  }
  if (!textEvidence && category === 'Destructive') risk = 'Critical';
  return finish(category, risk, evidence, warnings);
}

/** Raises a classification by warnings, and orders its evidence: name, title, description, parameters, hints. */
function finish(
  category: Category,
  tierRisk: Risk,
  evidence: Evidence[],
  warnings: readonly Warning[],
): Classification {
  let risk = tierRisk;
  if (warnings.length > 0 && riskIndex(risk) < riskIndex('High')) {
    risk = 'High';
    evidence.push({
      source: warnings[0]!.source,
      quote: warnings[0]!.quote,
      finding: 'a sign of poisoning: a poisoned tool is at least High risk',
      risk: 'High',
    });
  }
  const ordered = evidence
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => SOURCE_ORDER[a.entry.source] - SOURCE_ORDER[b.entry.source] || a.index - b.index)
    .map(({ entry }) => entry);
  return { category, risk, evidence: ordered, warnings };
}
