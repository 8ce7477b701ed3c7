import { applyEdits, modify, parse, type ParseError } from 'jsonc-parser';

/**
 * The policy draft is its JSON text: the form reads the text and writes back by editing it in place, changing only
 * the values the form changed. So the rest of the file (keys the form does not know, their order, the author's
 * spacing) survives a form edit byte for byte, and the JSON view never jumps around under the reader.
 */

/** A parsed JSON value as the form handles it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
export type JsonPath = (string | number)[];

/** The draft read as an object, or why it cannot be (the gateway's check names the problem in its own words). */
export type ParsedDraft = { readonly doc: JsonObject } | { readonly error: string };

export function parseDraft(text: string): ParsedDraft {
  const errors: ParseError[] = [];
  const value = parse(text, errors, { disallowComments: true, allowTrailingComma: false }) as Json | undefined;
  if (errors.length > 0) return { error: 'The JSON has syntax errors.' };
  if (!isObject(value)) return { error: 'A policy is a JSON object.' };
  return { doc: value };
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Equality of JSON values, keys in any order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  const aKeys = Object.keys(a);
  return (
    aKeys.length === Object.keys(b).length &&
    aKeys.every(
      (key) =>
        Object.hasOwn(b, key) && jsonEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
    )
  );
}

/**
 * The text with the value at `path` changed from `before` to `after` (undefined: absent), by the smallest edits:
 * keys of an object are added, removed or changed one by one, arrays of one length element by element, so what
 * did not change keeps its text.
 */
export function replaceValue(text: string, path: JsonPath, before: unknown, after: unknown): string {
  if (jsonEqual(before, after)) return text;
  if (isObject(before) && isObject(after)) {
    let next = text;
    for (const key of Object.keys(before)) {
      if (!Object.hasOwn(after, key)) next = setValue(next, [...path, key], undefined);
    }
    for (const key of Object.keys(after)) {
      next = Object.hasOwn(before, key)
        ? replaceValue(next, [...path, key], before[key], after[key])
        : setValue(next, [...path, key], after[key]);
    }
    return next;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return after.reduce<string>((next, item, i) => replaceValue(next, [...path, i], before[i], item), text);
  }
  return setValue(text, path, after);
}

/** The text with the value at `path` set (undefined: removed), the new text indented as the file is. */
export function setValue(text: string, path: JsonPath, value: unknown): string {
  return applyEdits(text, modify(text, path, value, { formattingOptions: formattingOf(text) }));
}

/** The file's own indentation (the first indented line's), so inserted JSON looks like the rest. */
function formattingOf(text: string): { insertSpaces: boolean; tabSize: number; eol: string } {
  const indent = /\n([ \t]+)\S/.exec(text)?.[1] ?? '  ';
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return indent.startsWith('\t')
    ? { insertSpaces: false, tabSize: 1, eol }
    : { insertSpaces: true, tabSize: indent.length, eol };
}

/** A document as the JSON view shows it: two spaces, a final newline, as `toolgate policy suggest` writes. */
export function formatDocument(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
