import { useState } from 'preact/hooks';
import { apiSend, ApiError } from '../api.js';
import type { Role } from '../session.js';

/** The members' passwords' least length, as `toolgate members add` requires it. */
const MIN_PASSWORD = 12;

export const ROLE_TEXT: Record<Role, string> = {
  viewer: 'Viewer: reads everything',
  approver: 'Approver: also approves or denies calls',
  policy_manager: 'Policy manager: also edits policies and accepts pinned changes',
  admin: 'Admin: everything, grants and members too',
};

/** Adds a member: a name, a role, and a password the member will use (never shown again). */
export function MemberForm({ onAdded }: { onAdded: (name: string) => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  async function add(event: Event) {
    event.preventDefault();
    if (password.length < MIN_PASSWORD) {
      setError(`The password needs at least ${MIN_PASSWORD} characters.`);
      return;
    }
    setBusy(true);
    setError('');
    try {
      await apiSend('POST', '/admin/members', { name: name.trim(), role, password });
      setName('');
      setPassword('');
      onAdded(name.trim());
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="form panel" aria-label="Add a member" onSubmit={(event) => void add(event)}>
      <h2>Add a member</h2>
      <label>
        Name
        <input required autocomplete="off" value={name} onInput={(event) => setName(event.currentTarget.value)} />
      </label>
      <label>
        Role
        <select value={role} onChange={(event) => setRole(event.currentTarget.value as Role)}>
          {(Object.keys(ROLE_TEXT) as Role[]).map((each) => (
            <option key={each} value={each}>
              {ROLE_TEXT[each]}
            </option>
          ))}
        </select>
      </label>
      <label>
        Password (at least {MIN_PASSWORD} characters)
        <input
          type="password"
          required
          minLength={MIN_PASSWORD}
          autocomplete="new-password"
          value={password}
          onInput={(event) => setPassword(event.currentTarget.value)}
        />
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        Add member
      </button>
    </form>
  );
}
