/**
 * How risky a tool of a given category is, from what its definition shows: the category's severity, moved by
 * what the tool acts on and the arguments it takes.
 *
 * - Read: Low; Medium for personal or financial records in bulk, secrets, any URL fetched, data exported to a
 *   path, or a credential passed as an argument.
 * - Write: Medium; Low for harmless creation (an empty directory, a branch, a reaction); High for overwriting,
 *   bulk changes, force flags, publishing to a shared place, access and security changes, infrastructure, messages
 *   to outside recipients or under another name, and local files sent away.
 * - Execute: High; Critical for arbitrary code or commands on the host; Medium for a query its own words keep
 *   read-only.
 * - Destructive: High for named items; Critical for whole stores or anything matching a filter; Medium for what
 *   loses little or can be restored (an index, a tag, a session, the trash).
 * - Financial: Critical when money moves; High when what someone is billed later changes.
 * - Other: Low; Medium for a tunnel, or a credential passed as an argument.
 */
import { type Action, headNoun, type LeadWord } from './actions.js';
import { type Category, CATEGORY_RISK, type Evidence, type Risk, riskAbove, riskIndex } from './classification.js';
import {
  BROAD_TARGETS,
  HARMLESS,
  INFRASTRUCTURE,
  LITTLE_LOSS,
  NOT_PRIVATE_AFTER,
  NOT_PRIVATE_BEFORE,
  PRIVATE_RECORDS,
  QUANTIFIERS,
  SECRETS,
  SECURITY,
} from './nouns.js';
import { type ParameterCue, type Parameter } from './parameters.js';
import { CREATING_VERBS, GRANTING_VERBS, LIFECYCLE_VERBS, PUBLISHING_VERBS, SENDING_VERBS } from './verbs.js';

/** What the definition shows, gathered by the classifier. */
export interface Facts {
  readonly category: Category;
  /** The actions that decided the category. */
  readonly primary: readonly Action[];
  /** What else the tool can do (elaborations, later sentences, an enum of operations). */
  readonly capabilities: readonly Action[];
  /** The name's words, lower case. */
  readonly nameWords: readonly string[];
  /** The first sentence's words (and the title's). */
  readonly leadWords: readonly LeadWord[];
  readonly cues: readonly ParameterCue[];
  readonly parameters: readonly Parameter[];
  /** The description's own words saying it changes nothing. */
  readonly readOnly?: string;
}

export interface Tier {
  readonly risk: Risk;
  readonly evidence: readonly Evidence[];
}

const singular = (word: string) =>
  word.endsWith('ies') ? `${word.slice(0, -3)}y` : word.endsWith('ses') ? word.slice(0, -2) : word.replace(/s$/, '');
const isPlural = (word: string) => word.length > 3 && word.endsWith('s') && !word.endsWith('ss');

/** Words naming what the tool acts on: its name's and its deciding actions' objects. */
function subjectWords(facts: Facts, actions: readonly Action[] = facts.primary): string[] {
  return [...facts.nameWords, ...actions.flatMap((action) => action.objects)];
}

/** The nouns the actions are about: the name's last word and each action's head noun. */
function headWords(facts: Facts, actions: readonly Action[]): string[] {
  const heads = actions.map((action) => headNoun(action.objects)).filter((word): word is string => word !== undefined);
  const nameHead = headNoun(facts.nameWords.filter((word) => !actions.some((action) => action.lemma === word)));
  return nameHead === undefined ? heads : [nameHead, ...heads];
}

/** Words after `secret` that make it the name of something else: a secret-scanning alert, a secret's type. */
const NOT_SECRET_AFTER = new Set([
  'scanning',
  'scan',
  'detection',
  'alert',
  'alerts',
  'type',
  'types',
  'name',
  'names',
  'manager',
  'id',
  'ids',
]);

/** Plural nouns after a record's noun that still name the records (`payment_intents`, `message_entries`). */
const RECORD_NOUNS = new Set(['intents', 'records', 'entries', 'messages', 'history', 'logs']);

const NOT_PEOPLES_HISTORY = new Set(['git', 'commit', 'version', 'change', 'deployment', 'build', 'run', 'browser']);

/** Personal or financial records in bulk, as a name says it: `list_customers`, `get_users`, `get_channel_history`. */
function privateRecords(words: readonly string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const base = singular(word);
    if (!PRIVATE_RECORDS.has(base) && !PRIVATE_RECORDS.has(word)) continue;
    const previous = words[i - 1] ?? '';
    if (NOT_PRIVATE_BEFORE.has(previous)) continue;
    const next = words[i + 1] ?? '';
    if (NOT_PRIVATE_AFTER.has(next)) continue;
    if (word === 'history' && !NOT_PEOPLES_HISTORY.has(previous)) return word;
    if (isPlural(word) || RECORD_NOUNS.has(next)) return word;
  }
  return undefined;
}

