/**
 * What a tool's own words say it does: the verbs of its name, title and description, read the way such texts are
 * written (verb first, a resource before it in names, "X or Y" lists, "Manage X: list, create, delete").
 */
import { type Category, CATEGORY_RANK, type Risk } from './classification.js';
import { type NounClass, READ_NOUNS, STATUS_NOUNS, STATUS_SETTERS } from './nouns.js';
import {
  COORDINATORS,
  ELABORATORS,
  GUIDANCE,
  NEGATIONS,
  NOUN_FOLLOWERS,
  PHRASES,
  PREAMBLE,
  READ_ONLY_PHRASE,
  SUBORDINATORS,
} from './phrases.js';
import { FILLERS, LIGHT_VERBS, NOMINALIZATIONS, PARTICLE_VERBS, VERBS } from './verbs.js';
import {
  identifierWords,
  nounClassesOf,
  prefixedVerbOf,
  sentences,
  type TextWord,
  textWords,
  type VerbForm,
  verbOf,
} from './words.js';

export type ActionSource = 'name' | 'title' | 'description' | 'instructions' | 'parameter';

/** One verb of the definition, with what it means there. */
export interface Action {
  readonly lemma: string;
  readonly category: Category;
  readonly source: ActionSource;
  /** The words as written: the verb, and the object when the object changed the verb's meaning. */
  readonly quote: string;
  /** Why the verb means something other than usual here ("remove … from a list detaches"). */
  readonly reason?: string;
  /** The verb alone raises the risk, for this reason (`overwrite`). */
  readonly raises?: string;
  /** The risk of this verb on this object, when the pair has its own (`update` a subscription: High). */
  readonly risk?: Risk;
  /** The words the verb acts on (lower case). */
  readonly objects: readonly string[];
  /** The word is as often a noun (`log`, `request`): it counts for less. */
  readonly weak: boolean;
  /** "Run a find query", "Execute a SELECT query": running something that only reads. */
  readonly runsRead?: true;
}

/** Verbs that are peers, the tool doing all of them: "Create or update", "Disconnects … and removes". */
export interface ActionGroup {
  readonly source: ActionSource;
  readonly actions: readonly Action[];
}

/** A phrase that says what the tool does without being its verb ("cannot be undone"). */
interface PhraseCue {
  readonly source: ActionSource;
  readonly category: Category;
  readonly quote: string;
  readonly finding: string;
}

/** What a text (a description, a title, a line of the server's instructions) says. */
export interface TextReading {
  /** The first sentence's leading verbs. */
  readonly lead?: ActionGroup;
  /** Verbs of elaborations and later sentences: what else the tool can do. */
  readonly capabilities: readonly Action[];
  /** Verbs a negation cancels ("does not delete"), kept to show they were read and set aside. */
  readonly negated: readonly Action[];
  readonly phrases: readonly PhraseCue[];
  /** Its own words say it changes nothing ("read-only"). */
  readonly readOnly?: string;
  /** The first sentence's words, lower case, each marked when a negation in its clause cancels it. */
  readonly leadWords: readonly LeadWord[];
}

export interface LeadWord {
  readonly text: string;
  readonly negated: boolean;
}

export interface NameReading {
  readonly group?: ActionGroup;
  /** A noun that says what the tool reads, when the name has no verb (`gateway.health`). */
  readonly readNoun?: string;
}

/** Words skipped between a verb and its object, or a preposition and its noun. */
const DETERMINERS = new Set([
  'the',
  'a',
  'an',
  'its',
  'their',
  'this',
  'that',
  'these',
  'those',
  'his',
  'her',
  'your',
  'my',
  'our',
  'all',
  'any',
  'each',
  'every',
  'some',
  'specified',
  'given',
  'current',
  'existing',
  'selected',
  'specific',
  'one',
  'multiple',
  'it',
  'them',
]);

const LEAD_SKIP = new Set(['it', 'this', 'that', 'which', 'who', 'does', 'do', 'also']);

/** How far a verb's object reaches, in words. */
const OBJECT_WINDOW = 8;

/** Words that end the noun phrase a verb acts on: its head noun is the last word before one of them. */
const PHRASE_ENDS = new Set([
  'of',
  'for',
  'in',
  'on',
  'to',
  'from',
  'with',
  'by',
  'at',
  'into',
  'via',
  'using',
  'across',
  'as',
]);

