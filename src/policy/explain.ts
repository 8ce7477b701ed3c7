import { formatDuration } from '../limits/limit-refusal.js';
import { RuleSentinel, type Decision, type EnforcedDecision } from './decide.js';

const SENTINEL_MEANING: Record<string, string> = {
  [RuleSentinel.NoPolicy]: 'no policy applies to this client, so every call is refused',
  [RuleSentinel.Hidden]: "the tool is in the policy's hide list",
  [RuleSentinel.DefaultDeny]: 'no rule under "tools" lists this tool, and "default" is "deny"',
};

const CAUSE_TEXT: Record<string, string> = {
  no_policy: 'no policy',
  default_deny: 'default deny',
  action: 'the rule\'s "action"',
  require: 'a "require" condition does not hold',
  deny_if: 'every condition of a "deny_if" entry holds',
  condition_error: 'an argument has a type its condition cannot check',
  invalid_amount: "a spend cap cannot read the call's amount",
  limit: 'a limit is reached',
};

/** How much a counter has counted now, in a window so long: what a limit store's usage() answered. */
export type UsageOf = (counterKey: string, windowMs: number) => number;

/**
 * A decision in words, several lines, for people (`toolgate policy explain`, the admin UI): what happens to
 * the call, which rule decided and what that rule is, what the agent is told, and what the call charges (with
 * each limit's usage now, when `usage` is given).
 */
export function explainDecision(decision: Decision, usage?: UsageOf): string {
  const lines = [
    `Tool:     ${JSON.stringify(decision.tool)}${decision.serverId === '' ? '' : ` on server ${JSON.stringify(decision.serverId)}`}`,
  ];
  if (decision.shadow) {
    lines.push(`Effect:   allow (shadow mode: the policy is not enforced)`);
    lines.push(`Enforced, the policy would decide:`);
    lines.push(...explainEnforced(decision.shadowed, usage).map((line) => `  ${line}`));
  } else {
    lines.push(...explainEnforced(decision, usage));
  }
  lines.push(`Policy:   revision ${decision.policyRevision ?? '(none)'}`);
  return lines.join('\n');
}

function explainEnforced(decision: EnforcedDecision, usage: UsageOf | undefined): string[] {
  const lines: string[] = [];
  switch (decision.effect) {
    case 'allow':
      lines.push('Effect:   allow');
      break;
    case 'deny':
      lines.push(`Effect:   deny (${CAUSE_TEXT[decision.cause] ?? decision.cause})`);
      break;
    case 'hide':
      lines.push('Effect:   hide (not in tools/list; a call is answered as for an unknown tool)');
      break;
    case 'require_approval':
      lines.push('Effect:   require approval (refused until the gateway takes approvals)');
      break;
  }
  lines.push(`Rule:     ${ruleText(decision.rule)}`);
  if (decision.effect !== 'allow') lines.push(`Message:  ${decision.message}`);
  if (decision.effect === 'deny' && decision.cause === 'limit') {
    lines.push(`Counter:  ${decision.counterKey}`);
    lines.push(
      `Retry:    ${decision.retryAfterMs === null ? 'never (the call alone exceeds the limit)' : `in ${formatDuration(decision.retryAfterMs)} (${decision.retryAfterMs} ms)`}`,
    );
  }
  if (decision.effect === 'allow' || decision.effect === 'require_approval') {
    if (decision.charges.length === 0) {
      lines.push('Charges:  nothing (no limit applies)');
    } else {
      lines.push('Charges:');
      for (const charge of decision.charges) {
        const limits = charge.limits.map((limit) => {
          const used = usage === undefined ? '' : `, ${usage(charge.counterKey, limit.windowMs)} used now`;
          return `at most ${limit.max} per ${limit.windowMs / 1000} s${used} (${limit.rule})`;
        });
        lines.push(`  ${charge.amount} on ${charge.counterKey}: ${limits.join('; ')}`);
      }
    }
  }
  return lines;
}

function ruleText(rule: string): string {
  if (rule === '') return '(none: no rule lists this tool, and "default" is "allow")';
  const meaning = SENTINEL_MEANING[rule];
  return meaning === undefined ? rule : `${rule}: ${meaning}`;
}
