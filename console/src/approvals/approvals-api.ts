import { apiGet, apiSend } from '../api.js';

/** An approval as the admin API shows it (src/approvals/approval.ts, secrets masked unless revealed). */
export interface Approval {
  readonly id: string;
  readonly status: 'pending' | 'approved' | 'denied' | 'expired';
  readonly grantId: string | null;
  readonly grantLabel: string | null;
  readonly serverId: string;
  readonly tool: string;
  readonly arguments: unknown;
  /** Where the arguments hide a secret, and why. */
  readonly hidden: readonly { readonly path: string; readonly why: string }[];
  readonly rule: string;
  /** The policy's reason for asking. */
  readonly reason: string | null;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly decidedAt: number | null;
  readonly decidedBy: string | null;
  /** The approver's reason. */
  readonly decisionReason: string | null;
  readonly consumedAt: number | null;
}

export const listApprovals = () => apiGet<{ approvals: Approval[] }>('/admin/approvals');
export const revealApproval = (id: string) =>
  apiGet<Approval>(`/admin/approvals/${encodeURIComponent(id)}`, { reveal: 'secrets' });
export const resolveApproval = (id: string, verdict: 'approve' | 'deny', reason: string) =>
  apiSend<Approval>('POST', `/admin/approvals/${encodeURIComponent(id)}/${verdict}`, reason === '' ? {} : { reason });
export const extendApproval = (id: string, seconds: number) =>
  apiSend<Approval>('POST', `/admin/approvals/${encodeURIComponent(id)}/extend`, { seconds });
