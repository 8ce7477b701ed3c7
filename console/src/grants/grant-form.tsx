import { useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { fileName, type GrantFields } from './grant-changes.js';
import type { PolicySummary } from './policy-summary.js';

/**
 * The fields of a grant, to create one or change one: label, policy, servers. A policy manager (`policyOnly`)
 * sees the policy alone. The server's refusal is shown next to the button.
 */
export function GrantForm({
  title,
  submit,
  initial,
  policies,
  serverIds,
  policyOnly = false,
  onSubmit,
  onCancel,
}: {
  title: string;
  submit: string;
  initial: GrantFields;
  policies: readonly PolicySummary[];
  serverIds: readonly string[];
  policyOnly?: boolean;
  onSubmit: (fields: GrantFields) => Promise<void>;
  onCancel: () => void;
}) {
  const [label, setLabel] = useState(initial.label);
  const [policy, setPolicy] = useState(initial.policy);
  const [servers, setServers] = useState<readonly string[] | null>(initial.servers);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const known = policies.some((each) => each.file === initial.policy);
  async function send(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError('');
    try {
      await onSubmit({ label, policy, servers });
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  }
  function toggle(id: string, on: boolean) {
    const current = servers ?? [];
    setServers(on ? [...current, id] : current.filter((each) => each !== id));
  }
  return (
    <form class="form panel" aria-label={title} onSubmit={(event) => void send(event)}>
      <h3>{title}</h3>
      {!policyOnly && (
        <label>
          Label
          <input required value={label} onInput={(event) => setLabel(event.currentTarget.value)} />
        </label>
      )}
      <label>
        Policy
        <select value={policy} onChange={(event) => setPolicy(event.currentTarget.value)}>
          {initial.policy === '' && <option value="">No policy: every call is denied</option>}
          {initial.policy !== '' && !known && <option value={initial.policy}>{fileName(initial.policy)}</option>}
          {policies.map((each) => (
            <option key={each.file} value={each.file}>
              {each.name} ({fileName(each.file)})
            </option>
          ))}
        </select>
      </label>
      {!policyOnly && (
        <fieldset>
          <legend>Servers it may use</legend>
          <label>
            <input
              type="checkbox"
              checked={servers === null}
              onChange={(event) => setServers(event.currentTarget.checked ? null : [])}
            />
            All servers, and any added later
          </label>
          {servers !== null &&
            serverIds.map((id) => (
              <label key={id}>
                <input
                  type="checkbox"
                  checked={servers.includes(id)}
                  onChange={(event) => toggle(id, event.currentTarget.checked)}
                />
                {id}
              </label>
            ))}
        </fieldset>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        <button type="submit" disabled={busy}>
          {submit}
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
