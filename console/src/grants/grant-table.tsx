import { useState } from 'preact/hooks';
import { apiSend } from '../api.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { may, type Session } from '../session.js';
import { fieldsOf, fileName, patchBody, serversText, type GrantFields } from './grant-changes.js';
import { GrantForm } from './grant-form.js';
import type { GrantView } from './grant-view.js';
import type { PolicySummary } from './policy-summary.js';
import type { IssuedToken } from './token-reveal.js';

/** The grants, each with the actions the member's role allows: edit, rotate, revoke. */
export function GrantTable({
  grants,
  session,
  policies,
  serverIds,
  onChanged,
  onIssued,
}: {
  grants: readonly GrantView[];
  session: Session;
  policies: readonly PolicySummary[];
  serverIds: readonly string[];
  onChanged: () => void;
  onIssued: (label: string, issued: IssuedToken) => void;
}) {
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState('');
  const manage = may(session, 'grants');
  const policyOnly = !manage && may(session, 'policy');
  async function act(run: () => Promise<void>) {
    setError('');
    try {
      await run();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
    onChanged();
  }
  async function save(grant: GrantView, fields: GrantFields) {
    const patch = patchBody(grant, fields, policyOnly);
    if (Object.keys(patch).length > 0) await apiSend('PATCH', `/admin/grants/${encodeURIComponent(grant.id)}`, patch);
    setEditing(null);
    onChanged();
  }
  const rotate = (grant: GrantView) =>
    act(async () => {
      const answer = await apiSend<IssuedToken>('POST', `/admin/grants/${encodeURIComponent(grant.id)}/rotate`);
      onIssued(grant.label, answer);
    });
  const revoke = (grant: GrantView) =>
    act(() => apiSend('POST', `/admin/grants/${encodeURIComponent(grant.id)}/revoke`));
  return (
    <>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">Grant</th>
            <th scope="col">Status</th>
            <th scope="col">Policy</th>
            <th scope="col">Servers</th>
            <th scope="col">Created</th>
            {(manage || policyOnly) && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {grants.map((grant) => (
            <tr key={grant.id} data-grant={grant.label}>
              <th scope="row">{grant.label}</th>
              <td>
                <span class={`badge status-${grant.status}`}>{grant.status}</span>
                {grant.revokedAt && <span class="muted"> {grant.revokedAt.slice(0, 16).replace('T', ' ')}</span>}
                {grant.rotatedAt && !grant.revokedAt && (
                  <span class="muted"> rotated {grant.rotatedAt.slice(0, 16).replace('T', ' ')}</span>
                )}
              </td>
              <td title={grant.policy ?? undefined}>
                {grant.policy === null ? <span class="error">none: every call denied</span> : fileName(grant.policy)}
              </td>
              <td>{serversText(grant.servers)}</td>
              <td>{grant.createdAt.slice(0, 16).replace('T', ' ')}</td>
              {(manage || policyOnly) && (
                <td>
                  {grant.status === 'active' && editing !== grant.id && (
                    <div class="actions">
                      <button
                        type="button"
                        class="secondary"
                        aria-label={`Edit ${grant.label}`}
                        onClick={() => setEditing(grant.id)}
                      >
                        Edit
                      </button>
                      {manage && (
                        <ConfirmButton
                          label="Rotate"
                          name={`Rotate ${grant.label}`}
                          question="A new token replaces this one, which stops working at once."
                          confirm="Rotate token"
                          onConfirm={() => rotate(grant)}
                        />
                      )}
                      {manage && (
                        <ConfirmButton
                          label="Revoke"
                          name={`Revoke ${grant.label}`}
                          question="Its token stops working at once, for good."
                          confirm="Revoke grant"
                          danger
                          onConfirm={() => revoke(grant)}
                        />
                      )}
                    </div>
                  )}
                  {editing === grant.id && (
                    <GrantForm
                      title={`Edit ${grant.label}`}
                      submit="Save"
                      initial={fieldsOf(grant)}
                      policies={policies}
                      serverIds={serverIds}
                      policyOnly={policyOnly}
                      onSubmit={(fields) => save(grant, fields)}
                      onCancel={() => setEditing(null)}
                    />
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