/** Words last in a phrase that qualify the word before rather than name the thing: "margin mode", "Image Tool". */
const QUALIFIERS = new Set(['mode', 'type', 'settings', 'setting', 'config', 'configuration', 'options', 'tool']);

/** The head of a noun phrase: "a new subscription plan for X" is a plan, "margin mode" is about margin. */
export function headNoun(words: readonly string[]): string | undefined {
  let head: string | undefined;
  let before: string | undefined;
  for (const word of words) {
    // "a comment and/or reaction": the first of two joined nouns is what the phrase is about.
    if (PHRASE_ENDS.has(word) || SUBORDINATORS.has(word) || (head !== undefined && COORDINATORS.has(word))) break;
    if (DETERMINERS.has(word)) continue;
    before = head;
    head = word;
  }
  return head !== undefined && before !== undefined && QUALIFIERS.has(head) ? before : head;
}

interface Meaning {
  readonly category: Category;
  readonly reason?: string;
  readonly noun?: string;
  readonly risk?: Risk;
}

/** The category of `lemma` given the words around it (objects, prepositions), and why when that is not its usual. */
function meaning(
  lemma: string,
  after: readonly string[],
  around: readonly string[] = after,
  head = headNoun(after),
): Meaning {
  const verb = VERBS[lemma]!;
  for (const [preposition, klass, category] of verb.prepositions ?? []) {
    const at = after.indexOf(preposition);
    if (at < 0) continue;
    if (klass === null) return { category, reason: `${lemma} … ${preposition}` };
    for (let k = at + 1; k < Math.min(after.length, at + 5); k++) {
      const word = after[k]!;
      if (DETERMINERS.has(word)) continue;
      if (nounClassesOf(word).includes(klass)) {
        return { category, reason: `${lemma} … ${preposition} ${word}`, noun: word };
      }
    }
  }
  // Money is only what the phrase is about, its head noun: `create_subscription_plan` makes a plan and
  // `create_payment_link` a link, neither moves money. Most other classes may come from any word.
  const headClasses = head === undefined ? [] : nounClassesOf(head);
  for (const [klass, category, risk] of verb.objects ?? []) {
    if (HEAD_CLASSES.has(klass)) {
      if (headClasses.includes(klass))
        return { category, reason: `${lemma} ${head!}`, noun: head!, ...(risk ? { risk } : {}) };
      continue;
    }
    const word = around.find((w) => nounClassesOf(w).includes(klass));
    if (word !== undefined) return { category, reason: `${lemma} ${word}`, noun: word, ...(risk ? { risk } : {}) };
  }
  return { category: verb.category };
}

/** Classes only the head noun can give: money, and help ("tool calls" are not tools). */
const HEAD_CLASSES: ReadonlySet<NounClass> = new Set(['payment', 'billing', 'invoice', 'commerce', 'help']);

interface FoundVerb {
  readonly lemma: string;
  readonly form: VerbForm;
}

function findVerb(word: string): FoundVerb | undefined {
  const direct = verbOf(word);
  if (direct) return direct;
  const prefixed = prefixedVerbOf(word);
  if (prefixed) {
    // `unresolve`, `unfollow`: undoing something is a change; `reindex` does what `index` does.
    const lemma =
      prefixed.prefix === 'un' && VERBS[prefixed.base.lemma]!.category === 'Read' ? 'change' : prefixed.base.lemma;
    return { lemma, form: prefixed.base.form };
  }
  return undefined;
}

/** What is left of a word after a verb when the word is only that verb made a noun (`install`-ation). */
const SUFFIXES = /^(?:ations?|ments?|ers?|ors?|able|ible|ions?|ive|ity|ance|ence|al|ly|ed|ing|s|es|y)$/;

/** A long unsplit word (`sequentialthinking`, `getweather`) that starts or ends with a verb. */
function verbInside(word: string): { verb: FoundVerb; start: number; end: number } | undefined {
  if (word.length < 8) return undefined;
  for (let length = word.length - 4; length >= 3; length--) {
    const head = verbOf(word.slice(0, length));
    if (head && head.form !== 'ed' && !SUFFIXES.test(word.slice(length))) return { verb: head, start: 0, end: length };
  }
  for (let start = 3; start <= word.length - 3; start++) {
    const tail = verbOf(word.slice(start));
    if (tail && tail.form !== 'ed') return { verb: tail, start, end: word.length };
  }
  return undefined;
}

