import type { Decision } from '../policy/decide.js';
import type { AuditDecision } from './audit-record.js';

/** The audit trail's word for a policy decision (shadow mode's is `allow`; `shadowed` says the rest). */
export function auditDecisionOf(decision: Decision): AuditDecision {
  switch (decision.effect) {
    case 'allow':
      return 'allow';
    case 'hide':
      return 'hide';
    case 'require_approval':
      return 'require_approval';
    case 'deny':
      return decision.cause === 'limit' ? 'rate_limited' : 'deny';
  }
}
