import { GatewayError, outcomeOf, toJsonRpcError } from '../errors.js';
import type { AuditRecord } from '../audit/audit-record.js';
import type { RawResult } from '../raw-result.js';
import { toAuditRecord, type CallContext, type CallEnd } from './call-context.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { refusalResult } from './refusal.js';

/**
 * The pipeline's one exit: the one place an ending becomes what the agent sees (the server's result, a refusal
 * as a tool result with its decision id, or a JSON-RPC error with it), and where the audit record and the log
 * line are made, once, whichever way the call ended.
 */
export async function endCall(call: CallContext, deps: PipelineDeps, run: Promise<RawResult>): Promise<RawResult> {
  let end: CallEnd = { outcome: 'gateway_error' };
  try {
    const result = await run;
    end = { outcome: result.isError === true ? 'tool_error' : 'ok' };
    // The server's answer goes back untouched; its record is found by the client's request id and session.
    return result;
  } catch (error) {
    const outcome = outcomeOf(error, call.request.options.signal);
    // A refusal the policy made is recorded with the policy's message; any other, with what the agent was told.
    end =
      outcome.audit !== 'refused'
        ? { outcome: outcome.audit, error: messageOf(error) }
        : call.decision === undefined
          ? { outcome: 'refused', error: messageOf(error) }
          : { outcome: 'refused' };
    if (outcome.surface === 'tool-result' && error instanceof GatewayError) {
      return refusalResult(error, call.decisionId);
    }
    throw toJsonRpcError(error, call.decisionId);
  } finally {
    const record = toAuditRecord(call, end, deps.auditSettings, deps.bounds);
    logCall(deps, record);
    await recordCall(deps, record);
  }
}

/**
 * Writes the call's audit record; with `audit.acknowledge: "stored"`, the answer waits until it is stored (a
 * replica killed after answering has lost no record its client was told about). When the store fails, the sink
 * has reported it and keeps the record for its next attempt; the answer goes back all the same, the call having
 * run.
 */
async function recordCall(deps: PipelineDeps, record: AuditRecord): Promise<void> {
  if (deps.auditSettings.acknowledge === 'stored' && deps.audit.writeStored) await deps.audit.writeStored(record);
  else deps.audit.write(record);
}

/** The call's log line: the audit record's own words, without arguments (they may hold secrets). */
function logCall(deps: PipelineDeps, record: AuditRecord): void {
  deps.log.info(
    {
      decisionId: record.decisionId,
      grantLabel: record.grantLabel,
      session: record.session,
      method: record.method,
      serverId: record.serverId,
      tool: record.tool,
      decision: record.decision,
      rule: record.rule,
      policyRevision: record.policyRevision,
      ...(record.shadowed ? { shadowed: record.shadowed } : {}),
      outcome: record.outcome,
    },
    'call',
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
