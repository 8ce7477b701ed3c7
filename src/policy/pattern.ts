import { RE2JS, RE2JSSyntaxException } from 're2js';

/*
 * Policy regexes run on RE2's engine, through re2js: a pure-JavaScript port of RE2 (as Go's regexp is), kept up to
 * date, with no dependencies, no native build and no WebAssembly to load. RE2 matches in time linear in the
 * argument's length, whatever the pattern, because it never backtracks: an argument cannot stall the gateway
 * through a pattern, and no heuristic has to guess which patterns are safe. The price is RE2's syntax: no
 * lookaround and no backreferences, which a linear engine cannot run; such a pattern does not load. (The `re2`
 * package needs a native build; `re2-wasm` has not been released since 2021.)
 */

/** A pattern that loaded: it matches anywhere in a string, like RegExp#test. */
export interface Pattern {
  test(text: string): boolean;
}

/** Compiles a policy's regular expression (RE2 syntax), or says why RE2 cannot run it. */
export function compilePattern(source: string): Pattern | { readonly error: string } {
  try {
    const compiled = RE2JS.compile(source);
    return { test: (text) => compiled.test(text) };
  } catch (caught) {
    if (caught instanceof RE2JSSyntaxException) return { error: syntaxReason(caught) };
    throw caught;
  }
}

/**
 * RE2's own reason, in the words of the regex syntax people know from elsewhere where RE2 leaves them out:
 * `(?=` is "invalid or unsupported Perl syntax" to RE2, and a lookahead to the person who wrote it.
 */
function syntaxReason(error: RE2JSSyntaxException): string {
  const fragment = error.getPattern() ?? '';
  const unsupported = UNSUPPORTED.find(([start]) => fragment.startsWith(start));
  if (unsupported) return `${unsupported[1]} is not supported`;
  if (/^\\[1-9]/.test(fragment)) return `backreference ${fragment.slice(0, 2)} is not supported`;
  if (fragment.startsWith('\\u')) return 'the escape \\u is not supported: write a code point as \\x{263A}';
  if (fragment === '') return error.getDescription();
  // RE2 names the rest of the pattern from where it stopped, which may be most of a long one.
  return `${error.getDescription()}: \`${fragment.length > 40 ? `${fragment.slice(0, 37)}...` : fragment}\``;
}

/** What RE2 leaves out, by how the fragment it stopped at starts. */
const UNSUPPORTED: ReadonlyArray<readonly [string, string]> = [
  ['(?=', 'lookahead (?=...)'],
  ['(?!', 'negative lookahead (?!...)'],
  ['(?<=', 'lookbehind (?<=...)'],
  ['(?<!', 'negative lookbehind (?<!...)'],
  ['(?>', 'an atomic group (?>...)'],
  ['\\k', 'backreference \\k<name>'],
];
