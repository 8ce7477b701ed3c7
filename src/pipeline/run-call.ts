import type { RawResult } from '../raw-result.js';
import { CallContext, type CallRequest } from './call-context.js';
import { endCall } from './end-call.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { checkBounds } from './request-bounds.js';

/**
 * The one way through the pipeline for a request that names one server's tool, prompt, resource or completion,
 * whatever its route: its bounds are checked before any step reads it, then the route's steps run, and endCall
 * ends the call whichever way it ends.
 */
export function runCall(
  request: CallRequest,
  deps: PipelineDeps,
  steps: (call: CallContext) => Promise<RawResult>,
): Promise<RawResult> {
  const call = new CallContext(request, deps.clock);
  return endCall(call, deps, runBounded(call, deps, steps));
}

async function runBounded(
  call: CallContext,
  deps: PipelineDeps,
  steps: (call: CallContext) => Promise<RawResult>,
): Promise<RawResult> {
  checkBounds(call.request, deps.bounds);
  return steps(call);
}
