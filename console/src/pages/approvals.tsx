import { useRef, useState } from 'preact/hooks';
import type { PageProps } from '../app.js';
import { ApiError } from '../api.js';
import { may } from '../session.js';
import { ApprovalCard } from '../approvals/approval-card.js';
import { ApprovalHistory } from '../approvals/approval-history.js';
import { announcement, newlyPending, PRESET_REASONS, riskOf, splitApprovals } from '../approvals/approval-view.js';
import { listApprovals, resolveApproval, type Approval } from '../approvals/approvals-api.js';
import { useNow, usePolling } from '../approvals/use-polling.js';
import { Tabs } from '../components/tabs.js';
import { listTools } from '../policy/policy-api.js';
import type { ToolRow } from '../tools/tool-row.js';

/** Approvals are asked for by the second: the list is read again this often. */
const POLL_MS = 2000;

/**
 * Calls held for a person's approval, live: pending ones with everything an approver needs to decide (and, for
 * approvers, the buttons to), several at once if need be; and the history of decided ones.
 */
export function ApprovalsPage({ session }: PageProps) {
  const canAct = may(session, 'approve');
  const [approvals, setApprovals] = useState<Approval[] | null>(null);
  const [tools, setTools] = useState<readonly ToolRow[]>([]);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [bulkReason, setBulkReason] = useState('');
  const [news, setNews] = useState('');
  const [error, setError] = useState('');
  const seen = useRef<Set<string> | null>(null);
  const now = useNow();

  usePolling(async () => {
    try {
      const { approvals: list } = await listApprovals();
      // The first read only learns what is there; later reads announce what arrived since.
      if (seen.current !== null) {
        const text = announcement(newlyPending(seen.current, list));
        if (text !== '') setNews(text);
      }
      seen.current = new Set(list.filter((item) => item.status === 'pending').map((item) => item.id));
      setApprovals(list);
      setError('');
      // A selection keeps only calls still pending.
      setSelected((current) => new Set([...current].filter((id) => seen.current!.has(id))));
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure));
    }
  }, POLL_MS);
  usePolling(async () => setTools((await listTools()).tools), 60_000);

  const { pending, history } = splitApprovals(approvals ?? []);
  function replace(updated: Approval) {
    setApprovals((list) => (list ?? []).map((item) => (item.id === updated.id ? updated : item)));
  }
  function resolved(updated: Approval, message: string) {
    // Focus goes to the next pending call (or the list's heading), not to the top of the page.
    const index = pending.findIndex((item) => item.id === updated.id);
    const next = pending[index + 1] ?? pending[index - 1];
    replace(updated);
    setNews(message);
    setTimeout(() => {
      const target = next === undefined ? null : document.getElementById(`approval-${next.id}`);
      (target ?? document.getElementById('approvals-title'))?.focus();
    }, 0);
  }
  async function resolveSelected(verdict: 'approve' | 'deny') {
    const ids = pending.filter((item) => selected.has(item.id)).map((item) => item.id);
    const failures: string[] = [];
    for (const id of ids) {
      try {
        replace(await resolveApproval(id, verdict, bulkReason));
      } catch (failure) {
        failures.push(`${id}: ${failure instanceof ApiError ? failure.message : String(failure)}`);
      }
    }
    setSelected(new Set());
    const done = ids.length - failures.length;
    setNews(
      `${verdict === 'approve' ? 'Approved' : 'Denied'} ${done} call${done === 1 ? '' : 's'}.` +
        (failures.length > 0 ? ` ${failures.length} could not be: ${failures.join('; ')}` : ''),
    );
  }

  return (
    <>
      <h1 id="approvals-title" tabIndex={-1}>
        Approvals
      </h1>
      <p aria-live="polite" role="status" class="status">
        {news}
      </p>
      {error !== '' && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {approvals === null ? (
        <p class="loading">Loading…</p>
      ) : (
        <Tabs
          label="Approvals"
          tabs={[
            {
              id: 'pending',
              title: `Pending (${pending.length})`,
              content: (
                <>
                  {pending.length === 0 && <p>No calls are waiting for approval.</p>}
                  {canAct && pending.length > 0 && (
                    <div class="filters bulk" role="group" aria-label="Several at once">
                      <label class="checkbox">
                        <input
                          type="checkbox"
                          checked={pending.length > 0 && pending.every((item) => selected.has(item.id))}
                          onChange={(event) =>
                            setSelected(new Set(event.currentTarget.checked ? pending.map((item) => item.id) : []))
                          }
                        />
                        Select all ({pending.length})
                      </label>
                      <label>
                        Reason for the selected
                        <input
                          class="wide"
                          list="preset-reasons"
                          value={bulkReason}
                          onInput={(event) => setBulkReason(event.currentTarget.value)}
                        />
                      </label>
                      <datalist id="preset-reasons">
                        {PRESET_REASONS.map((preset) => (
                          <option key={preset} value={preset} />
                        ))}
                      </datalist>
                      <button
                        type="button"
                        disabled={selected.size === 0}
                        onClick={() => void resolveSelected('approve')}
                      >
                        Approve selected ({selected.size})
                      </button>
                      <button
                        type="button"
                        class="danger"
                        disabled={selected.size === 0}
                        onClick={() => void resolveSelected('deny')}
                      >
                        Deny selected ({selected.size})
                      </button>
                    </div>
                  )}
                  {pending.map((approval) => (
                    <ApprovalCard
                      key={approval.id}
                      approval={approval}
                      risk={riskOf(tools, approval.serverId, approval.tool)}
                      now={now}
                      canAct={canAct}
                      selected={selected.has(approval.id)}
                      onSelect={(on) =>
                        setSelected((current) => {
                          const next = new Set(current);
                          if (on) next.add(approval.id);
                          else next.delete(approval.id);
                          return next;
                        })
                      }
                      onChanged={replace}
                      onResolved={resolved}
                    />
                  ))}
                </>
              ),
            },
            { id: 'history', title: 'History', content: <ApprovalHistory approvals={history} tools={tools} /> },
          ]}
        />
      )}
    </>
  );
}
