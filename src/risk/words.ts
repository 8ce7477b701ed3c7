/**
 * Words out of identifiers and prose, with their place in the original text so that evidence can quote it, and
 * the verb each word is a form of.
 */
import { NOUNS, type NounClass } from './nouns.js';
import { VERBS } from './verbs.js';

export interface Word {
  /** Lower case. */
  readonly text: string;
  /** Where it is in the source string: `source.slice(start, end)` is the word as written. */
  readonly start: number;
  readonly end: number;
}

/** A word of prose, with what stood between it and the word before (punctuation matters for lists). */
export interface TextWord extends Word {
  readonly gap: string;
  /** A reference to an identifier (`gateway.list_pending`, `force=true`'s `force` is not one): never a verb. */
  readonly opaque: boolean;
}

/** How a verb is inflected: `delete`, `deletes`, `deleted`, `deleting`. Peers in a list share their form. */
export type VerbForm = 'base' | 's' | 'ed' | 'ing';

export interface VerbForms {
  readonly lemma: string;
  readonly form: VerbForm;
}

const IDENTIFIER_WORD = /\p{Lu}+(?![\p{Ll}])|\p{Lu}?\p{Ll}+|\p{N}+\p{Ll}*|\p{L}+/gu;

/** Splits a tool or parameter name: `gateway.disconnect_server`, `disconnectServer`, `get-env`, `HTTPProxy`. */
export function identifierWords(name: string): readonly Word[] {
  const known = SPLIT_NAMES.get(name);
  if (known) return known;
  const words: Word[] = [];
  for (const match of name.matchAll(IDENTIFIER_WORD)) {
    words.push(Object.freeze({ text: match[0].toLowerCase(), start: match.index, end: match.index + match[0].length }));
  }
  // Parameter names repeat across tools (`path`, `limit`, `owner`): their split is remembered, a bounded number.
  if (SPLIT_NAMES.size >= MAX_SPLIT_NAMES) SPLIT_NAMES.clear();
  SPLIT_NAMES.set(name, Object.freeze(words));
  return words;
}

const SPLIT_NAMES = new Map<string, readonly Word[]>();
const MAX_SPLIT_NAMES = 4096;

