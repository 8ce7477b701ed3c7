import type { Category, Risk } from '../tools/tool-row.js';

/** A tool's risk as a coloured badge (`badge risk-High`), with its category beside it when given. */
export function RiskBadge({ risk, category }: { risk: Risk; category?: Category }) {
  return (
    <span class={`badge risk-${risk}`}>
      {risk}
      {category === undefined ? '' : ` · ${category}`}
    </span>
  );
}
