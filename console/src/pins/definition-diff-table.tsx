import type { FieldRow } from './pin-change.js';

/** The definitions before and after, one row per field; changed rows are highlighted and say so in words. */
export function DefinitionDiffTable({ rows, caption }: { rows: readonly FieldRow[]; caption: string }) {
  return (
    <table class="diff">
      <caption class="muted">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before (accepted)</th>
          <th scope="col">After (listed now)</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.field} class={row.changed ? 'changed' : undefined}>
            <th scope="row">
              {row.field}
              {row.changed && <span class="badge change-mark">changed</span>}
            </th>
            <td>{row.before === '' ? <span class="muted">(none)</span> : <pre>{row.before}</pre>}</td>
            <td>{row.after === '' ? <span class="muted">(none)</span> : <pre>{row.after}</pre>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
