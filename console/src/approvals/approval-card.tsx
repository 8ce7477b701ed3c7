import { useState } from 'preact/hooks';
import { Field } from '../components/field.js';
import { ApiError } from '../api.js';
import { countdownText, EXTEND_SECONDS, PRESET_REASONS, prettyArguments } from './approval-view.js';
import { extendApproval, revealApproval, resolveApproval, type Approval } from './approvals-api.js';

/**
 * One pending approval: who asks to call what, with which arguments (secrets masked, revealed on request), why the
 * policy asks, how long is left; and, for approvers, Approve / Deny with a reason, and Extend.
 */
export function ApprovalCard({
  approval,
  risk,
  now,
  canAct,
  selected,
  onSelect,
  onChanged,
  onResolved,
}: {
  approval: Approval;
  risk: string | undefined;
  now: number;
  canAct: boolean;
  selected: boolean;
  onSelect: (selected: boolean) => void;
  onChanged: (approval: Approval) => void;
  onResolved: (approval: Approval, message: string) => void;
}) {
  const [reason, setReason] = useState('');
  const [revealed, setRevealed] = useState<unknown>(undefined);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const headingId = `approval-${approval.id}`;
  const label = `${approval.tool} on ${approval.serverId}`;
  async function act(action: () => Promise<void>) {
    setBusy(true);
    setError('');
    try {
      await action();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  }
  const resolve = (verdict: 'approve' | 'deny') =>
    act(async () => {
      const resolved = await resolveApproval(approval.id, verdict, reason);
      onResolved(resolved, `${verdict === 'approve' ? 'Approved' : 'Denied'} the call to ${label}.`);
    });
  return (
    <article class="panel approval" aria-labelledby={headingId} id={`card-${approval.id}`}>
      <header class="approval-head">
        {canAct && (
          <input
            type="checkbox"
            checked={selected}
            aria-label={`Select the call to ${label} (${approval.id})`}
            onChange={(event) => onSelect(event.currentTarget.checked)}
          />
        )}
        <h3 id={headingId} tabIndex={-1}>
          {approval.grantLabel ?? 'A local caller'} → {approval.serverId} · {approval.tool}
        </h3>
        {risk !== undefined && <span class={`badge risk-${risk}`}>{risk}</span>}
        <span class="countdown">
          <time dateTime={new Date(approval.expiresAt).toISOString()}>{countdownText(approval.expiresAt, now)}</time>
        </span>
      </header>
      <dl class="facts">
        <dt>Rule</dt>
        <dd>
          <code>{approval.rule}</code>
        </dd>
        <dt>Policy's reason</dt>
        <dd>{approval.reason ?? <span class="muted">(none given)</span>}</dd>
        <dt>Asked</dt>
        <dd>
          <time dateTime={new Date(approval.createdAt).toISOString()}>
            {new Date(approval.createdAt).toLocaleString()}
          </time>{' '}
          <span class="muted small">{approval.id}</span>
        </dd>
      </dl>
      <h4>Arguments{revealed !== undefined ? ' (secrets shown)' : ''}</h4>
      <pre class="arguments" tabIndex={0} aria-label={`Arguments of the call to ${label}`}>
        {prettyArguments(revealed ?? approval.arguments)}
      </pre>
      {approval.hidden.length > 0 && (
        <p class="muted small">
          Hidden: {approval.hidden.map((place) => `${place.path} (${place.why})`).join('; ')}
          {canAct && (
            <>
              {' '}
              <button
                type="button"
                class="secondary"
                disabled={busy}
                onClick={() =>
                  revealed !== undefined
                    ? setRevealed(undefined)
                    : void act(async () => setRevealed((await revealApproval(approval.id)).arguments))
                }
              >
                {revealed !== undefined ? 'Hide secrets' : 'Reveal secrets'}
              </button>
            </>
          )}
        </p>
      )}
      {canAct && (
        <div class="approval-actions">
          <Field label="Preset reason">
            {(id) => (
              <select
                id={id}
                value={(PRESET_REASONS as readonly string[]).includes(reason) ? reason : ''}
                onChange={(event) => {
                  if (event.currentTarget.value !== '') setReason(event.currentTarget.value);
                }}
              >
                <option value="">Choose…</option>
                {PRESET_REASONS.map((preset) => (
                  <option key={preset} value={preset}>
                    {preset}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <label>
            Reason (optional; the agent reads it when denied)
            <input
              class="wide"
              value={reason}
              aria-label={`Reason for the call to ${label}`}
              onInput={(event) => setReason(event.currentTarget.value)}
            />
          </label>
          <button type="button" disabled={busy} onClick={() => void resolve('approve')}>
            Approve <span class="visually-hidden">the call to {label}</span>
          </button>
          <button type="button" class="danger" disabled={busy} onClick={() => void resolve('deny')}>
            Deny <span class="visually-hidden">the call to {label}</span>
          </button>
          <button
            type="button"
            class="secondary"
            disabled={busy}
            onClick={() => void act(async () => onChanged(await extendApproval(approval.id, EXTEND_SECONDS)))}
          >
            Extend by 5 min <span class="visually-hidden">the wait for the call to {label}</span>
          </button>
        </div>
      )}
      {error !== '' && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </article>
  );
}
