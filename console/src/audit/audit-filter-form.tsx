import { useState } from 'preact/hooks';
import { Field } from '../components/field.js';
import {
  fromLocalInput,
  NO_FILTERS,
  RANGE_PRESETS,
  toLocalInput,
  type AuditFilters,
  type RangeChoice,
} from './audit-filters.js';
import { DECISION_GROUPS } from './audit-records.js';

const RANGE_LABELS: Record<RangeChoice, string> = {
  '15m': 'Last 15 minutes',
  '1h': 'Last hour',
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
  all: 'All time',
  custom: 'Custom…',
};

/**
 * The filters, edited as a form and applied together (Enter or "Apply"), so that a half-typed tool name does
 * not fetch. Suggestions for grants, servers and tools come from what the gateway knows.
 */
export function AuditFilterForm({
  filters,
  onApply,
  grants,
  servers,
  tools,
}: {
  filters: AuditFilters;
  onApply: (filters: AuditFilters) => void;
  grants: readonly string[];
  servers: readonly string[];
  tools: readonly string[];
}) {
  // The page keys this form by its view, so a new view (a link, Back) starts a new draft.
  const [draft, setDraft] = useState(filters);
  const set = (change: Partial<AuditFilters>) => setDraft({ ...draft, ...change });
  const toggle = (decision: string, on: boolean) =>
    set({ decisions: on ? [...draft.decisions, decision] : draft.decisions.filter((item) => item !== decision) });
  return (
    <form
      class="filters audit-filters"
      aria-label="Audit filters"
      onSubmit={(event) => {
        event.preventDefault();
        onApply(draft);
      }}
    >
      <label>
        Grant
        <input
          class="medium"
          list="audit-grants"
          value={draft.grant}
          onInput={(e) => set({ grant: e.currentTarget.value })}
        />
      </label>
      <label>
        Server
        <input
          class="medium"
          list="audit-servers"
          value={draft.server}
          onInput={(e) => set({ server: e.currentTarget.value })}
        />
      </label>
      <label>
        Tool
        <input
          class="medium"
          list="audit-tools"
          value={draft.tool}
          onInput={(e) => set({ tool: e.currentTarget.value })}
        />
      </label>
      <Suggestions id="audit-grants" values={grants} />
      <Suggestions id="audit-servers" values={servers} />
      <Suggestions id="audit-tools" values={tools} />
      <details class="decisions">
        <summary>Decisions: {draft.decisions.length === 0 ? 'all' : draft.decisions.join(', ')}</summary>
        {DECISION_GROUPS.map((group) => (
          <fieldset key={group.title}>
            <legend>{group.title}</legend>
            {group.decisions.map((decision) => (
              <label class="checkbox" key={decision}>
                <input
                  type="checkbox"
                  checked={draft.decisions.includes(decision)}
                  onChange={(event) => toggle(decision, event.currentTarget.checked)}
                />
                {decision}
              </label>
            ))}
          </fieldset>
        ))}
      </details>
      <Field label="Time">
        {(id) => (
          <select
            id={id}
            value={draft.range}
            onChange={(event) => set({ range: event.currentTarget.value as RangeChoice })}
          >
            {[...RANGE_PRESETS, 'all' as const, 'custom' as const].map((range) => (
              <option key={range} value={range}>
                {RANGE_LABELS[range]}
              </option>
            ))}
          </select>
        )}
      </Field>
      {draft.range === 'custom' && (
        <>
          <label>
            Since
            <input
              type="datetime-local"
              value={toLocalInput(draft.since)}
              onInput={(event) => set({ since: fromLocalInput(event.currentTarget.value) })}
            />
          </label>
          <label>
            Until
            <input
              type="datetime-local"
              value={toLocalInput(draft.until)}
              onInput={(event) => set({ until: fromLocalInput(event.currentTarget.value) })}
            />
          </label>
        </>
      )}
      <button type="submit">Apply</button>
      <button type="button" class="secondary" onClick={() => onApply(NO_FILTERS)}>
        Clear
      </button>
    </form>
  );
}

function Suggestions({ id, values }: { id: string; values: readonly string[] }) {
  return (
    <datalist id={id}>
      {values.map((value) => (
        <option key={value} value={value} />
      ))}
    </datalist>
  );
}
