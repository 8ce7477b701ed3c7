/**
 * Characters that look like others: Cyrillic and Greek letters that pass for Latin ones, fullwidth and
 * mathematical letters, and the ASCII swaps of typosquatting (0 for o, 1 and I for l, rn for m).
 */

/** Non-Latin letters drawn like Latin ones, to the Latin letter they pass for. NFKC folds the rest. */
const CONFUSABLE: Readonly<Record<string, string>> = Object.freeze({
  // Cyrillic
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  һ: 'h',
  ӏ: 'l',
  ɡ: 'g',
  ү: 'y',
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
  У: 'Y',
  Ѕ: 'S',
  І: 'I',
  Ј: 'J',
  // Greek
  α: 'a',
  ο: 'o',
  ρ: 'p',
  ν: 'v',
  ι: 'i',
  κ: 'k',
  χ: 'x',
  υ: 'u',
  ϲ: 'c',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ζ: 'Z',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
  // Latin letters that read as others
  ı: 'i',
  ȷ: 'j',
  ł: 'l',
  ƚ: 'l',
  ɑ: 'a',
  ɩ: 'i',
  ʏ: 'y',
  ᴀ: 'a',
});

/** Folds look-alike characters to the ASCII they pass for (NFKC first: fullwidth `ａ`, mathematical `𝐚`). */
function foldLookAlikes(text: string): string {
  let out = '';
  for (const char of text.normalize('NFKC')) out += CONFUSABLE[char] ?? char;
  return out;
}

/** Is this character a look-alike of an ASCII letter or digit, without being one? */
export function passesForAscii(char: string): string | undefined {
  if (char.charCodeAt(0) < 128) return undefined;
  const folded = foldLookAlikes(char);
  return /^[A-Za-z0-9]$/.test(folded) ? folded : undefined;
}

/**
 * A name reduced to what a reader sees: look-alikes folded, case and separators dropped, and the ASCII swaps of
 * typosquatting undone. Two names with the same skeleton look the same.
 */
export function nameSkeleton(name: string): string {
  return foldLookAlikes(name)
    .toLowerCase()
    .replace(/[\s_\-./:]+/g, '')
    .replace(/rn/g, 'm')
    .replace(/vv/g, 'w')
    .replace(/[1|i]/g, 'l')
    .replace(/0/g, 'o');
}

/** The same name but for case and separators (`listAgents`, `list_agents`): a convention, not a disguise. */
export function plainName(name: string): string {
  return name.toLowerCase().replace(/[\s_\-./:]+/g, '');
}

/** Formats a code point as `U+0430`. */
export function codePoint(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}