function parameterNamed(parameters: readonly Parameter[], test: (words: readonly string[]) => boolean) {
  return parameters.find((p) => !p.path.includes('.') && test(p.words));
}

/** A URL the tool fetches, as an argument: any site, with whatever the request carries. */
function urlParameter(parameters: readonly Parameter[]): Parameter | undefined {
  return parameters.find(
    (p) =>
      !p.path.includes('.') &&
      p.enumValues.length === 0 &&
      !p.words.includes('id') &&
      ((p.words.some((w) => w === 'url' || w === 'urls' || w === 'uri' || w === 'href') &&
        (p.types.length === 0 || p.types.includes('string') || p.types.includes('array'))) ||
        (p.types.includes('boolean') && p.words.includes('url'))),
  );
}

/** Is the code the tool runs held inside something (a page, a pod, a sandbox) rather than run on the host? */
const CONTAINED = new Set([
  'page',
  'browser',
  'pod',
  'container',
  'sandbox',
  'sandboxed',
  'console',
  'notebook',
  'vm',
  'database',
  'db',
  'printer',
]);

/** Words of a tool that drives a shell, where what it is sent is run. */
const SHELLS = new Set(['shell', 'terminal', 'repl', 'process', 'stdin', 'bash']);
const TYPED_INPUT = new Set(['input', 'text', 'stdin', 'keys', 'line']);

interface Rule {
  readonly risk: Risk;
  readonly quote: string;
  readonly finding: string;
  readonly source: Evidence['source'];
  readonly at?: string;
}

