import { isVisible } from '../policy/decide.js';
import type { RawResult } from '../raw-result.js';
import type { Caller } from '../upstream/caller.js';
import type { CatalogKind } from '../upstream/upstream.js';
import type { PipelineDeps } from './pipeline-deps.js';

/** The lists clients page through; each result holds its items under the same name. */
export type ListName = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

/**
 * One page of a list, as the caller may see it: the servers its principal may use, and for tools, what its
 * policy does not hide (tools it denies stay listed, and are refused when called). The caller hears about
 * later changes to the lists it has asked for.
 */
export async function handleList(
  caller: Caller,
  list: ListName,
  cursor: string | undefined,
  deps: PipelineDeps,
): Promise<RawResult> {
  const catalog = await deps.catalog.of(caller);
  if (list !== 'resourceTemplates') deps.sessions.listed(caller, list satisfies CatalogKind);
  if (list !== 'tools') return deps.catalog.page(catalog[list], cursor, list);
  const policy = deps.policies.policyFor(caller.principal);
  const tools = catalog.tools.filter((tool) => {
    const route = catalog.routeTool(tool.name as string);
    return route !== undefined && isVisible(policy, route.serverId, route.name, route.toolClass);
  });
  return deps.catalog.page(tools, cursor, 'tools');
}
