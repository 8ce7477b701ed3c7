import { useEffect, useRef, useState } from 'preact/hooks';
import { Field } from '../components/field.js';
import { ApiError } from '../api.js';
import { newPolicy, type PolicyFile } from './policy-api.js';

/** Which policy file the page edits (its address is `#/policy/FILE`), and "New policy" for members who may. */
export function PolicyPicker({
  policies,
  file,
  canCreate,
  onCreated,
}: {
  policies: readonly PolicyFile[];
  file: string | undefined;
  canCreate: boolean;
  onCreated: (file: string) => void;
}) {
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const nameInput = useRef<HTMLInputElement>(null);
  // The name field appears where the button was: focus goes to it, not back to the top of the page.
  useEffect(() => {
    if (creating) nameInput.current?.focus();
  }, [creating]);
  const known = policies.some((policy) => policy.file === file);
  async function create(event: Event) {
    event.preventDefault();
    setError('');
    try {
      const created = await newPolicy(name.trim());
      setCreating(false);
      setName('');
      onCreated(created.file);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure));
    }
  }
  return (
    <div class="filters">
      <Field label="Policy file">
        {(id) => (
          <select
            id={id}
            value={file ?? ''}
            onChange={(event) => {
              location.hash = `#/policy/${encodeURIComponent(event.currentTarget.value)}`;
            }}
          >
            {!known && file !== undefined && <option value={file}>{file}</option>}
            {policies.map((policy) => (
              <option key={policy.file} value={policy.file}>
                {policy.name} — {policy.file}
                {policy.inConfig ? ' (the config’s)' : ''}
                {policy.grants.length > 0 ? ` · grants: ${policy.grants.join(', ')}` : ''}
              </option>
            ))}
          </select>
        )}
      </Field>
      {canCreate && !creating && (
        <button type="button" class="secondary" onClick={() => setCreating(true)}>
          New policy
        </button>
      )}
      {creating && (
        <form class="filters" onSubmit={(event) => void create(event)}>
          <label>
            Name of the new policy
            <input
              required
              pattern="[A-Za-z0-9][A-Za-z0-9_.\-]*"
              placeholder="support-agents"
              value={name}
              ref={nameInput}
              onInput={(event) => setName(event.currentTarget.value)}
            />
          </label>
          <button type="submit">Create</button>
          <button type="button" class="secondary" onClick={() => setCreating(false)}>
            Cancel
          </button>
        </form>
      )}
      {error !== '' && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
