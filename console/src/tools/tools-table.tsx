import { RiskBadge } from '../components/risk-badge.js';
import { effectText, type ToolRow } from './tool-row.js';

/** Every tool in one table; each name links to its page (`#/tools/NAME`). */
export function ToolsTable({ rows }: { rows: readonly ToolRow[] }) {
  return (
    <table class="tools">
      <thead>
        <tr>
          <th scope="col">Tool</th>
          <th scope="col">Server</th>
          <th scope="col">Category</th>
          <th scope="col">Risk</th>
          <th scope="col">Warnings</th>
          <th scope="col">Policy</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={`${row.server}\u0000${row.tool}`} data-tool={row.exposedName}>
            <th scope="row">
              <a href={`#/tools/${encodeURIComponent(row.exposedName)}`}>{row.exposedName}</a>
            </th>
            <td>{row.server}</td>
            <td>{row.category}</td>
            <td>
              <RiskBadge risk={row.risk} />
            </td>
            <td>
              {row.warnings.length === 0 ? (
                <span class="muted">0</span>
              ) : (
                <span class="warning-count" title={row.warnings.map((warning) => warning.finding).join('\n')}>
                  {row.warnings.length}
                </span>
              )}
            </td>
            <td title={row.policy.message}>
              <span class={`effect effect-${row.policy.effect}`}>{effectText(row.policy.effect)}</span>
              {row.policy.dependsOnArguments && <span class="muted"> (depends on arguments)</span>}
              {row.policy.shadow && <span class="muted"> (shadow)</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
