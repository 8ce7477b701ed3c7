import { useEffect, useRef, useState } from 'preact/hooks';
import { apiSend, ApiError } from '../api.js';
import { RiskBadge } from '../components/risk-badge.js';
import { DefinitionDiffTable } from './definition-diff-table.js';
import { acceptTarget, fieldRows, stateText, type PinChange } from './pin-change.js';

const KIND_TEXT: Record<PinChange['kind'], string> = {
  changed: 'definition changed',
  added: 'new tool',
  removed: 'tool removed',
  instructions: 'instructions changed',
};

/**
 * One waiting change: what it is, its class before and after, the two definitions side by side, and the choice:
 * accept it, or keep it as it is (blocked, held...), which only folds it away here.
 */
export function PinChangeCard({
  change,
  canAccept,
  onAccepted,
}: {
  change: PinChange;
  canAccept: boolean;
  onAccepted: () => void;
}) {
  const [kept, setKept] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  // The pressed button goes away with the view it was in: the focus moves to its counterpart, not to the page.
  const showAgain = useRef<HTMLButtonElement>(null);
  const keep = useRef<HTMLButtonElement>(null);
  const moved = useRef(false);
  useEffect(() => {
    if (!moved.current) return;
    (kept ? showAgain : keep).current?.focus();
  }, [kept]);
  const toggle = (next: boolean) => {
    moved.current = true;
    setKept(next);
  };
  const target = acceptTarget(change);
  const title = change.tool === null ? `${change.server} (instructions)` : `${change.server}:${change.tool}`;
  const headingId = `pin-${target.replace(/[^\w-]/g, '_')}`;
  const blocks = change.state === 'blocked' || change.state === 'held';
  async function accept() {
    setBusy(true);
    setError('');
    try {
      await apiSend('POST', '/admin/pins/accept', { target });
      onAccepted();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  }
  if (kept) {
    return (
      <section class="panel" aria-labelledby={headingId}>
        <h2 id={headingId}>{title}</h2>
        <p>
          Left as it is. {blocks ? 'It stays blocked' : 'It keeps waiting'} until someone accepts it.{' '}
          <button type="button" class="secondary" ref={showAgain} onClick={() => toggle(false)}>
            Show the change again
          </button>
        </p>
      </section>
    );
  }
  return (
    <section class="panel" aria-labelledby={headingId} data-change={target}>
      <h2 id={headingId}>{title}</h2>
      <dl class="facts">
        <dt>Change</dt>
        <dd>{KIND_TEXT[change.kind]}</dd>
        <dt>Since</dt>
        <dd>
          <time dateTime={change.since}>{new Date(change.since).toLocaleString()}</time>
        </dd>
        <dt>Risk</dt>
        <dd>
          <ClassBadge of={change.classBefore} /> → <ClassBadge of={change.classAfter} />
        </dd>
        <dt>Meanwhile</dt>
        <dd>{stateText(change)}</dd>
      </dl>
      <DefinitionDiffTable rows={fieldRows(change)} caption={`${title}: the definition, field by field`} />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        {canAccept && (
          <button type="button" disabled={busy} onClick={() => void accept()} aria-label={`Accept ${title}`}>
            Accept
          </button>
        )}
        <button
          type="button"
          class="secondary"
          ref={keep}
          onClick={() => toggle(true)}
          aria-label={`${blocks ? 'Keep blocked' : 'Leave for later'}: ${title}`}
        >
          {blocks ? 'Keep blocked' : 'Leave for later'}
        </button>
        {!canAccept && <span class="muted">Your role may not accept changes; a policy manager or admin can.</span>}
      </div>
    </section>
  );
}

function ClassBadge({ of }: { of: PinChange['classBefore'] }) {
  return of === null ? <span class="muted">none</span> : <RiskBadge risk={of.risk} category={of.category} />;
}
