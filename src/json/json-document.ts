import {
  findNodeAtLocation,
  getLocation,
  getNodeValue,
  parseTree,
  printParseErrorCode,
  type Node,
  type ParseError,
} from 'jsonc-parser';
import type { JsonPath } from './json-path.js';

/** A problem located by its offset in the text. */
export interface TextIssue {
  readonly offset: number;
  readonly path: JsonPath;
  readonly message: string;
}

export interface TextPosition {
  /** 1-based. */
  readonly line: number;
  /** 1-based, in UTF-16 code units. */
  readonly column: number;
}

type ParseErrorName = ReturnType<typeof printParseErrorCode>;

const SYNTAX_MESSAGES: Record<ParseErrorName, string> = {
  InvalidSymbol:
    'unexpected characters; expected a JSON value (strings and property names are written in double quotes)',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":" after the property name',
  CommaExpected: 'expected a comma',
  CloseBraceExpected: 'expected "}"',
  CloseBracketExpected: 'expected "]"',
  EndOfFileExpected: 'unexpected text after the end of the JSON value',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'comments are not allowed in JSON',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'incomplete number',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape sequence',
  InvalidCharacter: 'control characters in strings must be escaped',
  '<unknown ParseErrorCode>': 'invalid JSON',
};

/** What a syntax error of jsonc-parser means, in plain words. */
export function syntaxMessage(name: ParseErrorName): string {
  return SYNTAX_MESSAGES[name];
}

/**
 * A JSON text parsed into a tree that remembers where every value is, so that problems found
 * later in the parsed value can be reported at a line and column.
 *
 * The text must be plain JSON: comments and trailing commas are syntax errors, as any other
 * JSON reader of the file would find them. jsonc-parser is used, rather than JSON.parse, for its
 * positions and its error recovery.
 */
export class JsonDocument {
  /** In file order. Empty when the text is valid JSON. */
  readonly syntaxErrors: readonly TextIssue[];
  private readonly text: string;
  private readonly root: Node | undefined;
  private readonly lineStarts: readonly number[];

  constructor(text: string) {
    // Editors hide a byte order mark and do not count it as a column; JSON readers reject it.
    this.text = text.startsWith('\uFEFF') ? text.slice(1) : text;
    const errors: ParseError[] = [];
    this.root = parseTree(this.text, errors, {
      disallowComments: true,
      allowTrailingComma: false,
      allowEmptyContent: false,
    });
    this.syntaxErrors = this.reportableSyntaxErrors(errors);
    this.lineStarts = lineStarts(this.text);
  }

  /**
   * The parsed value; meaningful only when there are no syntax errors. Objects have no
   * prototype, so a `"__proto__"` key is an ordinary key.
   */
  get value(): unknown {
    return this.root === undefined ? undefined : (getNodeValue(this.root) as unknown);
  }

  /**
   * Keys written twice in one object, located at the second occurrence. JSON readers silently
   * keep the last one, which would hide mistakes such as two servers given the same id.
   */
  duplicateKeys(): TextIssue[] {
    const issues: TextIssue[] = [];
    const visit = (node: Node, path: JsonPath): void => {
      if (node.type === 'object') {
        const seen = new Set<string>();
        for (const property of node.children ?? []) {
          const [key, value] = property.children ?? [];
          if (key === undefined || typeof key.value !== 'string') continue;
          if (seen.has(key.value)) {
            issues.push({
              offset: key.offset,
              path: [...path, key.value],
              message: `duplicate key "${key.value}"; each key may appear only once in an object`,
            });
          }
          seen.add(key.value);
          if (value !== undefined) visit(value, [...path, key.value]);
        }
      } else if (node.type === 'array') {
        (node.children ?? []).forEach((item, index) => visit(item, [...path, index]));
      }
    };
    if (this.root !== undefined) visit(this.root, []);
    return issues;
  }

  /** The keys of the object at `path`, in the order the text writes them, each once. */
  keysOf(path: JsonPath): string[] {
    const node = this.root === undefined ? undefined : findNodeAtLocation(this.root, [...path]);
    if (node?.type !== 'object') return [];
    const keys = (node.children ?? []).map((property): unknown => property.children?.[0]?.value);
    return [...new Set(keys.filter((key): key is string => typeof key === 'string'))];
  }

  /**
   * Offset of the value at `path`, or of its property name when `at` is `'key'`. When the path
   * does not exist (a missing key), the offset of the nearest enclosing value that does.
   */
  offsetOf(path: JsonPath, at?: 'key'): number {
    if (this.root === undefined) return 0;
    for (let length = path.length; length >= 0; length--) {
      const node = findNodeAtLocation(this.root, path.slice(0, length));
      if (node === undefined) continue;
      const property = node.parent?.type === 'property' ? node.parent : undefined;
      const key = property?.children?.[0];
      return at === 'key' && length === path.length && key !== undefined ? key.offset : node.offset;
    }
    return this.root.offset;
  }

  /** 1-based line and column of `offset`. */
  position(offset: number): TextPosition {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.lineStarts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - (this.lineStarts[low] ?? 0) + 1 };
  }

  /**
   * After most syntax errors the parser's recovery produces follow-on errors that only confuse,
   * so only the first is kept. Comments and trailing commas are the exception: the parser
   * recovers from them exactly, so each one is reported.
   */
  private reportableSyntaxErrors(errors: readonly ParseError[]): TextIssue[] {
    if (this.text.trim() === '') {
      return [{ offset: 0, path: [], message: 'the file is empty; expected a JSON object' }];
    }
    const issues: TextIssue[] = [];
    const handledOffsets = new Set<number>();
    for (const error of errors) {
      if (handledOffsets.has(error.offset)) continue;
      handledOffsets.add(error.offset);
      const name = printParseErrorCode(error.error);
      const comma = this.trailingCommaBefore(error.offset, name);
      if (comma !== undefined) {
        // Reported at the comma, under the path of the object or array it is in.
        const container = getLocation(this.text, error.offset).path.slice(0, -1);
        issues.push({ offset: comma, path: container, message: 'trailing commas are not allowed in JSON' });
        continue;
      }
      issues.push(this.textIssue(error.offset, SYNTAX_MESSAGES[name]));
      if (name !== 'InvalidCommentToken') break;
    }
    return issues;
  }

  /** The offset of the comma when the error at `offset` is a `}` or `]` right after one. */
  private trailingCommaBefore(offset: number, name: ParseErrorName): number | undefined {
    if (name !== 'PropertyNameExpected' && name !== 'ValueExpected') return undefined;
    const closer = this.text[offset];
    if (closer !== '}' && closer !== ']') return undefined;
    let before = offset - 1;
    while (before >= 0 && /\s/.test(this.text[before] ?? '')) before--;
    return this.text[before] === ',' ? before : undefined;
  }

  private textIssue(offset: number, message: string): TextIssue {
    const path = getLocation(this.text, offset).path;
    // jsonc-parser ends the path with "" where a property name was expected.
    if (path.at(-1) === '') path.pop();
    return { offset, path, message };
  }
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\n' || (char === '\r' && text[i + 1] !== '\n')) starts.push(i + 1);
  }
  return starts;
}
