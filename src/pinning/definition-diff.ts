import { canonicalJson } from '../json/canonical-json.js';
import { formatJsonPath, type JsonPath } from '../json/json-path.js';
import { PINNED_FIELDS, type PinnedField, type ToolDefinition } from './tool-fingerprint.js';

/** One line of a text's diff: removed, added, or the same in both. */
export interface LineChange {
  readonly op: '-' | '+' | ' ';
  readonly text: string;
}

/** One place where two JSON values differ: `before` absent when it was added, `after` absent when removed. */
export interface JsonChange {
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** How one pinned field of a tool changed: text fields line by line, JSON fields place by place. */
export type FieldDiff =
  | { readonly field: PinnedField | 'instructions'; readonly kind: 'text'; readonly lines: readonly LineChange[] }
  | { readonly field: PinnedField; readonly kind: 'json'; readonly changes: readonly JsonChange[] };

const TEXT_FIELDS: ReadonlySet<PinnedField> = new Set(['name', 'title', 'description']);

/** Beyond this many lines on either side, a text is shown as all removed, then all added. */
const MAX_DIFF_LINES = 2000;

/** The pinned fields that differ between two definitions (a missing definition has none of them). */
export function changedFields(before: ToolDefinition | null, after: ToolDefinition | null): PinnedField[] {
  return PINNED_FIELDS.filter((field) => !same(fieldOf(before, field), fieldOf(after, field)));
}

/** Every difference between two definitions, field by field, in the order of PINNED_FIELDS. */
export function diffDefinitions(before: ToolDefinition | null, after: ToolDefinition | null): FieldDiff[] {
  return changedFields(before, after).map((field): FieldDiff => {
    const old = fieldOf(before, field);
    const now = fieldOf(after, field);
    if (TEXT_FIELDS.has(field)) return { field, kind: 'text', lines: diffLines(textOf(old), textOf(now)) };
    return { field, kind: 'json', changes: diffJson(old, now) };
  });
}

/** A line diff (longest common subsequence): every line of both texts, in order, each marked. */
export function diffLines(before: string, after: string): LineChange[] {
  const a = before === '' ? [] : before.split('\n');
  const b = after === '' ? [] : after.split('\n');
  if (a.length > MAX_DIFF_LINES || b.length > MAX_DIFF_LINES) {
    return [...a.map((text) => ({ op: '-' as const, text })), ...b.map((text) => ({ op: '+' as const, text }))];
  }
  // common[i][j]: the longest common subsequence of a[i..] and b[j..].
  const common = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i]![j] = a[i] === b[j] ? common[i + 1]![j + 1]! + 1 : Math.max(common[i + 1]![j]!, common[i]![j + 1]!);
    }
  }
  const lines: LineChange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push({ op: ' ', text: a[i]! });
      i++;
      j++;
    } else if (j < b.length && (i === a.length || common[i]![j + 1]! >= common[i + 1]![j]!)) {
      lines.push({ op: '+', text: b[j++]! });
    } else {
      lines.push({ op: '-', text: a[i++]! });
    }
  }
  // Removals first within each run of changes, as diff tools print them.
  return orderRuns(lines);
}

/** Where two JSON values differ, as JSON paths (`$.properties.path.default`); objects key by key, arrays index by index. */
export function diffJson(before: unknown, after: unknown, path: JsonPath = []): JsonChange[] {
  if (same(before, after)) return [];
  const at = formatJsonPath(path);
  if (before === undefined) return [{ path: at, after }];
  if (after === undefined) return [{ path: at, before }];
  if (Array.isArray(before) && Array.isArray(after)) {
    const changes: JsonChange[] = [];
    for (let index = 0; index < Math.max(before.length, after.length); index++) {
      changes.push(...diffJson(before[index], after[index], [...path, index]));
    }
    return changes;
  }
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diffJson(before[key], after[key], [...path, key]));
  }
  return [{ path: at, before, after }];
}

function orderRuns(lines: LineChange[]): LineChange[] {
  const ordered: LineChange[] = [];
  let run: LineChange[] = [];
  const flush = () => {
    ordered.push(...run.filter((line) => line.op === '-'), ...run.filter((line) => line.op === '+'));
    run = [];
  };
  for (const line of lines) {
    if (line.op === ' ') {
      flush();
      ordered.push(line);
    } else {
      run.push(line);
    }
  }
  flush();
  return ordered;
}

function fieldOf(definition: ToolDefinition | null, field: PinnedField): unknown {
  return definition === null ? undefined : (definition as unknown as Record<string, unknown>)[field];
}

/** A text field as text: a server may send anything there. */
function textOf(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function same(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  return canonicalJson(a) === canonicalJson(b);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
