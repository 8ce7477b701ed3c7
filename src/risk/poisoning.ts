/**
 * Signs that a tool definition is poisoned: instructions aimed at the model hidden in its texts, characters a
 * person reviewing it cannot see, and letters that pass for others. Cross-server imitation is in classify-servers.
 */
import type { Evidence, Warning } from './classification.js';
import { codePoint, passesForAscii } from './look-alike.js';

/** Words aimed at the model rather than describing the tool, each with what it asks for. */
/**
 * `weak` signs are ordinary in a server's instructions, which legitimately tell the model how to use its tools;
 * there only the plainly hostile signs count.
 */
const HIDDEN_INSTRUCTIONS: readonly {
  /** Words (lower case) the pattern cannot match without: the pattern runs only on a text holding one. */
  readonly key: readonly string[];
  readonly pattern: RegExp;
  readonly finding: string;
  readonly weak?: true;
}[] = [
  {
    key: ['<'],
    pattern:
      /<\s*\/?\s*(?:important|system|instructions?|secret|hidden|admin|context|prompt|ai|llm|assistant_only|note_to_ai|policy)\b[^>]{0,40}>/i,
    finding: 'a tag addressed to the model',
  },
  {
    key: ['ignore', 'disregard', 'forget', 'override'],
    pattern:
      /\b(?:ignore|disregard|forget|override)\b[^.]{0,40}\b(?:previous|prior|above|earlier|all|other|system|original|any)\b[^.]{0,20}\b(?:instructions?|prompts?|rules|directions|guidelines|messages|tools?)\b/i,
    finding: 'asks the model to set its instructions aside',
  },
  {
    key: ['not ', "n't ", 'never', 'without', 'hide', 'conceal'],
    pattern:
      /\b(?:do not|don't|never|must not|should not|shouldn't)\s+(?:tell|mention|inform|notify|reveal|show|disclose|alert|let)\b[^.]{0,40}\b(?:user|human|person|operator|anyone)\b|\bwithout (?:telling|informing|notifying|alerting|asking|showing)\b[^.]{0,20}\b(?:the )?(?:user|human)\b|\b(?:hide|conceal)\b[^.]{0,40}\bfrom the (?:user|human)\b|\b(?:user|human) (?:should|must|need) (?:not|never) (?:know|see|be told)\b/i,
    finding: 'asks the model to keep something from the user',
  },
  {
    key: [
      'ssh',
      'id_rsa',
      'id_ed25519',
      'credentials',
      'npmrc',
      'netrc',
      '/etc/',
      'mcp.json',
      'claude_desktop',
      'cursor/',
      '.env',
    ],
    pattern:
      /\b(?:read|cat|open|include|send|pass|upload|attach|copy|provide|paste|append|share|post|leak|forward|get)\b[^.]{0,80}(?:~\/\.ssh|\bid_rsa\b|\bid_ed25519\b|\.aws\/credentials|\.npmrc|\.netrc|\.git-credentials|\/etc\/(?:passwd|shadow)|\bmcp\.json\b|claude_desktop_config|\.cursor\/mcp|\.env\b)/i,
    finding: 'asks the model to read or pass on a file holding secrets',
  },
  {
    key: ['before using', 'before calling', 'before invoking', 'before running'],
    pattern:
      /\bbefore (?:using|calling|invoking|running) (?:this|the|any) (?:tool|function)\b[^.]{0,120}\b(?:read|open|cat|pass|send|include|upload|provide)\b/i,
    finding: 'tells the model what to do before it may use the tool',
    weak: true,
  },
  {
    key: ['sidenote', 'side note', 'hidden param', 'hidden field', 'hidden arg'],
    pattern: /\b(?:side ?note|hidden (?:parameter|field|argument))\b/i,
    finding: 'asks for data in a side channel of the arguments',
  },
  {
    key: [
      'this tool is',
      'be sent',
      'be cc',
      'be bcc',
      'be forwarded',
      'be copied',
      'be redirected',
      'be routed',
      'silently',
      'secretly',
      'quietly',
      'covertly',
      'always ',
    ],
    pattern:
      /\b(?:when|whenever|if) this tool is (?:available|present|loaded|installed|enabled)\b|\b(?:all|every|any) (?:emails?|messages?|requests?|calls?|payments?|transfers?) (?:must|should|shall) (?:be |also be )?(?:sent|cc'?d|bcc'?d|forwarded|copied|redirected|routed)\b|\b(?:silently|secretly|quietly|covertly) (?:send|forward|copy|cc|bcc|include|add|call|invoke|upload|post)\b|\balways (?:bcc|cc|forward|send|copy)\b[^.]{0,60}\bto\b/i,
    finding: 'changes how the model uses other tools',
  },
  {
    key: ['system prompt', 'your instructions', 'history', 'previous messages', 'the conversation'],
    pattern:
      /\b(?:reveal|print|output|repeat|send|include|leak|dump)\b[^.]{0,40}\b(?:system prompt|your instructions|conversation history|chat history|previous messages|the conversation)\b/i,
    finding: 'asks the model to give away its prompt or conversation',
  },
  {
    key: ['instructions', 'you are now', 'from now on'],
    pattern: /\b(?:new|updated|real|actual|true) instructions\s*:|\byou are now\b|\bfrom now on,? you\b/i,
    finding: 'gives the model new instructions',
  },
  {
    key: ['must'],
    pattern:
      /\b(?:you|the (?:assistant|model|agent|ai))\s+must\s+(?:first\s+|always\s+|also\s+)?(?:call|invoke|run|execute|use)\s+(?:the\s+)?[`'"]?[\w.-]+[`'"]?(?:\s+tool)?\s+(?:with|passing|and\s+(?:pass|send|include))\b/i,
    finding: 'orders the model to call another tool with given arguments',
    weak: true,
  },
];

const FORMAT = /\p{Cf}/u;
const PICTOGRAPH = /[\p{Extended_Pictographic}\uFE0F]/u;

/**
 * Is this character invisible, or does it reorder text? Format characters (zero-width, bidi controls, tag
 * characters), C0/C1 controls other than tab and line breaks, Hangul fillers, the blank braille pattern, and
 * variation selectors that no emoji needs.
 */
function isInvisible(char: string): boolean {
  const code = char.codePointAt(0)!;
  if (code < 0x20) return code !== 0x09 && code !== 0x0a && code !== 0x0d;
  if (code >= 0x7f && code <= 0x9f) return true;
  if (code === 0x115f || code === 0x1160 || code === 0x3164 || code === 0xffa0 || code === 0x2800) return true;
  if ((code >= 0xfe00 && code <= 0xfe0d) || (code >= 0xe0100 && code <= 0xe01ef)) return true;
  return FORMAT.test(char);
}

/** A place a text was found, for warnings' and evidence's `source`. */
export interface TextPlace {
  readonly source: Evidence['source'];
  /** The parameter's path, for a parameter's name or description. */
  readonly at?: string;
  readonly text: string;
  /** A name (of the tool or a parameter), not prose. */
  readonly isName?: boolean;
}

function excerpt(text: string, index: number, length: number): string {
  const start = Math.max(0, index - 20);
  const end = Math.min(text.length, index + length + 20);
  return `${start > 0 ? '…' : ''}${text.slice(start, end).replace(/\s+/g, ' ').trim()}${end < text.length ? '…' : ''}`;
}

const where = (place: TextPlace) => (place.at === undefined ? place.source : `${place.source} of ${place.at}`);

/** Every key word of every pattern, in one search: most texts hold none and stop there. */
const ANY_KEY = new RegExp(
  HIDDEN_INSTRUCTIONS.flatMap(({ key }) => key)
    .map((word) => word.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('|'),
  'i',
);

function hiddenInstructions(place: TextPlace, strongOnly: boolean): Warning[] {
  const warnings: Warning[] = [];
  if (!ANY_KEY.test(place.text)) return warnings;
  const lower = place.text.toLowerCase();
  for (const { key, pattern, finding, weak } of HIDDEN_INSTRUCTIONS) {
    if ((strongOnly && weak) || !key.some((word) => lower.includes(word))) continue;
    const match = pattern.exec(place.text);
    if (!match) continue;
    warnings.push({
      kind: 'hidden-instructions',
      source: place.source,
      quote: excerpt(place.text, match.index, match[0].length).slice(0, 160),
      finding: `the ${where(place)} ${finding}`,
    });
  }
  return warnings;
}

/** Text hidden in Unicode tag characters (U+E0020–E007E mirror ASCII), decoded. */
function taggedText(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 0xe0020 && code <= 0xe007e) out += String.fromCharCode(code - 0xe0000);
  }
  return out;
}

