import { useState } from 'preact/hooks';
import { apiSend, ApiError } from '../api.js';
import type { PageProps } from '../app.js';
import { ApiProblem } from '../components/api-problem.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { useApi } from '../components/use-api.js';
import { MemberForm } from '../members/member-form.js';
import { may, type Role } from '../session.js';

interface MembersAnswer {
  readonly members: readonly { readonly name: string; readonly role: Role; readonly createdAt: string }[];
}

/** Members: the people who sign in to the console, each with a role. Only an admin adds or removes them. */
export function MembersPage({ session }: PageProps) {
  const members = useApi<MembersAnswer>('/admin/members');
  const [said, setSaid] = useState('');
  const [error, setError] = useState('');
  const admin = may(session, 'members');
  async function remove(name: string) {
    setError('');
    try {
      await apiSend('DELETE', `/admin/members/${encodeURIComponent(name)}`);
      setSaid(`Removed ${name}.`);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure));
    }
    members.reload();
  }
  return (
    <>
      <h1>Members</h1>
      {!admin && (
        <p class="notice" role="note">
          Only an admin adds or removes members. Your role is {session.member.role.replace('_', ' ')}.
        </p>
      )}
      <p role="status" aria-live="polite" class="muted">
        {said}
      </p>
      {members.error && <ApiProblem error={members.error} what="see the members" />}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {members.data && (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Added</th>
              {admin && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {members.data.members.map((member) => (
              <tr key={member.name}>
                <th scope="row">
                  {member.name}
                  {member.name === session.member.name && <span class="muted"> (you)</span>}
                </th>
                <td>{member.role.replace('_', ' ')}</td>
                <td>{member.createdAt.slice(0, 16).replace('T', ' ')}</td>
                {admin && (
                  <td>
                    <ConfirmButton
                      label="Remove"
                      name={`Remove ${member.name}`}
                      question={`${member.name} can no longer sign in.`}
                      confirm="Remove member"
                      danger
                      onConfirm={() => remove(member.name)}
                    />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {admin && (
        <MemberForm
          onAdded={(name) => {
            setSaid(`Added ${name}.`);
            members.reload();
          }}
        />
      )}
    </>
  );
}
