/**
 * Tells this process that an approval was settled (approved, denied or expired) somewhere else on its store: by
 * another gateway replica, or by the CLI. Optional: without one, an ApprovalQueue sees such verdicts at its next
 * look at the store. A signal may miss some (while its connection is down, say), so the queue keeps looking too;
 * the signal only makes the common case immediate. Implementation: PostgresApprovalSignal (LISTEN/NOTIFY).
 */
export interface ApprovalSignal {
  /** Calls `onSettled` with the id of each approval settled from now on, until the returned function is called. */
  subscribe(onSettled: (approvalId: string) => void): () => void;
}
