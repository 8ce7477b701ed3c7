/**
 * A tool's category and risk from its own definition, with the evidence quoted.
 *
 * The category comes from what the definition's words say the tool does: the verbs of its name, title and
 * first sentence weigh most, then what else the description says it can do, then its parameters. Peers ("create
 * or overwrite") give the more severe category. The risk starts at the category's severity and only goes up: by
 * arguments (force flags, code, unconfined paths, amounts, recipients), by capabilities more dangerous than the
 * category (a "manage" tool that can also delete), by the server's destructiveHint, by signs of poisoning.
 * Annotations are untrusted hints: they can raise a risk, never lower what the words show.
 */
import {
  type ActionGroup,
  type Action,
  groupCategory,
  type NameReading,
  readName,
  readText,
  type TextReading,
} from './actions.js';
import {
  type Category,
  CATEGORY_RANK,
  CATEGORY_RISK,
  type Classification,
  type Evidence,
  higherRisk,
  type Risk,
  riskAbove,
  riskIndex,
  type ToolDefinition,
  type Warning,
} from './classification.js';
import { type Parameter, type ParameterCue, parametersOf, readParameters } from './parameters.js';
import { poisoningWarnings, type TextPlace } from './poisoning.js';
import {
  CONFINED_PATH,
  FORCE_FLAG_WORDS,
  type NounClass,
  SCOPE_PARAMETER_WORDS,
  SENDING_VERBS,
  VERBS,
  WIDENING_FLAG_WORDS,
} from './vocabulary.js';
import { identifierWords, nounClassesOf, verbOf } from './words.js';

/** What each category means, for findings. */
const MEANING: Readonly<Record<Category, string>> = Object.freeze({
  Read: 'reads data',
  Write: 'creates or changes data',
  Execute: 'runs code, commands or jobs',
  Destructive: 'deletes, or does what cannot be undone',
  Financial: 'moves money',
  Other: 'manages a connection or helps the model',
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
  code: 3,
  readNoun: 2,
});

/** Write verbs that move money when the tool takes an amount (`transfer`, `send`, `create` a payment). */
const MONEY_VERBS: ReadonlySet<string> = new Set([
  'transfer',
  'send',
  'create',
  'submit',
  'approve',
  'complete',
  'confirm',
  'execute',
  'process',
  'initiate',
  'place',
  'make',
  'issue',
]);

