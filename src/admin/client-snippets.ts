import type { ClientAccess } from './admin-context.js';

/** What to paste into each client to reach this gateway as a grant: JSON text, one per client. */
export interface ClientSnippets {
  readonly claudeDesktop: string;
  readonly cursor: string;
  readonly vscode: string;
}

/**
 * The client entries for a grant, as the console shows them beside its new token. Claude Desktop launches
 * commands, so it gets `toolgate stdio --grant LABEL` (this gateway's config, no token in its file); Cursor and VS
 * Code speak HTTP to the running gateway with the token. Pure.
 */
export function clientSnippets(access: ClientAccess, grant: string, token: string): ClientSnippets {
  const [command, ...args] = access.stdioCommand(grant);
  const headers = { Authorization: `Bearer ${token}` };
  const text = (value: unknown) => JSON.stringify(value, null, 2);
  return {
    claudeDesktop: text({ mcpServers: { toolgate: { command, args } } }),
    cursor: text({ mcpServers: { toolgate: { url: access.mcpUrl(), headers } } }),
    vscode: text({ servers: { toolgate: { type: 'http', url: access.mcpUrl(), headers } } }),
  };
}
