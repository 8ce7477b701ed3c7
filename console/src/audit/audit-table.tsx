import { isOperatorRecord, whoOf, type AuditJson } from './audit-records.js';

/** A page of records, newest first; each opens its full detail. Operator records name who made the change. */
export function AuditTable({ records, onOpen }: { records: readonly AuditJson[]; onOpen: (id: string) => void }) {
  if (records.length === 0) return <p>No records match.</p>;
  return (
    <table class="audit">
      <caption class="visually-hidden">Audit records, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Who</th>
          <th scope="col">Server</th>
          <th scope="col">Tool</th>
          <th scope="col">Decision</th>
          <th scope="col">Outcome</th>
          <th scope="col">Message</th>
          <th scope="col">
            <span class="visually-hidden">Detail</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {records.map((record) => (
          <tr key={record.decisionId}>
            <td>
              <time dateTime={record.timeIso}>{new Date(record.time).toLocaleString()}</time>
            </td>
            <td>
              {whoOf(record)}
              {isOperatorRecord(record) && <span class="muted small"> (operator)</span>}
            </td>
            <td>{record.serverId ?? ''}</td>
            <td>
              <code>{record.tool}</code>
            </td>
            <td>
              <span class={`badge decision-${record.decision}`}>{record.decision}</span>
              {record.shadowed && <span class="muted small"> (shadow: {record.shadowed.decision})</span>}
            </td>
            <td>{record.outcome}</td>
            <td class="message">{record.message ?? ''}</td>
            <td>
              <button type="button" class="secondary" onClick={() => onOpen(record.decisionId)}>
                Details{' '}
                <span class="visually-hidden">
                  of the {record.tool} record at {record.timeIso}
                </span>
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
