import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { prettyArguments } from '../approvals/approval-view.js';
import type { Approval } from '../approvals/approvals-api.js';
import { auditRecord } from './audit-api.js';
import { isOperatorRecord, type AuditJson } from './audit-records.js';

/**
 * One record in full, with the approval it was held for, in a modal dialog: the browser's <dialog> keeps focus
 * inside, Escape closes it, and focus returns to the button that opened it.
 */
export function RecordDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [detail, setDetail] = useState<{ record: AuditJson; approval: Approval | null } | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    dialog.current?.showModal();
    auditRecord(id)
      .then(setDetail)
      .catch((failure: unknown) => setError(failure instanceof ApiError ? failure.message : String(failure)));
    return () => opener?.focus();
  }, [id]);
  const record = detail?.record;
  return (
    <dialog ref={dialog} class="record-detail" aria-labelledby="record-detail-title" onClose={onClose}>
      <h2 id="record-detail-title">Record {id}</h2>
      {error !== '' && <p class="error">{error}</p>}
      {detail === null && error === '' && <p class="loading">Loading…</p>}
      {record !== undefined && (
        <dl class="facts">
          <dt>Time</dt>
          <dd>
            <time dateTime={record.timeIso}>{new Date(record.time).toLocaleString()}</time> ({record.timeIso})
          </dd>
          {isOperatorRecord(record) ? (
            <>
              <dt>Operator</dt>
              <dd>{record.actor ?? ''}</dd>
            </>
          ) : (
            <>
              <dt>Grant</dt>
              <dd>
                {record.grantLabel ?? 'local caller'}{' '}
                {record.grantId !== null && <span class="muted small">{record.grantId}</span>}
              </dd>
              <dt>Session</dt>
              <dd>{record.session}</dd>
            </>
          )}
          <dt>Method</dt>
          <dd>{record.method}</dd>
          <dt>Server</dt>
          <dd>{record.serverId ?? ''}</dd>
          <dt>Tool</dt>
          <dd>
            <code>{record.tool}</code>
          </dd>
          <dt>Decision</dt>
          <dd>
            <span class={`badge decision-${record.decision}`}>{record.decision}</span>
            {record.shadowed &&
              ` (shadow mode: enforcement would have decided ${record.shadowed.decision}, rule ${record.shadowed.rule})`}
          </dd>
          <dt>Rule</dt>
          <dd>
            <code>{record.rule === null || record.rule === '' ? '(none)' : record.rule}</code>
          </dd>
          <dt>Message</dt>
          <dd>{record.message ?? ''}</dd>
          <dt>Outcome</dt>
          <dd>{record.outcome}</dd>
          <dt>Policy revision</dt>
          <dd>
            <code>{record.policyRevision ?? ''}</code>
          </dd>
          <dt>Latency</dt>
          <dd>
            gateway {record.gatewayLatencyMs} ms
            {record.serverLatencyMs !== null && `, server ${record.serverLatencyMs} ms`}
          </dd>
          <dt>Argument keys</dt>
          <dd>{record.argumentKeys.join(', ')}</dd>
          {record.arguments !== undefined && (
            <>
              <dt>Arguments</dt>
              <dd>
                <pre class="arguments">{prettyArguments(record.arguments)}</pre>
              </dd>
            </>
          )}
          <dt>Request id</dt>
          <dd>{record.requestId ?? ''}</dd>
        </dl>
      )}
      {detail?.approval && (
        <section aria-labelledby="record-approval-title" class="joined-approval">
          <h3 id="record-approval-title">Approval {detail.approval.id}</h3>
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <span class={`badge status-${detail.approval.status}`}>{detail.approval.status}</span>
            </dd>
            <dt>Decided by</dt>
            <dd>{detail.approval.decidedBy ?? ''}</dd>
            <dt>Approver's reason</dt>
            <dd>{detail.approval.decisionReason ?? ''}</dd>
            <dt>Policy's reason</dt>
            <dd>{detail.approval.reason ?? ''}</dd>
            <dt>Asked</dt>
            <dd>{new Date(detail.approval.createdAt).toLocaleString()}</dd>
            {detail.approval.decidedAt !== null && (
              <>
                <dt>Decided</dt>
                <dd>{new Date(detail.approval.decidedAt).toLocaleString()}</dd>
              </>
            )}
            <dt>Arguments</dt>
            <dd>
              <pre class="arguments">{prettyArguments(detail.approval.arguments)}</pre>
            </dd>
          </dl>
        </section>
      )}
      <form method="dialog">
        <button type="submit">Close</button>
      </form>
    </dialog>
  );
}
