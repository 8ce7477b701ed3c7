import { ageOf, type ServerHealth } from './server-health.js';

/** Every server's state, and for one that failed: where, why, and its last stderr lines. */
export function ServerList({
  servers,
  unlisted,
}: {
  servers: readonly ServerHealth[];
  unlisted: readonly { serverId: string; reason: string }[];
}) {
  const now = Date.now();
  const up = servers.filter((server) => server.state === 'up').length;
  return (
    <section aria-labelledby="servers-heading">
      <h2 id="servers-heading">Servers</h2>
      <p class="muted" aria-live="polite">
        {up} of {servers.length} servers up
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Server</th>
            <th scope="col">State</th>
            <th scope="col">Tools</th>
            <th scope="col">Sessions</th>
            <th scope="col">Problems</th>
          </tr>
        </thead>
        <tbody>
          {servers.map((server) => (
            <ServerRow
              key={server.id}
              server={server}
              now={now}
              unlisted={unlisted.find((each) => each.serverId === server.id)?.reason}
            />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function ServerRow({ server, now, unlisted }: { server: ServerHealth; now: number; unlisted: string | undefined }) {
  return (
    <tr data-server={server.id}>
      <th scope="row">{server.id}</th>
      <td>
        <span class={`badge state-${server.state}`}>{server.state}</span>{' '}
        <span class="muted" title={server.since}>
          since {ageOf(server.since, now)}
        </span>
        {server.era && <span class="muted"> · {server.era}</span>}
      </td>
      <td>{server.tools ?? '—'}</td>
      <td>{server.sessions}</td>
      <td>
        {server.error && (
          <p class="error">
            {server.step === 'start' ? 'Failed to start: ' : server.step === 'connection' ? 'Connection lost: ' : ''}
            {server.error}
          </p>
        )}
        {server.lists?.map((failure) => (
          <p key={failure.method} class="muted">
            {failure.method} did not answer: {failure.error}
          </p>
        ))}
        {unlisted && <p class="muted">Tools not listed: {unlisted}</p>}
        {server.stderr && server.stderr.length > 0 && (
          <details>
            <summary>
              Last {server.stderr.length} stderr {server.stderr.length === 1 ? 'line' : 'lines'}
            </summary>
            <pre class="stderr">{server.stderr.join('\n')}</pre>
          </details>
        )}
      </td>
    </tr>
  );
}
