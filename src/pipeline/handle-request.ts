import type { Route } from '../catalog/aggregate.js';
import type { RawResult } from '../raw-result.js';
import type { CallContext, CallRequest } from './call-context.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { forwardCall } from './forward.js';
import { runCall } from './run-call.js';

/**
 * `prompts/get`, `resources/read` and `completion/complete`: the steps of a tool call that apply to them.
 * resolve (among the servers the principal may use: the others do not exist for it) → forward → audit.
 * Policies decide tools only, so nothing is decided, held or limited; the audit record says `allow`.
 */
export function handleRequest(request: CallRequest, deps: PipelineDeps): Promise<RawResult> {
  return runCall(request, deps, (call) => runRequest(call, deps));
}

async function runRequest(call: CallContext, deps: PipelineDeps): Promise<RawResult> {
  const route = await resolve(call, deps);
  return forwardCall(call, route, call.request.method, forwardedParams(call, route), deps);
}

async function resolve(call: CallContext, deps: PipelineDeps): Promise<Route> {
  const { caller, params } = call.request;
  try {
    switch (call.request.method) {
      case 'prompts/get':
        call.route = await deps.catalog.routePrompt(caller, params.name);
        break;
      case 'resources/read':
        call.route = await deps.catalog.routeResource(caller, params.uri);
        break;
      default:
        call.route = await deps.catalog.routeCompletion(caller, (params.ref ?? {}) as Record<string, unknown>);
    }
    return call.route;
  } catch (error) {
    call.unknown = true;
    throw error;
  }
}

/** The params as the server knows them: a prompt under its own name, not the gateway's namespaced one. */
function forwardedParams(call: CallContext, route: Route): Record<string, unknown> {
  const { method, params } = call.request;
  if (method === 'prompts/get') return { ...params, name: route.name };
  const ref = params.ref as Record<string, unknown> | undefined;
  if (method === 'completion/complete' && ref?.type === 'ref/prompt')
    return { ...params, ref: { ...ref, name: route.name } };
  return params;
}
