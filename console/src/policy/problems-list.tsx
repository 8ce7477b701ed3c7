import type { CheckState } from './use-policy-check.js';

/**
 * What the check found, announced politely as it changes (the count, not every keystroke's "checking"); each
 * problem with a line and column moves the JSON editor's cursor there.
 */
export function ProblemsList({ check, onGoTo }: { check: CheckState; onGoTo: (line: number, column: number) => void }) {
  const problems = check.status === 'checked' ? check.problems : [];
  const summary =
    check.status === 'checking'
      ? ''
      : check.status === 'failed'
        ? `Could not check the draft: ${check.error}`
        : problems.length === 0
          ? 'No problems: the draft is a valid policy.'
          : `${problems.length} problem${problems.length === 1 ? '' : 's'} in the draft.`;
  return (
    <div class="problems">
      <p
        aria-live="polite"
        class={problems.length > 0 || check.status === 'failed' ? 'error' : 'muted'}
        id="policy-check-summary"
      >
        {summary}
      </p>
      {check.status === 'checking' && <p class="muted small">Checking…</p>}
      {problems.length > 0 && (
        <ul aria-label="Problems in the draft">
          {problems.map((problem, index) => (
            <li key={index}>
              <code>{problem.path === '' ? '$' : problem.path}</code>: {problem.message}
              {problem.line !== undefined && (
                <>
                  {' '}
                  <button type="button" class="link" onClick={() => onGoTo(problem.line!, problem.column ?? 1)}>
                    line {problem.line}
                    {problem.column !== undefined ? `, column ${problem.column}` : ''}
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
