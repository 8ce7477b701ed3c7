import { useEffect, useRef } from 'preact/hooks';
import { CopyButton } from '../components/copy-button.js';
import { Tabs } from '../components/tabs.js';

/** What POST /admin/grants and .../rotate answer beside the grant: its token, once, and client configs. */
export interface IssuedToken {
  readonly token: string;
  readonly snippets: { readonly claudeDesktop: Snippet; readonly cursor: Snippet; readonly vscode: Snippet };
}

/** JSON text to paste; an object is shown as JSON. */
type Snippet = string | object;

function snippetText(snippet: Snippet): string {
  return typeof snippet === 'string' ? snippet : JSON.stringify(snippet, null, 2);
}

const CLIENTS = [
  {
    id: 'claudeDesktop',
    title: 'Claude Desktop',
    where: 'claude_desktop_config.json',
    how: 'Claude Desktop starts Toolgate itself as this grant (toolgate stdio --grant), on this machine and with this config: no token goes in its file.',
  },
  {
    id: 'cursor',
    title: 'Cursor',
    where: '~/.cursor/mcp.json or .cursor/mcp.json',
    how: 'Cursor connects to this gateway over HTTP with the token.',
  },
  {
    id: 'vscode',
    title: 'VS Code',
    where: '.vscode/mcp.json',
    how: 'VS Code connects to this gateway over HTTP with the token.',
  },
] as const;

/**
 * A grant's new token, shown this once (the gateway keeps only its hash), with the config each client needs.
 * It takes the focus when it appears, so a screen reader reads the warning first.
 */
export function TokenReveal({ label, issued, onDone }: { label: string; issued: IssuedToken; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [issued.token]);
  return (
    <section class="panel token" aria-labelledby="token-heading">
      <h2 id="token-heading" tabIndex={-1} ref={heading}>
        Token for “{label}”
      </h2>
      <p class="notice" role="note">
        <strong>Shown once.</strong> Copy it now: Toolgate keeps only its hash, so it cannot show it again. Lost, it can
        only be rotated.
      </p>
      <div class="actions">
        <code class="token-value" aria-label="Token">
          {issued.token}
        </code>
        <CopyButton text={issued.token} label="Copy token" />
      </div>
      <h3>Connect a client</h3>
      <Tabs
        label="Client configuration"
        tabs={CLIENTS.map((client) => ({
          id: client.id,
          title: client.title,
          content: (
            <>
              <p class="muted">
                {client.how} Paste into {client.where}.{' '}
                <CopyButton text={snippetText(issued.snippets[client.id])} label={`Copy ${client.title} config`} />
              </p>
              <pre aria-label={`${client.title} configuration`}>{snippetText(issued.snippets[client.id])}</pre>
            </>
          ),
        }))}
      />
      <button type="button" onClick={onDone}>
        I have copied it
      </button>
    </section>
  );
}
