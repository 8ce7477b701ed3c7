import { prettyArguments, riskOf } from './approval-view.js';
import type { Approval } from './approvals-api.js';

/** Decided and expired approvals, most recent first: who decided what, when, and why. */
export function ApprovalHistory({
  approvals,
  tools,
}: {
  approvals: readonly Approval[];
  tools: readonly { readonly server: string; readonly tool: string; readonly risk: string }[];
}) {
  if (approvals.length === 0) return <p>No decided approvals yet.</p>;
  return (
    <table>
      <caption class="visually-hidden">Decided approvals, most recent first</caption>
      <thead>
        <tr>
          <th scope="col">Status</th>
          <th scope="col">Grant</th>
          <th scope="col">Call</th>
          <th scope="col">Decided by</th>
          <th scope="col">Reason</th>
          <th scope="col">When</th>
        </tr>
      </thead>
      <tbody>
        {approvals.map((approval) => {
          const risk = riskOf(tools, approval.serverId, approval.tool);
          const when = approval.decidedAt ?? approval.expiresAt;
          return (
            <tr key={approval.id}>
              <td>
                <span class={`badge status-${approval.status}`}>{approval.status}</span>
              </td>
              <td>{approval.grantLabel ?? 'local caller'}</td>
              <td>
                {approval.serverId} · {approval.tool}{' '}
                {risk !== undefined && <span class={`badge risk-${risk}`}>{risk}</span>}
                <details>
                  <summary>Arguments</summary>
                  <pre class="arguments">{prettyArguments(approval.arguments)}</pre>
                </details>
              </td>
              <td>{approval.decidedBy ?? ''}</td>
              <td>{approval.decisionReason ?? ''}</td>
              <td>
                <time dateTime={new Date(when).toISOString()}>{new Date(when).toLocaleString()}</time>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
