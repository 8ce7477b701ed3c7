import { useMemo, useState } from 'preact/hooks';
import type { PageProps } from '../app.js';
import { ApiProblem } from '../components/api-problem.js';
import { Field } from '../components/field.js';
import { useApi } from '../components/use-api.js';
import type { GrantsAnswer } from '../grants/grant-view.js';
import type { ServersAnswer } from '../servers/server-health.js';
import { ServerList } from '../servers/server-list.js';
import { facetsOf, filterTools, indexTools, NO_FILTER, type ToolFilter } from '../tools/tool-filter.js';
import { ToolFilters } from '../tools/tool-filters.js';
import type { ToolsAnswer } from '../tools/tool-row.js';
import { ToolsTable } from '../tools/tools-table.js';

/** How often the servers' states are asked again: a server that starts or fails shows up without a reload. */
const SERVERS_POLL_MS = 5000;

/**
 * Servers and tools: each server's state, then every tool with its class and what a grant's policy does with it.
 * The search and filters work on the rows in memory; only a change of grant asks the gateway again.
 */
export function ServersPage(_props: PageProps) {
  const [grant, setGrant] = useState('');
  const [filter, setFilter] = useState<ToolFilter>(NO_FILTER);
  const servers = useApi<ServersAnswer>('/admin/servers', {}, SERVERS_POLL_MS);
  const tools = useApi<ToolsAnswer>('/admin/tools', { grant });
  const grants = useApi<GrantsAnswer>('/admin/grants');
  const indexed = useMemo(() => indexTools(tools.data?.tools ?? []), [tools.data]);
  const facets = useMemo(() => facetsOf(tools.data?.tools ?? []), [tools.data]);
  const shown = useMemo(() => filterTools(indexed, filter), [indexed, filter]);
  return (
    <>
      <h1>Servers and tools</h1>
      {servers.error && <ApiProblem error={servers.error} what="read the servers" />}
      {servers.data && <ServerList servers={servers.data.servers} unlisted={tools.data?.unlisted ?? []} />}
      <section aria-labelledby="tools-heading">
        <h2 id="tools-heading">Tools</h2>
        <div class="filters">
          <Field label="Policy of">
            {(id) => (
              <select id={id} value={grant} onChange={(event) => setGrant(event.currentTarget.value)}>
                <option value="">Local caller (no grant)</option>
                {(grants.data?.grants ?? [])
                  .filter((each) => each.status === 'active')
                  .map((each) => (
                    <option key={each.id} value={each.label}>
                      Grant “{each.label}”
                    </option>
                  ))}
              </select>
            )}
          </Field>
        </div>
        <ToolFilters filter={filter} facets={facets} onChange={setFilter} />
        {tools.error && <ApiProblem error={tools.error} what="read the tools" />}
        <p class="muted" role="status" aria-live="polite">
          {tools.data === undefined
            ? 'Loading tools…'
            : `Showing ${shown.length} of ${tools.data.tools.length} tools${tools.loading ? ' (updating…)' : ''}`}
        </p>
        {shown.length > 0 && <ToolsTable rows={shown} />}
      </section>
    </>
  );
}