function invisibleCharacters(place: TextPlace): Warning[] {
  const points: string[] = [];
  let count = 0;
  let firstIndex = -1;
  let previous = '';
  let index = 0;
  for (const char of place.text) {
    // A zero-width joiner after a pictograph builds one emoji (👩‍💻).
    if (isInvisible(char) && !(char === '\u200D' && PICTOGRAPH.test(previous))) {
      count++;
      if (firstIndex < 0) firstIndex = index;
      const point = codePoint(char);
      if (!points.includes(point)) points.push(point);
    }
    previous = char;
    index += char.length;
  }
  if (count === 0) return [];
  const start = Math.max(0, firstIndex - 20);
  let visible = start > 0 ? '…' : '';
  let shown = 0;
  for (const char of place.text.slice(start)) {
    if (shown++ >= 60) {
      visible += '…';
      break;
    }
    visible += isInvisible(char) ? `<${codePoint(char)}>` : char;
  }
  const hidden = taggedText(place.text);
  const finding =
    `the ${where(place)} holds ${count} invisible character${count === 1 ? '' : 's'} ` +
    `(${points.slice(0, 6).join(', ')}${points.length > 6 ? ', …' : ''})` +
    (hidden.length > 0 ? `, hiding the text "${hidden.slice(0, 80)}"` : '');
  return [{ kind: 'invisible-characters', source: place.source, quote: visible, finding }];
}

