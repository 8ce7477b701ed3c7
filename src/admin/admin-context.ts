import type { Clock } from '../clock.js';
import type { Services } from '../services/services.js';
import type { ServerHealth } from '../upstream/upstream.js';

/** What the admin API's routes serve from. */
export interface AdminContext {
  readonly services: Services;
  readonly clock: Clock;
  /** Each server's state (the running gateway's). */
  readonly servers: () => readonly ServerHealth[];
  /** How clients reach this gateway: for the snippets shown with a new grant's token. */
  readonly clients: ClientAccess;
}

export interface ClientAccess {
  /** The MCP endpoint's URL, as clients on this machine reach it (known once it listens). */
  readonly mcpUrl: () => string;
  /** The command line that serves this gateway's config on stdio as a grant (for clients that launch one). */
  readonly stdioCommand: (grant: string) => readonly string[];
}
