import type { PageProps } from '../app.js';
import { ApiProblem } from '../components/api-problem.js';
import { CopyButton } from '../components/copy-button.js';
import { RiskBadge } from '../components/risk-badge.js';
import { useApi } from '../components/use-api.js';
import { EvidenceList } from '../tools/evidence-list.js';
import { effectText, type ToolPageData } from '../tools/tool-row.js';

/** One tool's page (`#/tools/NAME`): what it does, its class and why, the rule to give it, and each grant's verdict. */
export function ToolPage({ params }: PageProps) {
  const name = params[0] ?? '';
  const page = useApi<ToolPageData>(`/admin/tools/${encodeURIComponent(name)}`);
  if (page.error) {
    return (
      <>
        <h1>{name}</h1>
        {page.error.status === 404 ? (
          <p role="alert">No tool is named “{name}”: the server may be down or the tool gone.</p>
        ) : (
          <ApiProblem error={page.error} what="read this tool" />
        )}
        <BackLink />
      </>
    );
  }
  if (!page.data) return <p class="loading">Loading…</p>;
  const tool = page.data;
  const rule = JSON.stringify(tool.recommended.policy, null, 2);
  return (
    <article class="tool-page">
      <BackLink />
      <h1>
        {tool.exposedName} <RiskBadge risk={tool.risk} category={tool.category} />
      </h1>
      <p class="muted">
        Tool <code>{tool.name}</code>
        {tool.title && <> (“{tool.title}”)</>} on server <code>{tool.serverId}</code>
      </p>
      <section aria-labelledby="does">
        <h2 id="does">What it does</h2>
        <p class="does">{tool.does}</p>
      </section>
      {tool.warnings.length > 0 && (
        <section aria-labelledby="warnings" class="notice">
          <h2 id="warnings">Warnings</h2>
          <ul>
            {tool.warnings.map((warning, index) => (
              <li key={index}>
                <strong>{warning.kind.replace(/-/g, ' ')}</strong> in the {warning.source}: <q>{warning.quote}</q> —{' '}
                {warning.finding}
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="why">
        <h2 id="why">Why it needs a policy</h2>
        <p>{tool.whyPolicy}</p>
      </section>
      <section aria-labelledby="evidence">
        <h2 id="evidence">Evidence</h2>
        <EvidenceList evidence={tool.evidence} />
      </section>
      <section aria-labelledby="recommended">
        <h2 id="recommended">Recommended rule</h2>
        <p>{tool.recommended.why}</p>
        <div class="actions">
          <span class="muted">policy.json</span>
          <CopyButton text={rule} label="Copy rule" />
        </div>
        <pre aria-label="Recommended rule (policy.json)">{rule}</pre>
      </section>
      <section aria-labelledby="verdicts">
        <h2 id="verdicts">What each grant gets</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Grant</th>
              <th scope="col">Effect</th>
              <th scope="col">Rule</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {tool.verdicts.map(({ who, verdict }) => (
              <tr key={who}>
                <th scope="row">{who === '(local)' ? 'Local caller (no grant)' : who}</th>
                <td>
                  <span class={`effect effect-${verdict.effect}`}>{effectText(verdict.effect)}</span>
                  {verdict.dependsOnArguments && <span class="muted"> (depends on arguments)</span>}
                  {verdict.shadow && <span class="muted"> (shadow)</span>}
                </td>
                <td>{verdict.rule ? <code>{verdict.rule}</code> : <span class="muted">—</span>}</td>
                <td>{verdict.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </article>
  );
}

function BackLink() {
  return (
    <p>
      <a href="#/servers">← Servers and tools</a>
    </p>
  );
}
