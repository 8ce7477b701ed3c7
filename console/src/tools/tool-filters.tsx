import { Field } from '../components/field.js';
import { effectText, type Effect } from './tool-row.js';
import type { ToolFilter } from './tool-filter.js';

interface Facets {
  readonly servers: readonly string[];
  readonly categories: readonly string[];
  readonly risks: readonly string[];
  readonly effects: readonly string[];
}

/** The search box and the four filters above the tools table. */
export function ToolFilters({
  filter,
  facets,
  onChange,
}: {
  filter: ToolFilter;
  facets: Facets;
  onChange: (next: ToolFilter) => void;
}) {
  const set = (key: keyof ToolFilter) => (event: { currentTarget: { value: string } }) =>
    onChange({ ...filter, [key]: event.currentTarget.value });
  return (
    <div class="filters" role="search" aria-label="Filter tools">
      <Field label="Search">
        {(id) => (
          <input id={id} type="search" value={filter.text} onInput={set('text')} placeholder="name, server, quote…" />
        )}
      </Field>
      <Choice label="Server" value={filter.server} values={facets.servers} onChange={set('server')} />
      <Choice label="Category" value={filter.category} values={facets.categories} onChange={set('category')} />
      <Choice label="Risk" value={filter.risk} values={facets.risks} onChange={set('risk')} />
      <Choice
        label="Effect"
        value={filter.effect}
        values={facets.effects}
        text={(value) => effectText(value as Effect)}
        onChange={set('effect')}
      />
    </div>
  );
}

function Choice({
  label,
  value,
  values,
  text = (each) => each,
  onChange,
}: {
  label: string;
  value: string;
  values: readonly string[];
  text?: (value: string) => string;
  onChange: (event: { currentTarget: { value: string } }) => void;
}) {
  return (
    <Field label={label}>
      {(id) => (
        <select id={id} value={value} onChange={onChange}>
          <option value="">Any</option>
          {values.map((each) => (
            <option key={each} value={each}>
              {text(each)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