/** A flag word that does more than widen a read. */
const FORCE_ONLY = (word: string) => !WIDENING_FLAG_WORDS.has(word) && FORCE_FLAG_WORDS.has(word);

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
        }
      }
    } else {
      merged.push({ actions: [...group.actions], weight, lemmas });
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
    if (/[\w.-]/.test(before) || /[\w]/.test(after)) continue;
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

interface Floor {
  readonly risk: Risk;
  readonly evidence: Evidence;
}

/** The verb and its other words of an enum value such as `delete_workflow_run_logs`. */
function operationAction(value: string, toolWords: readonly string[]): Action | undefined {
  const words = identifierWords(value).map((word) => word.text);
  const index = words.findIndex((word) => verbOf(word) !== undefined);
  if (index < 0) return undefined;
  const lemma = verbOf(words[index]!)!.lemma;
  const verb = VERBS[lemma]!;
  const around = [...words.slice(index + 1), ...toolWords];
  let category = verb.category;
  for (const [klass, meant] of verb.objects ?? []) {
    if (around.some((word) => nounOf(word, klass))) {
      category = meant;
      break;
    }
  }
  return { lemma, category, source: 'parameter', quote: value, weak: false };
}

function nounOf(word: string, klass: NounClass): boolean {
  return nounClassesOf(word).includes(klass);
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

  const nameReading: NameReading = readName(name);
  const titleReading: TextReading | undefined = titleText ? readText(titleText, 'title') : undefined;
  const descriptionReading = readText(description, 'description');
  const instructionsLine = instructions ? instructionsAbout(instructions, name) : undefined;
  const instructionsReading = instructionsLine ? readText(instructionsLine, 'instructions') : undefined;
  const parameters = parametersOf(tool.inputSchema);
  const cues = readParameters(parameters, description);

  const evidence: Evidence[] = [];
  const scores = new Map<Category, number>();
  const add = (category: Category, weight: number) => scores.set(category, (scores.get(category) ?? 0) + weight);

  // What the tool is for: the leading verbs of name, title, description (and the instructions' line about it).
  const groups: { group: ActionGroup; weight: number }[] = [];
  if (descriptionReading.lead) groups.push({ group: descriptionReading.lead, weight: WEIGHT.description });
  if (titleReading?.lead) groups.push({ group: titleReading.lead, weight: WEIGHT.title });
  if (nameReading.group) {
    const weak = nameReading.group.actions.every((action) => action.weak);
    groups.push({ group: nameReading.group, weight: weak ? WEIGHT.nameNoun : WEIGHT.name });
  }
  if (instructionsReading?.lead) groups.push({ group: instructionsReading.lead, weight: WEIGHT.instructions });
  const merged = mergeGroups(groups);
  for (const group of merged) add(groupCategory(group.actions), group.weight);

  // What else it can do, and what its description says of consequences.
  const capabilities: Action[] = [
    ...descriptionReading.capabilities,
    ...(titleReading?.capabilities ?? []),
    ...(instructionsReading?.capabilities ?? []),
  ];
  const toolWords = identifierWords(name).map((word) => word.text);
  const operations: { cue: ParameterCue; action: Action }[] = [];
  for (const cue of cues) {
    if (cue.kind !== 'operations') continue;
    for (const value of cue.parameter.enumValues) {
      const action = operationAction(value, toolWords);
      if (action) operations.push({ cue, action });
    }
  }
  // What else it can do counts once per category: a long list must not outweigh what the tool is for.
  const capabilityCategories = new Set(
    [...capabilities, ...operations.map(({ action }) => action)].map((a) => a.category),
  );
  for (const capability of capabilityCategories) add(capability, WEIGHT.capability);
  const phrases = [
    ...descriptionReading.phrases,
    ...(titleReading?.phrases ?? []),
    ...(instructionsReading?.phrases ?? []),
  ];
  for (const phrase of phrases) add(phrase.category, WEIGHT.phrase);
  // Code deep in an array of options (a scraper's page actions) is noted, but is not what the tool is for.
  const codeCues = cues.filter((cue) => cue.kind === 'code' && !cue.parameter.path.includes('[]'));
  if (codeCues.length > 0) add('Execute', WEIGHT.code);
  if (nameReading.readNoun !== undefined) add('Read', WEIGHT.readNoun);

  // The category: the highest score; between equals, the more severe.
  let category: Category | undefined;
  let best = 0;
  for (const [candidate, score] of scores) {
    if (
      score > best ||
      (score === best && category !== undefined && CATEGORY_RANK[candidate] > CATEGORY_RANK[category])
    ) {
      category = candidate;
      best = score;
    }
  }

  const floors: Floor[] = [];
  const primaryActions = merged.flatMap((group) => group.actions);
  const lemmas = new Set(primaryActions.map((action) => action.lemma));

  // An amount of money taken by a tool that creates, sends or transfers: it moves money.
  const moneyCue =
    cues.find((cue) => cue.kind === 'amount')?.parameter ??
    parameters.find((p) => !p.path.includes('.') && p.words.includes('currency'));
  if (category === 'Write' && moneyCue !== undefined && [...lemmas].some((lemma) => MONEY_VERBS.has(lemma))) {
    category = 'Financial';
    evidence.push({
      source: 'parameter',
      at: moneyCue.path,
      quote: moneyCue.name,
      finding: 'money, taken by a tool that creates, sends or transfers: it moves money',
      category: 'Financial',
    });
  }

  // A free-form query its own words limit to reading: a Read, the query still free-form.
  let readOnlyQuery = category === 'Read' && primaryActions.some((action) => action.runsRead === true);
  if (category === 'Execute' && descriptionReading.readOnly !== undefined) {
    const executeFromCode =
      codeCues.length > 0 ||
      primaryActions.some((action) => action.category === 'Execute' && /\b(?:sql|query|queries)\b/i.test(action.quote));
    const otherExecute = primaryActions.some(
      (action) => action.category === 'Execute' && !['run', 'execute', 'exec', 'query', 'eval'].includes(action.lemma),
    );
    if (executeFromCode && !otherExecute) {
      category = 'Read';
      readOnlyQuery = true;
      evidence.push({
        source: 'description',
        quote: descriptionReading.readOnly,
        finding: 'its own words limit the query it runs to reading: a Read, though the query is free-form',
        category: 'Read',
      });
    }
  }

  const textEvidence = scores.size > 0;
  if (category === undefined) {
    // Nothing in the words: the hints decide what the tool is, which cannot lower anything, as nothing is shown.
    if (annotations.readOnlyHint === true) category = 'Read';
    else if (annotations.destructiveHint === true) category = 'Destructive';
    else category = 'Other';
  }
  const base = CATEGORY_RISK[category];

  // Evidence of what the tool does.
  for (const group of merged) {
    const groupCat = groupCategory(group.actions);
    group.actions.forEach((action, i) => {
      const role = i === 0 ? 'names what the tool does' : 'names something else it does in the same breath';
      evidence.push(actionEvidence(action, role, action.source === 'title' ? titleAt : undefined));
      if (action.raises && CATEGORY_RANK[groupCat] >= CATEGORY_RANK[action.category]) {
        floors.push({
          risk: riskAbove(base),
          evidence: {
            source: action.source,
            quote: action.quote,
            finding: `${action.raises}: the risk goes up one step`,
            risk: riskAbove(base),
          },
        });
      }
    });
  }
  if (nameReading.readNoun !== undefined) {
    evidence.push({ source: 'name', quote: nameReading.readNoun, finding: `names what it reads`, category: 'Read' });
  }
  const seenCapabilities = new Set<string>();
  const capabilityFloor = (action: Action, at?: string) => {
    const key = `${action.lemma}:${action.category}`;
    if (seenCapabilities.has(key)) return;
    seenCapabilities.add(key);
    evidence.push(actionEvidence(action, 'names something else it can do', at));
    const dangerous = action.category === 'Destructive' || action.category === 'Financial';
    if (dangerous && CATEGORY_RANK[action.category] > CATEGORY_RANK[category]) {
      const risk = riskAbove(base);
      floors.push({
        risk,
        evidence: {
          source: action.source,
          ...(at ? { at } : {}),
          quote: action.quote,
          finding: `it can also do this, which ${MEANING[action.category]}: the risk goes up one step`,
          risk,
        },
      });
    }
  };
  for (const action of capabilities) capabilityFloor(action, action.source === 'title' ? titleAt : undefined);
  for (const { cue, action } of operations) capabilityFloor(action, cue.parameter.path);
  for (const action of [...descriptionReading.negated, ...(titleReading?.negated ?? [])]) {
    if (CATEGORY_RANK[action.category] < CATEGORY_RANK.Write) continue;
    evidence.push({
      source: action.source,
      quote: action.quote,
      finding: `is negated in its sentence, so it does not count as something the tool does`,
    });
  }
  for (const phrase of phrases) {
    evidence.push({ source: phrase.source, quote: phrase.quote, finding: phrase.finding, category: phrase.category });
  }
  if (descriptionReading.readOnly !== undefined && !readOnlyQuery) {
    evidence.push({
      source: 'description',
      quote: descriptionReading.readOnly,
      finding: 'its own words say it changes nothing',
      ...(category === 'Read' ? { category: 'Read' as const } : {}),
    });
  }

  // Arguments.
  const sends = category === 'Write' && [...lemmas].some((lemma) => SENDING_VERBS.has(lemma));
  const confined =
    CONFINED_PATH.test(description) ||
    parameters.some((p) => !p.path.includes('.') && p.words.some((word) => SCOPE_PARAMETER_WORDS.has(word)));
  for (const cue of cues) {
    const p: Parameter = cue.parameter;
    const at = p.path;
    const quote = p.name;
    switch (cue.kind) {
      case 'code': {
        if (!codeCues.includes(cue)) {
          evidence.push({ source: 'parameter', at, quote, finding: 'code for an option nested in a list of options' });
          break;
        }
        const risk: Risk = readOnlyQuery ? 'Medium' : 'High';
        const finding = readOnlyQuery
          ? `a free-form \`${p.name}\` the tool runs, limited to reading: at least Medium`
          : `a free-form \`${p.name}\` the tool runs: Execute-level risk, at least High`;
        floors.push({ risk, evidence: { source: 'parameter', at, quote, finding, category: 'Execute', risk } });
        break;
      }
      case 'flag': {
        if (category === 'Read' && p.words.every((word) => !FORCE_ONLY(word))) {
          evidence.push({
            source: 'parameter',
            at,
            quote,
            finding: `a \`${p.name}\` flag widens what it reads: no raise`,
          });
          break;
        }
        const risk = riskAbove(base);
        floors.push({
          risk,
          evidence: { source: 'parameter', at, quote, finding: `a \`${p.name}\` flag raises the risk one step`, risk },
        });
        break;
      }
      case 'path': {
        if (category !== 'Write') {
          evidence.push({ source: 'parameter', at, quote, finding: 'a filesystem path the agent chooses' });
        } else if (confined || CONFINED_PATH.test(p.description)) {
          evidence.push({
            source: 'parameter',
            at,
            quote,
            finding: 'a path the agent chooses, confined by the definition itself: it raises nothing',
          });
        } else {
          const risk = riskAbove(base);
          floors.push({
            risk,
            evidence: {
              source: 'parameter',
              at,
              quote,
              finding: 'a path the tool writes to, which the definition does not confine: the risk goes up one step',
              risk,
            },
          });
        }
        break;
      }
      case 'amount': {
        if (category === 'Financial') {
          evidence.push({ source: 'parameter', at, quote, finding: 'an amount of money', category: 'Financial' });
        } else {
          const risk = riskAbove(base);
          floors.push({
            risk,
            evidence: {
              source: 'parameter',
              at,
              quote,
              finding: 'an amount of money: the risk goes up one step',
              risk,
            },
          });
        }
        break;
      }
      case 'recipient': {
        if (sends) {
          const risk = riskAbove(base);
          floors.push({
            risk,
            evidence: {
              source: 'parameter',
              at,
              quote,
              finding: 'a recipient: what the tool sends leaves the system and cannot be called back',
              risk,
            },
          });
        }
        break;
      }
      case 'secret':
        evidence.push({ source: 'parameter', at, quote, finding: 'takes a secret' });
        break;
      case 'operations':
        break;
    }
  }

  // Annotations: hints from an untrusted server. They raise; they never lower.
  if (annotations.readOnlyHint === true) {
    evidence.push({
      source: 'annotation',
      at: 'readOnlyHint',
      quote: 'readOnlyHint: true',
      finding:
        category === 'Read' || category === 'Other'
          ? textEvidence
            ? 'agrees with the definition'
            : 'is all there is to go on: the tool is taken to read'
          : 'is a hint from the server and lowers nothing the definition shows',
    });
  }
  if (annotations.destructiveHint === true && annotations.readOnlyHint !== true) {
    if (!textEvidence) {
      evidence.push({
        source: 'annotation',
        at: 'destructiveHint',
        quote: 'destructiveHint: true',
        finding: 'is all there is to go on: the tool is taken to be destructive',
        category: 'Destructive',
      });
    } else if (riskIndex(base) < riskIndex('High')) {
      floors.push({
        risk: 'High',
        evidence: {
          source: 'annotation',
          at: 'destructiveHint',
          quote: 'destructiveHint: true',
          finding: 'the server hints the tool may destroy data: a hint cannot show it, but it raises the risk to High',
          risk: 'High',
        },
      });
    }
  }
  if (annotations.openWorldHint === true && (category === 'Write' || category === 'Execute')) {
    evidence.push({
      source: 'annotation',
      at: 'openWorldHint',
      quote: 'openWorldHint: true',
      finding: 'its effects reach outside the server',
    });
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
  if (instructions) {
    warnings.push(...poisoningWarnings([{ source: 'instructions', text: instructions }]));
  }

  if (!textEvidence && category === 'Other') {
    const risk: Risk = description.trim() === '' ? 'Medium' : 'Low';
    evidence.push({
      source: 'description',
      quote: description.trim() === '' ? '' : description.slice(0, 60),
      finding:
        risk === 'Medium'
          ? 'nothing in the definition says what the tool does: neither harmless nor known'
          : 'names no action on data, connection or money',
      category: 'Other',
      ...(risk === 'Medium' ? { risk } : {}),
    });
    if (risk === 'Medium') floors.push({ risk, evidence: evidence.at(-1)! });
  }

  return finish(category, base, floors, evidence, warnings);
}

/** Raises a classification by warnings, and orders its evidence: name, title, description, parameters, hints. */
export function finish(
  category: Category,
  base: Risk,
  floors: readonly Floor[],
  evidence: Evidence[],
  warnings: readonly Warning[],
): Classification {
  let risk = base;
  for (const floor of floors) {
    risk = higherRisk(risk, floor.risk);
    if (!evidence.includes(floor.evidence)) evidence.push(floor.evidence);
  }
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