/** A letter or digit outside ASCII (one code point, surrogate pairs included). */
const NON_ASCII_LETTER = /(?!\p{ASCII})[\p{L}\p{N}]/gu;
const WORD_CHAR = /[\p{L}\p{N}]/u;
const LATIN = /\p{Script=Latin}/u;
const OTHER_SCRIPT_LETTER = /[\p{Script=Cyrillic}\p{Script=Greek}\p{Script=Armenian}\p{Script=Cherokee}]/u;

/**
 * Letters that pass for others. In a name, any character drawn like an ASCII letter or digit without being one;
 * in prose, a word that mixes Latin letters with Cyrillic or Greek ones (a whole Greek word is just Greek).
 */
function lookAlikeCharacters(place: TextPlace, isName: boolean): Warning[] {
  // Only the words around a letter outside ASCII can pass for ASCII words.
  for (const found of place.text.matchAll(NON_ASCII_LETTER)) {
    const at = found.index;
    let start = at;
    let end = at + found[0].length;
    while (start > 0 && WORD_CHAR.test(place.text[start - 1]!)) start--;
    while (end < place.text.length && WORD_CHAR.test(place.text[end]!)) end++;
    const word = place.text.slice(start, end);
    const char = found[0];
    const passesFor = passesForAscii(char);
    if (passesFor === undefined) continue;
    const mixed = LATIN.test(word) || /\d/.test(word);
    const disguised = isName || (mixed && (OTHER_SCRIPT_LETTER.test(char) || char.normalize('NFKC') !== char));
    if (!disguised) continue;
    return [
      {
        kind: 'look-alike-characters',
        source: place.source,
        quote: word.slice(0, 60),
        finding: `the ${where(place)} writes "${word.slice(0, 60)}" with ${codePoint(char)}, which looks like "${passesFor}"`,
      },
    ];
  }
  return [];
}

/** The poisoning warnings of a tool's texts; `places[0]` is its name. Server instructions get only the strong signs. */
export function poisoningWarnings(places: readonly TextPlace[]): Warning[] {
  const warnings: Warning[] = [];
  for (const place of places) {
    if (place.text.length === 0) continue;
    const isName = place.isName === true;
    if (!isName) warnings.push(...hiddenInstructions(place, place.source === 'instructions'));
    // Printable ASCII hides nothing and passes for nothing: most texts stop here.
    if (!UNUSUAL.test(place.text)) continue;
    warnings.push(...invisibleCharacters(place));
    warnings.push(...lookAlikeCharacters(place, isName));
  }
  return warnings;
}

/** Any character outside printable ASCII, tab and line breaks. */
const UNUSUAL = /[^\x20-\x7E\t\n\r]/;