/** Reads a tool name: its first verb that is not also a noun, and verbs joined to it by `or`/`and`. */
export function readName(name: string): NameReading {
  const words = identifierWords(name);
  const texts = words.map((word) => word.text);
  const verbs: (FoundVerb | undefined)[] = words.map((word, i) => {
    const particle = PARTICLE_VERBS[verbOf(word.text)?.lemma ?? word.text]?.[texts[i + 1] ?? ''];
    if (particle) return { lemma: particle, form: 'base' };
    // `make_payment`, `do_search`: the noun after a light verb is the action.
    const nominal = NOMINALIZATIONS[word.text];
    if (nominal && i > 0 && LIGHT_VERBS.has(texts[i - 1]!)) return { lemma: nominal, form: 'base' };
    return findVerb(word.text);
  });
  // Names are written with verbs in their base form (`get_`, `list_`): `commits`, `logs`, `thinking` there are nouns,
  // counted only when nothing else is a verb. A verb that is as often a noun (`log`, `search`) comes after them.
  const isVerb = (verb: FoundVerb | undefined, base: boolean, noun: boolean) =>
    verb !== undefined && (verb.form === 'base') === base && (VERBS[verb.lemma]!.noun === true) === noun;
  let primary = verbs.findIndex((verb) => isVerb(verb, true, false));
  let weak = false;
  if (primary < 0) {
    primary = verbs.findIndex((verb) => isVerb(verb, true, true));
    if (primary < 0) primary = verbs.findIndex((verb) => verb !== undefined && verb.form !== 'ed');
    weak = primary >= 0;
  }
  if (primary < 0) {
    // No verb among the words: a long word may hold one (`sequentialthinking`).
    for (const word of words) {
      const inside = verbInside(word.text);
      if (inside) {
        const quote = name.slice(word.start + inside.start, word.start + inside.end);
        return { group: { source: 'name', actions: [nameAction(inside.verb.lemma, quote, [], texts, true)] } };
      }
    }
    const readNoun = words.find((word) => READ_NOUNS.has(word.text));
    return readNoun ? { readNoun: name.slice(readNoun.start, readNoun.end) } : {};
  }
  const memberIndexes = [primary];
  for (let i = primary + 1; i < words.length - 1; i++) {
    if (COORDINATORS.has(texts[i]!) && verbs[i + 1] !== undefined) memberIndexes.push(i + 1);
  }
  const others = texts.filter((_, i) => !memberIndexes.includes(i));
  const last = words.at(-1)!;
  const lemma = verbs[primary]!.lemma;
  if (primary < words.length - 1 && STATUS_NOUNS.has(last.text) && !STATUS_SETTERS.has(lemma)) {
    // `provision_status`, `build_logs`: the name asks how the verb's work went.
    const quote = name.slice(words[primary]!.start, last.end);
    return {
      group: {
        source: 'name',
        actions: [
          { lemma, category: 'Read', source: 'name', quote, reason: `${lemma} ${last.text}`, objects: others, weak },
        ],
      },
    };
  }
  const actions = memberIndexes.map((i) => {
    const word = words[i]!;
    const quote = name.slice(word.start, word.end);
    return nameAction(verbs[i]!.lemma, quote, texts.slice(i + 1), others, weak);
  });
  return { group: { source: 'name', actions } };
}

function nameAction(
  lemma: string,
  quote: string,
  after: readonly string[],
  around: readonly string[],
  weak: boolean,
): Action {
  // In a name the head noun is its last word that is not the verb (`create_subscription_plan`, `printer_stop`).
  const head = after.length > 0 ? after.at(-1) : around.at(-1);
  const meant = meaning(lemma, after, around, head);
  const verb = VERBS[lemma]!;
  return {
    lemma,
    category: meant.category,
    source: 'name',
    quote,
    ...(meant.reason ? { reason: meant.reason } : {}),
    ...(verb.raises ? { raises: verb.raises } : {}),
    ...(meant.risk ? { risk: meant.risk } : {}),
    objects: around,
    weak,
  };
}

