import { CONDITION_OPS, type ConditionRow } from './rule-form.js';
import { Field } from '../components/field.js';

const OP_LABELS: Record<string, string> = {
  eq: 'equals',
  neq: 'does not equal',
  in: 'is one of',
  not_in: 'is none of',
  lt: 'is less than',
  lte: 'is at most',
  gt: 'is more than',
  gte: 'is at least',
  regex: 'matches the pattern',
  contains: 'contains',
  exists: 'is given',
};

/**
 * A list of argument conditions: path, operator, value. The value is JSON, or plain text for a string
 * (`usd`, `["usd","eur"]`, `50000`); `exists` needs none (true).
 */
export function ConditionRows({
  rows,
  onChange,
  label,
}: {
  rows: readonly ConditionRow[];
  onChange: (rows: ConditionRow[]) => void;
  /** What the list is for, naming each row's controls: "Only allow when". */
  label: string;
}) {
  const set = (index: number, change: Partial<ConditionRow>) =>
    onChange(rows.map((row, i) => (i === index ? { ...row, ...change } : row)));
  return (
    <div class="conditions">
      {rows.length === 0 && <p class="muted">No conditions.</p>}
      {rows.map((row, index) => (
        <div
          class="condition"
          key={row.from ?? `new-${index}`}
          role="group"
          aria-label={`${label}, condition ${index + 1}`}
        >
          <label>
            Argument path
            <input
              class="medium"
              placeholder="args.amount"
              value={row.path}
              onInput={(event) => set(index, { path: event.currentTarget.value })}
            />
          </label>
          <Field label="Operator">
            {(id) => (
              <select id={id} value={row.op} onChange={(event) => set(index, { op: event.currentTarget.value })}>
                {CONDITION_OPS.map((op) => (
                  <option key={op} value={op}>
                    {op} ({OP_LABELS[op]})
                  </option>
                ))}
                {!(CONDITION_OPS as readonly string[]).includes(row.op) && <option value={row.op}>{row.op}</option>}
              </select>
            )}
          </Field>
          <label>
            Value
            <input
              class="medium"
              placeholder={row.op === 'exists' ? 'true (default) or false' : 'JSON, or text'}
              value={row.value}
              onInput={(event) => set(index, { value: event.currentTarget.value })}
            />
          </label>
          <button
            type="button"
            class="secondary"
            aria-label={`Remove ${label.toLowerCase()} condition ${index + 1}`}
            onClick={() => onChange(rows.filter((_, i) => i !== index))}
          >
            Remove
          </button>
        </div>
      ))}
      <button
        type="button"
        class="secondary"
        onClick={() => onChange([...rows, { path: 'args.', op: 'eq', value: '' }])}
      >
        Add condition <span class="visually-hidden">to “{label}”</span>
      </button>
    </div>
  );
}
