/**
 * Paths into a tool call's arguments, as conditions and spend caps name them: `args.amount`,
 * `args.customer.address.country`, `args.items.0.sku` or `args.items[0].sku`, and `args["odd.key"]` for a key
 * that contains `.` or `[`.
 */

/** One step: an object key, or an array index written in brackets. */
export type PathStep =
  { readonly kind: 'key'; readonly key: string } | { readonly kind: 'index'; readonly index: number };

/** A parsed path: the steps after `args`, and the text as written, for messages. */
export interface ArgumentPath {
  readonly text: string;
  readonly steps: readonly PathStep[];
}

/** What a path finds in the arguments. */
export type PathLookup = { readonly found: true; readonly value: unknown } | { readonly found: false };

const NAME = /^[^.[\]]+/;
const INDEX = /^\[(\d{1,9})\]/;

/** Parses a path, or says in plain words why it is not one. */
export function parseArgumentPath(text: string): ArgumentPath | { readonly error: string } {
  const invalid = {
    error: `"${text}" is not an argument path; write args.name, args.a.b, args.list[0] or args["key.with.dots"]`,
  };
  if (text !== 'args' && !text.startsWith('args.') && !text.startsWith('args[')) {
    return { error: `"${text}" is not an argument path: paths start with "args" (for example "args.amount")` };
  }
  const steps: PathStep[] = [];
  let rest = text.slice('args'.length);
  while (rest !== '') {
    if (rest.startsWith('.')) {
      const name = NAME.exec(rest.slice(1))?.[0];
      if (name === undefined) return invalid;
      steps.push({ kind: 'key', key: name });
      rest = rest.slice(1 + name.length);
    } else if (INDEX.test(rest)) {
      const match = INDEX.exec(rest);
      steps.push({ kind: 'index', index: Number(match?.[1]) });
      rest = rest.slice(match?.[0].length ?? rest.length);
    } else if (rest.startsWith('["')) {
      const key = quotedKey(rest.slice(1));
      if (key === undefined) return invalid;
      steps.push({ kind: 'key', key: key.value });
      rest = rest.slice(1 + key.length + 1);
    } else {
      return invalid;
    }
  }
  return { text, steps };
}

/**
 * Reads a path in a call's arguments. Only own properties are read, so `args.constructor` or
 * `args.__proto__` find nothing rather than something of JavaScript's. A dotted step that is all digits
 * also indexes an array (`args.items.0`), as in the earlier proxy's paths.
 */
export function readArgumentPath(args: unknown, path: ArgumentPath): PathLookup {
  let current: unknown = args;
  for (const step of path.steps) {
    if (Array.isArray(current)) {
      const index = step.kind === 'index' ? step.index : /^\d{1,9}$/.test(step.key) ? Number(step.key) : -1;
      if (index < 0 || index >= current.length) return { found: false };
      current = current[index];
    } else if (typeof current === 'object' && current !== null && step.kind === 'key') {
      if (!Object.hasOwn(current, step.key)) return { found: false };
      current = (current as Record<string, unknown>)[step.key];
    } else {
      return { found: false };
    }
  }
  // JSON has no undefined: a key explicitly set to undefined by a caller is a key that is not there.
  return current === undefined ? { found: false } : { found: true, value: current };
}

/** A JSON string at the start of `text` followed by `]`: its value and its length up to the quote. */
function quotedKey(text: string): { value: string; length: number } | undefined {
  let end = 1;
  while (end < text.length) {
    if (text[end] === '\\') end += 2;
    else if (text[end] === '"') break;
    else end++;
  }
  if (end >= text.length || text[end + 1] !== ']') return undefined;
  try {
    const value: unknown = JSON.parse(text.slice(0, end + 1));
    return typeof value === 'string' ? { value, length: end + 1 } : undefined;
  } catch {
    return undefined;
  }
}
