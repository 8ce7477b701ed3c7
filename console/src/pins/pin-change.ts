/**
 * A pinned definition's change that waits for an operator (`GET /admin/pins`), and how the console lays it out:
 * the definition before and after, field by field, with the changed fields marked.
 */
import type { Category, Risk } from '../tools/tool-row.js';

/** One field's diff as the gateway computes it (src/pinning/definition-diff.ts), when it sends those. */
type FieldDiff =
  | { readonly field: string; readonly kind: 'text'; readonly lines: readonly { op: string; text: string }[] }
  | {
      readonly field: string;
      readonly kind: 'json';
      readonly changes: readonly { path: string; before?: unknown; after?: unknown }[];
    };

export interface PinChange {
  readonly server: string;
  /** Null for the server's instructions. */
  readonly tool: string | null;
  readonly kind: 'changed' | 'added' | 'removed' | 'instructions';
  readonly since: string;
  readonly state: 'blocked' | 'held' | 'stricter' | 'allowed' | 'noted';
  readonly classBefore: { readonly category: Category; readonly risk: Risk } | null;
  readonly classAfter: { readonly category: Category; readonly risk: Risk } | null;
  /** The changed fields' names (or, from older gateways, their diffs). */
  readonly fields: readonly (string | FieldDiff)[];
  /** The definitions (or, for instructions, the texts) before and after; null where there is none. */
  readonly before?: Record<string, unknown> | string | null;
  readonly after?: Record<string, unknown> | string | null;
  readonly accept: string;
}

export interface PinsAnswer {
  readonly changes: readonly PinChange[];
}

/** One row of the side-by-side view. */
export interface FieldRow {
  readonly field: string;
  /** The value as text (JSON pretty-printed); '' where the field is absent. */
  readonly before: string;
  readonly after: string;
  readonly changed: boolean;
}

/** The pinned fields in the order a definition is read; others follow in the order they come. */
const FIELD_ORDER = ['name', 'title', 'description', 'inputSchema', 'outputSchema', 'annotations'];

/** What POST /admin/pins/accept takes: the tool, or the whole server for its instructions. */
export function acceptTarget(change: PinChange): string {
  return change.kind === 'instructions' || change.tool === null ? change.server : `${change.server}:${change.tool}`;
}

/**
 * The definitions side by side, every field present on either side, the changed ones marked (by the gateway's
 * list of changed fields, else by comparing the texts). From a gateway that sends diffs but no definitions, the
 * rows are rebuilt from the diffs: each changed field alone.
 */
export function fieldRows(change: PinChange): FieldRow[] {
  const named = new Set(change.fields.map((field) => (typeof field === 'string' ? field : field.field)));
  if (change.before !== undefined || change.after !== undefined) {
    if (change.kind === 'instructions' || typeof change.before === 'string' || typeof change.after === 'string') {
      const before = textOf(change.before ?? '');
      const after = textOf(change.after ?? '');
      return [{ field: 'instructions', before, after, changed: before !== after }];
    }
    const before = change.before ?? {};
    const after = change.after ?? {};
    const keys = [...new Set([...FIELD_ORDER, ...Object.keys(before), ...Object.keys(after)])].filter(
      (key) => key in before || key in after,
    );
    return keys.map((field) => {
      const left = field in before ? textOf(before[field]) : '';
      const right = field in after ? textOf(after[field]) : '';
      return { field, before: left, after: right, changed: named.size > 0 ? named.has(field) : left !== right };
    });
  }
  return change.fields.flatMap((field) => (typeof field === 'string' ? [] : [rowOfDiff(field)]));
}

function rowOfDiff(diff: FieldDiff): FieldRow {
  if (diff.kind === 'text') {
    const side = (op: string) =>
      diff.lines
        .filter((line) => line.op === ' ' || line.op === op)
        .map((line) => line.text)
        .join('\n');
    return { field: diff.field, before: side('-'), after: side('+'), changed: true };
  }
  const side = (pick: 'before' | 'after') =>
    diff.changes
      .filter((change) => pick in change)
      .map((change) => `${change.path}: ${textOf(change[pick])}`)
      .join('\n');
  return { field: diff.field, before: side('before'), after: side('after'), changed: true };
}

/** A value as the view shows it: strings as they are, anything else as indented JSON. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2) ?? '';
}

/** What the change does to calls until someone accepts it, in words. */
export function stateText(change: PinChange): string {
  switch (change.state) {
    case 'blocked':
      return 'Blocked: agents still see the accepted definition, and every call to the tool is refused until someone accepts the change.';
    case 'held':
      return change.kind === 'instructions'
        ? "Held: the server's tools are refused until someone accepts its new instructions."
        : 'Held: agents do not see the tool, and its calls are refused until someone accepts it.';
    case 'stricter':
      return 'Calls go through, decided under the stricter of the two classes, until someone accepts the change.';
    case 'allowed':
      return 'Calls go through as the server now defines the tool; the change waits for a review.';
    case 'noted':
      return 'The server no longer lists the tool; accepting forgets its pin.';
  }
}
