import { userInfo } from 'node:os';
import type { OperatorChange } from '../services/operator-log.js';
import type { Services } from '../services/services.js';

/** Who acts from the command line, as the audit trail and approvals record it: `cli:<name>`. */
export function cliActor(as?: string): string {
  return `cli:${as ?? userInfo().username}`;
}

/** Writes a change made from the command line to the audit trail, as the console's are (`toolgate/operator`). */
export function recordCliChange(
  services: Services,
  change: {
    readonly action: OperatorChange['action'];
    readonly target: string;
    readonly what: string;
    readonly as?: string;
  },
): Promise<void> {
  const actor = cliActor(change.as);
  return services.operators.record({
    actor,
    action: change.action,
    target: change.target,
    message: `${actor} ${change.what}`,
  });
}
