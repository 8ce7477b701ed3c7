import { LIMIT_SCOPES, type LimitRow } from './rule-form.js';
import { Field } from '../components/field.js';

const NAMED_WINDOWS = ['minute', 'hour', 'day'];

/**
 * The fields of one limit: at most `max` calls in a sliding `window` (a named one or a number of seconds), counted
 * per `scope`. `label` names the limit for screen readers, since several sit on one page.
 */
export function LimitFields({
  limit,
  onChange,
  label,
  counterRequired = false,
}: {
  limit: LimitRow;
  onChange: (limit: LimitRow) => void;
  label: string;
  /** Limits of `all_tools` must name their counter; a rule's rate limit has its own unless it names one. */
  counterRequired?: boolean;
}) {
  const set = (change: Partial<LimitRow>) => onChange({ ...limit, ...change });
  const windowChoice = NAMED_WINDOWS.includes(limit.window)
    ? limit.window
    : /^\d+$/.test(limit.window)
      ? 'seconds'
      : '';
  return (
    <span class="limit-fields" role="group" aria-label={label}>
      <label>
        At most
        <input
          type="number"
          min="0"
          class="narrow"
          value={limit.max}
          onInput={(event) => set({ max: event.currentTarget.value })}
        />
      </label>
      <Field label="calls per">
        {(id) => (
          <select
            id={id}
            value={windowChoice}
            onChange={(event) => {
              const choice = event.currentTarget.value;
              set({ window: choice === 'seconds' ? '60' : choice });
            }}
          >
            {windowChoice === '' && <option value="">(choose)</option>}
            <option value="minute">minute</option>
            <option value="hour">hour</option>
            <option value="day">day</option>
            <option value="seconds">number of seconds…</option>
          </select>
        )}
      </Field>
      {windowChoice === 'seconds' && (
        <label>
          Seconds
          <input
            type="number"
            min="1"
            class="narrow"
            value={limit.window}
            onInput={(event) => set({ window: event.currentTarget.value })}
          />
        </label>
      )}
      <Field label="Counted per">
        {(id) => (
          <select id={id} value={limit.scope} onChange={(event) => set({ scope: event.currentTarget.value })}>
            <option value="">grant (default)</option>
            {LIMIT_SCOPES.map((scope) => (
              <option key={scope} value={scope}>
                {scope}
              </option>
            ))}
            {limit.scope !== '' && !(LIMIT_SCOPES as readonly string[]).includes(limit.scope) && (
              <option value={limit.scope}>{limit.scope}</option>
            )}
          </select>
        )}
      </Field>
      <label>
        {counterRequired ? 'Counter' : 'Counter (optional)'}
        <input
          class="medium"
          value={limit.counter}
          required={counterRequired}
          onInput={(event) => set({ counter: event.currentTarget.value })}
        />
      </label>
    </span>
  );
}
