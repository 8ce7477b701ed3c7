import { RiskBadge } from '../components/risk-badge.js';
import type { Evidence } from './tool-row.js';

/** The words in a tool's definition that decided its class, quoted, with what each means. */
export function EvidenceList({ evidence }: { evidence: readonly Evidence[] }) {
  if (evidence.length === 0) {
    return <p class="muted">No words in the definition point to a category or a risk.</p>;
  }
  return (
    <ul class="evidence">
      {evidence.map((item, index) => (
        <li key={index}>
          <blockquote>{item.quote}</blockquote>
          <span class="muted">
            from the {item.source}
            {item.at === undefined ? '' : ` (${item.at})`}:
          </span>{' '}
          {item.finding}
          {item.risk !== undefined && (
            <>
              {' '}
              <RiskBadge risk={item.risk} category={item.category} />
            </>
          )}
        </li>
      ))}
    </ul>
  );
}
