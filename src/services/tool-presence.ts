import { loadConfig } from '../config/load.js';
import { createLogger } from '../observability/log.js';
import { definitionOf } from '../pinning/tool-fingerprint.js';
import { classifyTool } from '../risk/classify-tool.js';
import type { ToolClass } from '../risk/classification.js';
import { Upstream, type ServerHealth } from '../upstream/upstream.js';

/** Whether a server lists a tool, as the gateway would find out by starting it. */
export type ToolPresence =
  /** Listed, with the tool's class as the gateway would give it (for `categories` and `risks` rules). */
  | { readonly kind: 'listed'; readonly toolClass: ToolClass }
  | { readonly kind: 'not_listed'; readonly tools: number }
  | { readonly kind: 'unavailable'; readonly health: ServerHealth }
  | { readonly kind: 'unchecked'; readonly why: string };

/**
 * Starts the one server `serverId` of the config in `file` as the gateway would, lists its tools and closes it,
 * to tell whether `tool` exists: a policy may allow a tool no server has, and the gateway then answers
 * "Unknown tool". Only that server is started.
 */
export async function findTool(file: string, serverId: string, tool: string): Promise<ToolPresence> {
  let config;
  try {
    config = loadConfig(file);
  } catch (error) {
    return { kind: 'unchecked', why: `the config cannot be loaded whole: ${(error as Error).message}` };
  }
  const server = config.servers.find((entry) => entry.id === serverId);
  if (!server) return { kind: 'unchecked', why: `server "${serverId}" is disabled` };
  const upstream = new Upstream(
    server,
    { catalogChanged: () => undefined, notification: () => undefined },
    createLogger('silent'),
  );
  try {
    upstream.start();
    await upstream.settled();
    if (upstream.state !== 'up') return { kind: 'unavailable', health: upstream.health() };
    const tools = upstream.catalog.tools;
    const listed = tools.find((item) => item.name === tool);
    if (!listed) return { kind: 'not_listed', tools: tools.length };
    const { instructions } = upstream;
    const { category, risk } = classifyTool(definitionOf(listed), instructions === undefined ? {} : { instructions });
    return { kind: 'listed', toolClass: { category, risk } };
  } finally {
    await upstream.close();
  }
}