interface SentenceWords {
  readonly text: string;
  readonly words: readonly TextWord[];
  /** Index of the first word after the preamble. */
  readonly from: number;
}

function stripPreamble(text: string): number {
  let offset = 0;
  for (let round = 0; round < 4; round++) {
    const match = PREAMBLE.exec(text.slice(offset));
    if (!match || match[0].length === 0) break;
    offset += match[0].length;
  }
  return offset;
}

function wordsOf(text: string): SentenceWords {
  const offset = stripPreamble(text);
  const words = textWords(text);
  let from = 0;
  while (from < words.length && words[from]!.start < offset) from++;
  return { text, words, from };
}

const CLAUSE_END = /[.;:(\u2014\u2013]|\s-\s/;

/** What stands before a word once a parenthesis closed in it is passed ("etc.) and" is " and"). */
function gapOf(word: TextWord): string {
  const close = word.gap.lastIndexOf(')');
  return close < 0 ? word.gap : word.gap.slice(close + 1);
}

/** Ends a clause: stops an object window and the reach of a negation. */
function endsClause(word: TextWord): boolean {
  return CLAUSE_END.test(gapOf(word));
}

/** Skips a parenthesis opening before `words[k]`: the index of the first word after it closes. */
function skipParenthesis(words: readonly TextWord[], k: number): number {
  if (!words[k]!.gap.includes('(') || words[k]!.gap.includes(')')) return k;
  for (let j = k + 1; j < words.length && j < k + 20; j++) if (words[j]!.gap.includes(')')) return j;
  return k;
}

/** The words a verb at `at` acts on: up to the clause's end or the next verb joined to it. */
function objectWords(words: readonly TextWord[], at: number): string[] {
  const out: string[] = [];
  for (let k = at + 1; k < words.length && out.length < OBJECT_WINDOW; k++) {
    const word = words[k]!;
    if (endsClause(word) || word.gap.includes(',') || SUBORDINATORS.has(word.text)) break;
    if (COORDINATORS.has(word.text) && words[k + 1] && findVerb(words[k + 1]!.text)) break;
    out.push(word.text);
  }
  return out;
}

function textAction(sentence: SentenceWords, at: number, verb: FoundVerb, source: ActionSource): Action {
  const after = objectWords(sentence.words, at);
  const meant = meaning(verb.lemma, after);
  const start = sentence.words[at]!.start;
  let end = sentence.words[at]!.end;
  if (meant.noun !== undefined) {
    // Quote up to the noun that decided the meaning, when it is close by.
    for (let k = at + 1; k < Math.min(sentence.words.length, at + 1 + OBJECT_WINDOW); k++) {
      if (sentence.words[k]!.text === meant.noun) {
        end = sentence.words[k]!.end;
        break;
      }
    }
  }
  const meaningOfVerb = VERBS[verb.lemma]!;
  return {
    lemma: verb.lemma,
    category: meant.category,
    source,
    quote: sentence.text.slice(start, end),
    ...(meant.reason ? { reason: meant.reason } : {}),
    ...(meaningOfVerb.raises ? { raises: meaningOfVerb.raises } : {}),
    ...(meant.risk ? { risk: meant.risk } : {}),
    objects: after,
    weak: false,
  };
}

/** Skips fillers, light verbs ("Perform"), pronouns and negations; returns the next word's index. */
function skipToVerb(
  words: readonly TextWord[],
  from: number,
  limit: number,
): { at: number; negated: boolean; light: boolean } {
  let negated = false;
  let light = false;
  let at = from;
  for (; at < words.length && at < from + limit; at++) {
    const word = words[at]!;
    if (word.opaque) break;
    if (NEGATIONS.has(word.text) || word.text.startsWith('non-')) {
      negated = true;
      continue;
    }
    if (FILLERS.has(word.text) || LEAD_SKIP.has(word.text)) continue;
    if (LIGHT_VERBS.has(word.text)) {
      light = true;
      continue;
    }
    if (light && DETERMINERS.has(word.text)) continue;
    break;
  }
  return { at, negated, light };
}

/** A word in capitals inside ordinary prose is a keyword or an acronym (`DELETE` in "an INSERT or DELETE query"). */
function isKeyword(sentence: SentenceWords, word: TextWord): boolean {
  const raw = sentence.text.slice(word.start, word.end);
  return raw.length > 1 && raw === raw.toUpperCase() && /\p{Ll}/u.test(sentence.text);
}

const RUNNING = new Set(['run', 'execute', 'exec', 'perform']);

/** Verbs that set something up for a purpose, which the purpose names: "open a session to navigate". */
const SETTING_UP = new Set(['open', 'launch', 'start', 'connect', 'use', 'reuse', 'debug', 'help', 'create']);

/** "Run a find query", "Execute a SELECT query", "Run web research": what is run only reads. */
function runsRead(sentence: SentenceWords, at: number): string | undefined {
  for (let k = at + 1; k < Math.min(sentence.words.length, at + 4); k++) {
    const word = sentence.words[k]!;
    if (DETERMINERS.has(word.text)) continue;
    const verb = findVerb(word.text);
    if (verb && VERBS[verb.lemma]!.category === 'Read' && verb.form === 'base' && !VERBS[verb.lemma]!.noun) {
      return word.text;
    }
    if (nounClassesOf(word.text).includes('inquiry')) return word.text;
  }
  return undefined;
}

interface LeadVerbs {
  readonly lead: Action[];
  readonly negated: Action[];
  /** Where the lead's clause stopped: an elaboration (":", "including") may follow. */
  readonly stop: number;
}

/** Words that may follow a verb joined to another without its own object: "removes it", "overwrite an existing". */
function opensObject(word: TextWord | undefined): boolean {
  return word === undefined || DETERMINERS.has(word.text) || endsClause(word) || word.gap.includes(',');
}

/** The verb a sentence opens with, and the verbs joined to it in the same clause. */
function leadVerbs(sentence: SentenceWords, source: ActionSource): LeadVerbs | undefined {
  const { words } = sentence;
  const first = skipToVerb(words, sentence.from, 6);
  const word = words[first.at];
  if (!word || word.opaque) return undefined;
  const particle = PARTICLE_VERBS[verbOf(word.text)?.lemma ?? word.text]?.[words[first.at + 1]?.text ?? ''];
  const nominal = first.light ? NOMINALIZATIONS[word.text] : undefined;
  const verb: FoundVerb | undefined = particle
    ? { lemma: particle, form: 'base' }
    : nominal
      ? { lemma: nominal, form: 'base' }
      : findVerb(word.text);
  // A past participle opening a sentence is an adjective ("Deleted items are kept for 30 days").
  if (!verb || verb.form === 'ed') return undefined;
  // A verb that is also a noun, followed by "of" or "history", is the noun ("Run history of a workflow").
  const following = words[first.at + 1];
  if (VERBS[verb.lemma]!.noun && following && NOUN_FOLLOWERS.has(following.text) && !particle) return undefined;
  const lead: Action[] = [];
  const negated: Action[] = [];
  const read = RUNNING.has(verb.lemma) ? runsRead(sentence, first.at) : undefined;
  const opening = textAction(sentence, first.at, verb, source);
  const action: Action = read
    ? { ...opening, category: 'Read', reason: `${verb.lemma} a ${read}`, runsRead: true }
    : opening;
  (first.negated ? negated : lead).push(action);
  let previous = first.at;
  let k = first.at + 1;
  for (; k < words.length && k < first.at + 40; k++) {
    k = skipParenthesis(words, k);
    const current = words[k];
    if (!current) break;
    if (endsClause(current) || ELABORATORS.has(current.text) || SUBORDINATORS.has(current.text)) break;
    const purposeOf = current.text === 'to' ? 'base' : current.text === 'by' ? 'ing' : undefined;
    if (purposeOf && lead.length > 0 && lead.every((action) => SETTING_UP.has(action.lemma))) {
      // "Open a browser session to navigate a page, click …", "helps debug failures by retrieving logs": what a
      // session is opened for, or the means of an auxiliary aim, is what the tool does.
      const purpose = words[k + 1];
      const purposeVerb = purpose && !purpose.opaque ? findVerb(purpose.text) : undefined;
      if (purposeVerb?.form === purposeOf) {
        const listed = listedVerbs(sentence, k + 1, source);
        const found = listed.found.filter(
          (action) => findVerb(action.quote.split(/\s/)[0]!.toLowerCase())?.form === purposeOf,
        );
        // A purpose counts when it acts ("to navigate, click"); "to provide feedback" leaves the lead as it is.
        const acts = purposeOf === 'ing' || found.some((action) => CATEGORY_RANK[action.category] > CATEGORY_RANK.Read);
        if (found.length > 0 && acts) {
          negated.push(...listed.negated);
          return { lead: found, negated, stop: words.length };
        }
      }
    }
    const joins = COORDINATORS.has(current.text) || gapOf(current).includes(',') || gapOf(current).includes('/');
    if (!joins) continue;
    const next = skipToVerb(words, COORDINATORS.has(current.text) ? k + 1 : k, 4);
    const candidate = words[next.at];
    if (!candidate || candidate.opaque || (next.at !== k && endsClause(candidate))) continue;
    const peer = isKeyword(sentence, candidate) ? undefined : findVerb(candidate.text);
    // "Restore the database from a backup, overwriting the current data": a consequence is done too.
    const consequence = peer?.form === 'ing' && verb.form !== 'ing' && !COORDINATORS.has(current.text);
    if (!peer || (peer.form !== verb.form && !consequence)) continue;
    // "Move or rename files": right after the verb before it. Otherwise it needs an object of its own, or none
    // ("and removes it"); "filtering by …, or commit message" is a noun.
    const adjacent = k === previous + 1;
    if (!adjacent && !opensObject(words[next.at + 1])) continue;
    (first.negated || next.negated ? negated : lead).push(textAction(sentence, next.at, peer, source));
    previous = next.at;
    k = next.at;
  }
  return { lead: sharingObject(lead, sentence), negated, stop: k };
}

/**
 * Verbs listed before one object share it: in "List, create, close, or select a browser tab" every verb acts on
 * the tab, and in "Confirm and execute a pending transfer" both act on the transfer.
 */
function sharingObject(actions: Action[], sentence: SentenceWords): Action[] {
  const last = actions.at(-1);
  if (actions.length < 2 || last === undefined || last.objects.length === 0) return actions;
  return actions.map((action) => {
    if (action.objects.length > 0 || action.runsRead) return action;
    const at = sentence.words.findIndex((word) => sentence.text.slice(word.start, word.end) === action.quote);
    if (at < 0) return action;
    const found = findVerb(sentence.words[at]!.text);
    if (!found) return action;
    const meant = meaning(found.lemma, last.objects);
    return {
      ...action,
      category: meant.category,
      objects: last.objects,
      ...(meant.reason ? { reason: meant.reason } : {}),
      ...(meant.risk ? { risk: meant.risk } : {}),
    };
  });
}

/** Verbs opening the items of a list: "Manage branches: list, create, delete", "including running, deleting". */
function listedVerbs(
  sentence: SentenceWords,
  from: number,
  source: ActionSource,
): { found: Action[]; negated: Action[] } {
  const { words } = sentence;
  const found: Action[] = [];
  const negated: Action[] = [];
  let itemStart = true;
  for (let k = from; k < words.length; k++) {
    const word = words[k]!;
    if (
      k > from &&
      (word.gap.includes(',') || word.gap.includes('/') || word.gap.includes(':') || word.gap.includes('('))
    ) {
      itemStart = true;
    }
    if (COORDINATORS.has(word.text) || ELABORATORS.has(word.text) || word.text === 'as') {
      itemStart = true;
      continue;
    }
    if (!itemStart) continue;
    const next = skipToVerb(words, k, 3);
    const candidate = words[next.at];
    itemStart = false;
    if (!candidate || candidate.opaque) continue;
    const verb = isKeyword(sentence, candidate) ? undefined : findVerb(candidate.text);
    if (!verb || verb.form === 'ed') continue;
    (next.negated ? negated : found).push(textAction(sentence, next.at, verb, source));
    k = next.at;
  }
  return { found, negated };
}

/** Each word with whether a negation before it, in its clause and within six words, cancels it: one pass. */
function negationMarked(words: readonly TextWord[]): LeadWord[] {
  const out: LeadWord[] = [];
  let since = Infinity;
  for (const word of words) {
    if (endsClause(word) || word.gap.includes(',')) since = Infinity;
    out.push({ text: word.text, negated: since <= 6 });
    since++;
    if (NEGATIONS.has(word.text) || word.text.startsWith('non-')) since = 1;
  }
  return out;
}

/** Is a phrase found at `index` of the sentence preceded, in its clause, by a negation? */
function negatedAt(words: readonly TextWord[], index: number): boolean {
  let k = words.findIndex((word) => word.start >= index);
  if (k < 0) k = words.length;
  for (let j = k - 1; j >= 0 && j >= k - 6; j--) {
    const word = words[j]!;
    if (NEGATIONS.has(word.text) || word.text.startsWith('non-')) return true;
    if (endsClause(word) || word.gap.includes(',')) break;
  }
  return false;
}

/** How many sentences after the first may still say what the tool does. */
const LATER_SENTENCES = 3;
const STRUCTURE = /^(?:[-*•#>|]|\d+[.)]\s|```)/;

/**
 * Reads a description, a title or a line of instructions. The first sentence's opening verbs say what the tool
 * is for; lists after a colon or "including", and the opening verbs of later sentences, say what else it can do.
 */
export function readText(text: string, source: ActionSource): TextReading {
  const parts = sentences(text);
  const capabilities: Action[] = [];
  const negated: Action[] = [];
  const phrases: PhraseCue[] = [];
  let lead: ActionGroup | undefined;
  let readOnly: string | undefined;
  let documenting = false;
  const leadWords: LeadWord[] = [];
  // Phrases are looked for in the whole text at once; only a sentence holding one is split into words.
  const phraseHits: { pattern: RegExp; category?: Category; finding?: string }[] = [];
  for (const phrase of PHRASES) if (phrase.pattern.test(text)) phraseHits.push(phrase);
  if (READ_ONLY_PHRASE.test(text)) phraseHits.push({ pattern: READ_ONLY_PHRASE });
  parts.forEach((part, index) => {
    // Past the opening sentences, and from the first list or heading on, a description documents rather than
    // says what the tool does; only its phrases are read there.
    if (index > LATER_SENTENCES || STRUCTURE.test(part.text)) documenting = true;
    const hits = phraseHits.filter((hit) => hit.pattern.test(part.text));
    if (documenting && hits.length === 0) return;
    const sentence = wordsOf(part.text);
    if (index === 0) leadWords.push(...negationMarked(sentence.words));
    for (const hit of hits) {
      const match = hit.pattern.exec(part.text)!;
      if (negatedAt(sentence.words, match.index)) continue;
      if (hit.category === undefined) readOnly ??= match[0];
      else phrases.push({ source, category: hit.category, quote: match[0], finding: hit.finding! });
    }
    if (documenting) return;
    const opening = sentence.words[sentence.from];
    const elaborates = opening !== undefined && ELABORATORS.has(opening.text);
    if (index > 0 && !elaborates && GUIDANCE.test(part.text.slice(opening?.start ?? 0))) return;
    if (elaborates) {
      const listed = listedVerbs(sentence, sentence.from + 1, source);
      capabilities.push(...listed.found);
      negated.push(...listed.negated);
      return;
    }
    const found = leadVerbs(sentence, source);
    if (!found) return;
    negated.push(...found.negated);
    if (index === 0 && lead === undefined && found.lead.length > 0) {
      lead = { source, actions: found.lead };
    } else {
      capabilities.push(...found.lead);
    }
    if (found.stop < sentence.words.length) {
      const listed = listedVerbs(sentence, found.stop, source);
      capabilities.push(...listed.found);
      negated.push(...listed.negated);
    }
  });
  return {
    ...(lead ? { lead } : {}),
    capabilities,
    negated,
    phrases,
    ...(readOnly ? { readOnly } : {}),
    leadWords,
  };
}

/** The most severe category among peers: a tool that creates or overwrites is as risky as overwriting. */
export function groupCategory(actions: readonly Action[]): Category {
  // Reading and auxiliary work are both harmless: between the two, the first named says what the tool is for.
  const rank = (category: Category) => Math.max(CATEGORY_RANK[category], CATEGORY_RANK.Read);
  let best = actions[0]!.category;
  for (const action of actions) if (rank(action.category) > rank(best)) best = action.category;
  return best;
}
