import type { Route } from '../catalog/aggregate.js';
import { outcomeOf } from '../errors.js';
import type { Reservation } from '../limits/limit-store.js';
import type { RawResult } from '../raw-result.js';
import type { CallContext } from './call-context.js';
import type { PipelineDeps } from './pipeline-deps.js';

/**
 * forward: sends the call to its server, timing it as the server's. A reservation is committed once the call
 * ran, or may have; it is given back only when the server certainly never received the call (the catalogue's
 * `quota` for the error).
 */
export async function forwardCall(
  call: CallContext,
  route: Route,
  method: string,
  params: Record<string, unknown>,
  deps: PipelineDeps,
  reservation?: Reservation,
): Promise<RawResult> {
  const { caller, options } = call.request;
  try {
    const result = await call.timeServer(() => deps.upstreams.forward(caller, route.serverId, method, params, options));
    if (reservation) closeReservation(deps, reservation, 'commit');
    return result;
  } catch (error) {
    if (reservation)
      closeReservation(deps, reservation, outcomeOf(error, options.signal).quota === 'release' ? 'release' : 'commit');
    throw error;
  }
}

/**
 * Commits or releases a reservation without waiting: the call's answer does not depend on it, and a store that
 * fails to record it is logged, not made the agent's problem.
 */
export function closeReservation(deps: PipelineDeps, reservation: Reservation, how: 'commit' | 'release'): void {
  if (reservation.charges.length === 0) return;
  deps.limits[how](reservation).catch((error: unknown) =>
    deps.log.error({ err: error instanceof Error ? error.message : String(error), how }, 'counter store failed'),
  );
}