const TEXT_WORD = /[\p{L}\p{N}](?:[\p{L}\p{N}_'’./-]*[\p{L}\p{N}])?/gu;
const CAMEL_INSIDE = /\p{Ll}\p{Lu}/u;
const ABBREVIATIONS = new Set(['e.g', 'i.e', 'etc', 'vs', 'a.k.a']);

/** Splits prose into words; identifiers written inside it (`printer_stop`, `gateway.invoke`) stay whole. */
export function textWords(text: string): TextWord[] {
  const words: TextWord[] = [];
  let previousEnd = 0;
  for (const match of text.matchAll(TEXT_WORD)) {
    let raw = match[0];
    // A sentence's final period is not part of its last word ("file." is "file"), unless it is "e.g.".
    const lower = raw.toLowerCase();
    const opaque =
      !ABBREVIATIONS.has(lower) && (raw.includes('_') || raw.includes('.') || CAMEL_INSIDE.test(raw.slice(1)));
    if (raw.endsWith("'s") || raw.endsWith('’s')) raw = raw.slice(0, -2);
    words.push({
      text: raw.toLowerCase(),
      start: match.index,
      end: match.index + match[0].length,
      gap: text.slice(previousEnd, match.index),
      opaque,
    });
    previousEnd = match.index + match[0].length;
  }
  return words;
}

/** Splits a description into sentences: at `.`/`!`/`?` before a capital or the end, at line breaks and at `;`. */
export function sentences(text: string): { readonly text: string; readonly start: number }[] {
  const out: { text: string; start: number }[] = [];
  const boundary = /[.!?]+["')\]]*\s+(?=[^\p{Ll}])|[.!?]+["')\]]*\s*$|\s*\n\s*|;\s+/gu;
  let start = 0;
  for (const match of text.matchAll(boundary)) {
    const end = match.index;
    if (end > start) pushTrimmed(out, text, start, end);
    start = match.index + match[0].length;
  }
  if (start < text.length) pushTrimmed(out, text, start, text.length);
  return out;
}

function pushTrimmed(out: { text: string; start: number }[], text: string, start: number, end: number): void {
  const piece = text.slice(start, end);
  const lead = piece.length - piece.trimStart().length;
  const trimmed = piece.trim();
  if (trimmed.length > 0) out.push({ text: trimmed, start: start + lead });
}

function inflections(lemma: string): [string, VerbForm][] {
  const out: [string, VerbForm][] = [[lemma, 'base']];
  if (/(?:s|x|z|ch|sh|o)$/.test(lemma)) out.push([`${lemma}es`, 's']);
  else if (/[^aeiou]y$/.test(lemma)) out.push([`${lemma.slice(0, -1)}ies`, 's']);
  else out.push([`${lemma}s`, 's']);
  if (lemma.endsWith('ie')) {
    out.push([`${lemma}d`, 'ed'], [`${lemma.slice(0, -2)}ying`, 'ing']);
  } else if (lemma.endsWith('e') && !/(?:ee|ye|oe)$/.test(lemma)) {
    out.push([`${lemma}d`, 'ed'], [`${lemma.slice(0, -1)}ing`, 'ing']);
  } else if (/[^aeiou]y$/.test(lemma)) {
    out.push([`${lemma.slice(0, -1)}ied`, 'ed'], [`${lemma}ing`, 'ing']);
  } else {
    out.push([`${lemma}ed`, 'ed'], [`${lemma}ing`, 'ing']);
    // Short words ending consonant-vowel-consonant double it: stop, stopped; the undoubled form is kept too.
    if (/[^aeiou][aeiou][^aeiouwxy]$/.test(lemma)) {
      const doubled = lemma + lemma.at(-1)!;
      out.push([`${doubled}ed`, 'ed'], [`${doubled}ing`, 'ing']);
    }
  }
  return out;
}

/** Every form of every verb, built once. */
const VERB_FORMS: ReadonlyMap<string, VerbForms> = (() => {
  const map = new Map<string, VerbForms>();
  // Irregular forms first, so that a derived form of another verb cannot take them ("thought" is think's).
  for (const [lemma, meaning] of Object.entries(VERBS)) {
    for (const form of meaning.forms ?? []) map.set(form, { lemma, form: form.endsWith('ing') ? 'ing' : 'ed' });
  }
  for (const lemma of Object.keys(VERBS)) map.set(lemma, { lemma, form: 'base' });
  for (const lemma of Object.keys(VERBS)) {
    for (const [form, kind] of inflections(lemma)) if (!map.has(form)) map.set(form, { lemma, form: kind });
  }
  return map;
})();

/**
 * The verb a word is a form of, if any. Hyphens are dropped (`re-running` is `rerunning`); `un`/`re` in front of
 * a known verb make a verb of the same family (`unresolve` changes data, `reindex` does what `index` does).
 */
export function verbOf(word: string): VerbForms | undefined {
  const direct = VERB_FORMS.get(word);
  if (direct) return direct;
  if (word.includes('-')) {
    const joined = VERB_FORMS.get(word.replaceAll('-', ''));
    if (joined) return joined;
  }
  return undefined;
}

/** For `un`/`re` words that are not verbs themselves: the verb they are built on. */
export function prefixedVerbOf(word: string): { readonly prefix: 'un' | 're'; readonly base: VerbForms } | undefined {
  for (const prefix of ['un', 're'] as const) {
    if (word.length > prefix.length + 3 && word.startsWith(prefix)) {
      const base = VERB_FORMS.get(word.slice(prefix.length));
      if (base) return { prefix, base };
    }
  }
  return undefined;
}

const NOUN_CLASSES: ReadonlyMap<string, readonly NounClass[]> = (() => {
  const map = new Map<string, NounClass[]>();
  for (const [klass, nouns] of Object.entries(NOUNS) as [NounClass, ReadonlySet<string>][]) {
    for (const noun of nouns) {
      const list = map.get(noun) ?? [];
      list.push(klass);
      map.set(noun, list);
    }
  }
  return map;
})();

/** The noun classes of a word, singular or plural; of each part of a hyphenated word (`port-forward`). */
export function nounClassesOf(word: string): readonly NounClass[] {
  if (word.includes('-')) return [...new Set(word.split('-').flatMap((part) => nounClassesOf(part)))];
  const direct = NOUN_CLASSES.get(word);
  if (direct) return direct;
  if (word.endsWith('ies')) {
    const singular = NOUN_CLASSES.get(`${word.slice(0, -3)}y`);
    if (singular) return singular;
  }
  if (word.endsWith('es')) {
    const singular = NOUN_CLASSES.get(word.slice(0, -2));
    if (singular) return singular;
  }
  if (word.endsWith('s')) {
    const singular = NOUN_CLASSES.get(word.slice(0, -1));
    if (singular) return singular;
  }
  return [];
}
