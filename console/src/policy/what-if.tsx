import { useState } from 'preact/hooks';
import { Field } from '../components/field.js';
import { ApiError } from '../api.js';
import type { GrantView } from '../grants/grant-view.js';
import type { ToolRow } from '../tools/tool-row.js';
import { explainCall, type Explanation } from './policy-api.js';

/**
 * "What would happen if": one call (grant, tool, arguments) decided by the draft as it stands, saved or not
 * (POST /admin/policies/explain with the draft's text).
 */
export function WhatIf({
  text,
  tools,
  grants,
}: {
  text: string;
  tools: readonly ToolRow[];
  grants: readonly GrantView[];
}) {
  const [grant, setGrant] = useState('');
  const [toolIndex, setToolIndex] = useState(0);
  const [args, setArgs] = useState('{}');
  const [answer, setAnswer] = useState<Explanation | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  async function ask(event: Event) {
    event.preventDefault();
    setError('');
    setAnswer(null);
    const tool = tools[toolIndex];
    if (tool === undefined) return setError('Choose a tool.');
    let parsed: unknown;
    try {
      parsed = JSON.parse(args);
    } catch {
      return setError('The arguments are not JSON: write an object such as {"path": "/tmp/x"}.');
    }
    setBusy(true);
    try {
      setAnswer(
        await explainCall({
          server: tool.server,
          tool: tool.tool,
          arguments: parsed,
          ...(grant === '' ? {} : { grant }),
          text,
        }),
      );
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="panel" aria-labelledby="what-if-title">
      <h2 id="what-if-title">What would happen if…</h2>
      <p class="muted small">The draft decides, saved or not.</p>
      <form onSubmit={(event) => void ask(event)} class="what-if">
        <div class="filters">
          <Field label="Grant">
            {(id) => (
              <select id={id} value={grant} onChange={(event) => setGrant(event.currentTarget.value)}>
                <option value="">(none: a local caller)</option>
                {grants.map((item) => (
                  <option key={item.id} value={item.label}>
                    {item.label}
                    {item.status === 'revoked' ? ' (revoked)' : ''}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Tool">
            {(id) => (
              <select
                id={id}
                value={String(toolIndex)}
                onChange={(event) => setToolIndex(Number(event.currentTarget.value))}
              >
                {tools.map((tool, index) => (
                  <option key={`${tool.server}:${tool.tool}`} value={String(index)}>
                    {tool.server} · {tool.tool}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <label class="block">
          Arguments (JSON)
          <textarea class="code" rows={4} value={args} onInput={(event) => setArgs(event.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy || tools.length === 0}>
          Ask
        </button>
      </form>
      <div aria-live="polite" class="what-if-answer">
        {error !== '' && <p class="error">{error}</p>}
        {answer !== null && <ExplanationView answer={answer} />}
      </div>
    </section>
  );
}

function ExplanationView({ answer }: { answer: Explanation }) {
  if (answer.kind === 'unknown_tool') return <p>Unknown tool: {answer.why}</p>;
  if (answer.kind === 'unrestricted') return <p>No policy applies: every call is allowed (unrestricted).</p>;
  const { effect, rule, message } = answer.decision;
  return (
    <dl class="facts" data-testid="what-if-answer">
      <dt>Effect</dt>
      <dd>
        <span class={`badge effect-${effect}`}>{effect}</span>
      </dd>
      <dt>Rule</dt>
      <dd>
        <code>{rule === '' ? '(none)' : rule}</code>
      </dd>
      <dt>Message</dt>
      <dd>{message === '' ? <span class="muted">(none)</span> : message}</dd>
    </dl>
  );
}