/** The rules for each category; the highest raising rule wins, else a lowering one, else the category's severity. */
export function tierOf(facts: Facts): Tier {
  const base = CATEGORY_RISK[facts.category];
  const raises: Rule[] = [];
  const lowers: Rule[] = [];
  const words = subjectWords(facts);
  const leadWords = facts.leadWords.filter((word) => !word.negated).map((word) => word.text);
  const lemmas = new Set(facts.primary.map((action) => action.lemma));
  const cueOf = (kind: ParameterCue['kind']) => facts.cues.filter((cue) => cue.kind === kind);
  const fromParameter = (p: Parameter, risk: Risk, finding: string): Rule => ({
    risk,
    quote: p.name,
    finding,
    source: 'parameter',
    at: p.path,
  });
  const fromName = (quote: string, risk: Risk, finding: string): Rule => ({ risk, quote, finding, source: 'name' });
  // A credential the call must carry: an optional one (defaulting to the environment) exposes nothing by itself.
  const secretParameter = cueOf('secret').find((cue) => cue.parameter.required)?.parameter;
  const flags = cueOf('flag').map((cue) => cue.parameter);
  const dangerous = flags.find((flag) =>
    flag.words.some((w) => w === 'dangerous' || w === 'unsafe' || w === 'insecure'),
  );
  if (dangerous) raises.push(fromParameter(dangerous, 'High', `a \`${dangerous.name}\` flag turns safeguards off`));

  switch (facts.category) {
    case 'Read': {
      // Looking people up by a query is not listing them all.
      const looksUp = lemmas.has('search') || lemmas.has('find');
      const records = looksUp ? undefined : privateRecords(facts.nameWords);
      if (records) raises.push(fromName(records, 'Medium', 'reads personal or financial records in bulk'));
      const said = [...words, ...leadWords];
      const secret = said.find((word, i) => SECRETS.has(word) && !NOT_SECRET_AFTER.has(said[i + 1] ?? ''));
      if (secret) raises.push(fromName(secret, 'Medium', 'reads secrets'));
      const url = urlParameter(facts.parameters);
      if (url) raises.push(fromParameter(url, 'Medium', 'fetches any URL it is given'));
      if ((lemmas.has('export') || lemmas.has('download')) && (cueOf('path').length > 0 || hasTarget(facts))) {
        raises.push(fromName([...lemmas].join(' '), 'Medium', 'extracts data to a place it is told'));
      }
      if (secretParameter) raises.push(fromParameter(secretParameter, 'Medium', 'takes a credential as an argument'));
      for (const flag of flags) {
        if (!flag.words.some((w) => w === 'recursive' || w === 'recursively')) {
          raises.push(fromParameter(flag, riskAbove(base), `a \`${flag.name}\` flag raises the risk one step`));
        }
      }
      break;
    }
    case 'Other': {
      if (words.includes('tunnel') || (lemmas.has('forward') && words.includes('port'))) {
        raises.push(fromName('port', 'Medium', 'opens a tunnel into another network'));
      }
      if (secretParameter) raises.push(fromParameter(secretParameter, 'Medium', 'takes a credential as an argument'));
      for (const flag of flags) raises.push(fromParameter(flag, 'Medium', `a \`${flag.name}\` flag raises the risk`));
      break;
    }
    case 'Write': {
      writeRules(facts, words, lemmas, raises, lowers, fromParameter, fromName);
      break;
    }
    case 'Execute': {
      const code = cueOf('code').filter((cue) => !cue.parameter.path.includes('[]'));
      if (facts.readOnly !== undefined) {
        lowers.push({
          risk: 'Medium',
          quote: facts.readOnly,
          finding: 'what it runs is kept read-only by its own words',
          source: 'description',
        });
      } else {
        // What the first sentence says the code runs in: a page, a pod, a sandbox; otherwise the host.
        const contained = leadWords.find((word) => CONTAINED.has(word));
        const shell = [...facts.nameWords, ...leadWords].some((word) => SHELLS.has(word));
        const input = shell
          ? parameterNamed(facts.parameters, (w) => w.length === 1 && TYPED_INPUT.has(w[0]!))
          : undefined;
        const runs = code[0]?.parameter ?? input;
        if (runs && contained === undefined) {
          raises.push(
            fromParameter(runs, 'Critical', `runs whatever \`${runs.name}\` holds on the host, nothing around it`),
          );
        }
      }
      break;
    }
    case 'Destructive': {
      const destructive = [...facts.primary, ...facts.capabilities].filter((a) => a.category === 'Destructive');
      const heads = headWords(facts, destructive);
      const broad =
        heads.find((word) => BROAD_TARGETS.has(word)) ??
        facts.nameWords.find((word) => QUANTIFIERS.has(word)) ??
        destructive.map((action) => quantifiedRecords(action.objects)).find((word) => word !== undefined);
      const selector = parameterNamed(facts.parameters, (w) =>
        w.some((x) => x === 'filter' || x === 'selector' || x === 'where'),
      );
      const sweeping = destructive.find((a) =>
        ['uninstall', 'teardown', 'wipe', 'purge', 'truncate', 'nuke'].includes(a.lemma),
      );
      if (broad) raises.push(fromName(broad, 'Critical', 'deletes a whole store, or everything that matches'));
      else if (selector) raises.push(fromParameter(selector, 'Critical', 'deletes whatever its filter matches'));
      else if (sweeping) raises.push(fromName(sweeping.quote, 'Critical', 'removes something whole'));
      const littleLoss = heads.find((word) => LITTLE_LOSS.has(word));
      if (littleLoss) lowers.push(fromName(littleLoss, 'Medium', 'what it deletes loses little or can be restored'));
      break;
    }
    case 'Financial': {
      const billing = facts.primary.find((a) => a.category === 'Financial' && a.risk === 'High');
      if (billing && !facts.primary.some((a) => a.category === 'Financial' && a.risk === undefined)) {
        lowers.push(fromName(billing.quote, 'High', 'changes what someone is billed later; moves no money now'));
      }
      break;
    }
  }

  const evidence: Evidence[] = [];
  let risk = base;
  const topRaise = raises.reduce<Rule | undefined>(
    (best, r) => (best && riskIndex(best.risk) >= riskIndex(r.risk) ? best : r),
    undefined,
  );
  if (topRaise && riskIndex(topRaise.risk) > riskIndex(base)) {
    risk = topRaise.risk;
  } else if (lowers.length > 0 && raises.every((r) => riskIndex(r.risk) <= riskIndex(lowers[0]!.risk))) {
    risk = lowers[0]!.risk;
  }
  for (const rule of [...raises, ...lowers]) {
    evidence.push({
      source: rule.source,
      ...(rule.at ? { at: rule.at } : {}),
      quote: rule.quote,
      finding: rule.finding,
      ...(rule.risk === risk ? { risk } : {}),
    });
  }
  return { risk, evidence };
}

/** The head nouns of the name and of the actions, each with the word before it (`access list`, `config value`). */
function compoundHeads(facts: Facts): string[] {
  const out: string[] = [];
  const phrases = [
    facts.nameWords.filter((word) => !facts.primary.some((action) => action.lemma === word)),
    ...facts.primary.map((action) => action.objects),
  ];
  for (const words of phrases) {
    const head = headNoun(words);
    if (head === undefined) continue;
    out.push(head);
    const at = words.lastIndexOf(head);
    if (at > 0) out.push(words[at - 1]!);
  }
  return out;
}

/** Records a deletion takes all of: "all documents", "every file" (not "all uncommitted changes" of one tree). */
const RECORDS = new Set([
  'documents',
  'records',
  'rows',
  'items',
  'objects',
  'resources',
  'messages',
  'entries',
  'files',
  'keys',
  'data',
  'users',
  'entities',
  'emails',
  'events',
  'tables',
  'collections',
  'buckets',
]);

