import { useState } from 'preact/hooks';
import { apiSend } from '../api.js';
import type { PageProps } from '../app.js';
import { ApiProblem } from '../components/api-problem.js';
import { useApi } from '../components/use-api.js';
import { createBody, type GrantFields } from '../grants/grant-changes.js';
import { GrantForm } from '../grants/grant-form.js';
import { GrantTable } from '../grants/grant-table.js';
import type { GrantsAnswer, GrantView } from '../grants/grant-view.js';
import type { PoliciesAnswer } from '../grants/policy-summary.js';
import { TokenReveal, type IssuedToken } from '../grants/token-reveal.js';
import type { ServersAnswer } from '../servers/server-health.js';
import { may } from '../session.js';

const NEW_GRANT: GrantFields = { label: '', policy: '', servers: null };

/**
 * Grants: one bearer token per agent, with the policy that decides its calls and the servers it may use. An admin
 * creates, rotates, revokes and edits them; a policy manager may change a grant's policy; everyone else reads.
 */
export function GrantsPage({ session }: PageProps) {
  const grants = useApi<GrantsAnswer>('/admin/grants');
  const policies = useApi<PoliciesAnswer>('/admin/policies');
  const servers = useApi<ServersAnswer>('/admin/servers');
  const [creating, setCreating] = useState(false);
  const [issued, setIssued] = useState<{ label: string; issued: IssuedToken } | null>(null);
  const manage = may(session, 'grants');
  const serverIds = (servers.data?.servers ?? []).map((server) => server.id);

  async function create(fields: GrantFields) {
    const answer = await apiSend<IssuedToken & { grant: GrantView }>('POST', '/admin/grants', createBody(fields));
    setCreating(false);
    setIssued({ label: answer.grant.label, issued: answer });
    grants.reload();
  }
  return (
    <>
      <h1>Grants</h1>
      <p class="muted">
        A grant is one agent's bearer token: its policy decides each call, and it sees only the servers it is given.
      </p>
      {issued && <TokenReveal label={issued.label} issued={issued.issued} onDone={() => setIssued(null)} />}
      {manage && !creating && (
        <button type="button" onClick={() => setCreating(true)}>
          Create grant
        </button>
      )}
      {creating && (
        <GrantForm
          title="New grant"
          submit="Create grant"
          initial={NEW_GRANT}
          policies={policies.data?.policies ?? []}
          serverIds={serverIds}
          onSubmit={create}
          onCancel={() => setCreating(false)}
        />
      )}
      {grants.error && <ApiProblem error={grants.error} what="read the grants" />}
      {grants.data &&
        (grants.data.grants.length === 0 ? (
          <p>No grants yet.{manage ? ' Create one for each agent.' : ''}</p>
        ) : (
          <GrantTable
            grants={grants.data.grants}
            session={session}
            policies={policies.data?.policies ?? []}
            serverIds={serverIds}
            onChanged={grants.reload}
            onIssued={(label, token) => setIssued({ label, issued: token })}
          />
        ))}
    </>
  );
}