function quantifiedRecords(objects: readonly string[]): string | undefined {
  for (let i = 0; i < objects.length; i++) {
    if (!QUANTIFIERS.has(objects[i]!)) continue;
    const noun = objects.slice(i + 1, i + 4).find((word) => RECORDS.has(word));
    if (noun !== undefined) return objects[i];
  }
  return undefined;
}

function hasTarget(facts: Facts): boolean {
  return facts.parameters.some((p) =>
    p.words.some((w) => ['target', 'output', 'destination', 'dir', 'directory', 'folder'].includes(w)),
  );
}

function writeRules(
  facts: Facts,
  words: readonly string[],
  lemmas: ReadonlySet<string>,
  raises: Rule[],
  lowers: Rule[],
  fromParameter: (p: Parameter, risk: Risk, finding: string) => Rule,
  fromName: (quote: string, risk: Risk, finding: string) => Rule,
): void {
  const has = (set: ReadonlySet<string>) => words.find((word) => set.has(word));
  const cues = (kind: ParameterCue['kind']) =>
    facts.cues.filter((cue) => cue.kind === kind).map((cue) => cue.parameter);

  for (const action of [...facts.primary, ...facts.capabilities]) {
    if (action.raises)
      raises.push({ risk: 'High', quote: action.quote, finding: action.raises, source: action.source });
  }
  const bulk = has(QUANTIFIERS);
  if (bulk && [...lemmas].some((l) => ['update', 'modify', 'replace', 'set', 'patch', 'edit', 'change'].includes(l))) {
    raises.push(fromName(bulk, 'High', 'changes many records at once, and the old values are lost'));
  }
  for (const flag of cues('flag')) {
    if (!flag.words.some((w) => w === 'recursive' || w === 'recursively')) {
      raises.push(fromParameter(flag, 'High', `a \`${flag.name}\` flag lets it overwrite or skip safeguards`));
    }
  }
  const publishing = [...lemmas].find((l) => PUBLISHING_VERBS.has(l));
  if (publishing) raises.push(fromName(publishing, 'High', 'publishes to a place others share'));
  if (lemmas.has('merge') && words.some((w) => w === 'pull' || w === 'pr' || w === 'request')) {
    raises.push(fromName('merge', 'High', 'merges into a shared branch'));
  }
  const approve = facts.parameters.find((p) => p.enumValues.some((v) => /^approve/i.test(v)));
  if (approve) raises.push(fromParameter(approve, 'High', 'can approve, which others rely on'));
  const branch = facts.parameters.find((p) => !p.path.includes('.') && p.words.includes('branch'));
  const content = facts.parameters.find(
    (p) => !p.path.includes('.') && (p.words.includes('content') || p.words.includes('files')),
  );
  if (branch && content) raises.push(fromParameter(branch, 'High', 'commits straight to a branch it is given'));
  const granting = [...lemmas].some((l) => GRANTING_VERBS.has(l));
  // Who-can-do-what is the head of what is made or its modifier: an access list, a db user, a config value.
  const security = compoundHeads(facts).find((word) => SECURITY.has(word));
  if (granting && security) raises.push(fromName(security, 'High', 'changes who can do what'));
  const lifecycle = [...lemmas].some((l) => LIFECYCLE_VERBS.has(l));
  const infrastructure = has(INFRASTRUCTURE);
  if (lifecycle && infrastructure && !words.includes('free')) {
    raises.push(fromName(infrastructure, 'High', 'changes running infrastructure, or what it costs'));
  }
  const sends = [...lemmas].some((l) => SENDING_VERBS.has(l));
  if (sends) {
    for (const recipient of cues('recipient')) {
      raises.push(fromParameter(recipient, 'High', 'a recipient: what it sends leaves for outside people'));
    }
    const sender = facts.parameters.find(
      (p) =>
        !p.path.includes('.') && p.words.some((w) => ['username', 'avatar', 'sender', 'author', 'from'].includes(w)),
    );
    if (sender) raises.push(fromParameter(sender, 'High', 'posts under a name it is given'));
  }
  const transfers = [...lemmas].some((l) => ['upload', 'drop', 'attach', 'send', 'share', 'post'].includes(l));
  if (transfers) {
    for (const path of cues('path')) raises.push(fromParameter(path, 'High', 'sends local files to another place'));
  }

  const creates = [...lemmas].some((l) => CREATING_VERBS.has(l));
  const initializes = lemmas.has('init') || lemmas.has('initialize') || lemmas.has('initialise');
  const harmless = headWords(facts, facts.primary).find((word) => HARMLESS.has(word));
  if ((creates && harmless) || initializes) {
    lowers.push(fromName(harmless ?? 'init', 'Low', 'creates something harmless, and changes nothing that exists'));
  }
}
