import { ConfigError, DEFAULT_CONFIG_FILE, formatConfigIssue, loadConfig, resolveConfigPath } from '../config/load.js';
import { loadPolicy } from '../config/load-policy.js';
import { PolicyError } from '../policy/policy-error.js';

/** Where the command writes: `log` for the verdict, `error` for each problem. */
export interface ConfigCheckOutput {
  log(line: string): void;
  error(line: string): void;
}

/**
 * `toolgate config check [FILE]`: validates FILE (default: ./toolgate.json) as the gateway
 * would load it, environment variables included, and reports every problem, one per line.
 * Prints `ok: <file>: N servers (ids...)` when it is valid; disabled servers are not counted. The policy file
 * the config names (`policy`) is checked too.
 * @returns the exit code: 0 when the file is valid, 1 when it is not or cannot be found.
 */
export function runConfigCheck(file: string | undefined, out: ConfigCheckOutput): number {
  const resolved = resolveConfigPath(file);
  if (resolved === null) {
    out.error(`no configuration file: there is no ${DEFAULT_CONFIG_FILE} in ${process.cwd()}; name the file to check`);
    return 1;
  }
  try {
    const config = loadConfig(resolved);
    // The gateway does not start on a policy it cannot load, so the check loads it too.
    if (config.policy !== null) loadPolicy(config.policy);
    const ids = config.servers.map((server) => server.id);
    const count = `${ids.length} ${ids.length === 1 ? 'server' : 'servers'}`;
    out.log(`ok: ${resolved}: ${count}${ids.length > 0 ? ` (${ids.join(', ')})` : ''}`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError) && !(error instanceof PolicyError)) throw error;
    for (const issue of error.issues) out.error(formatConfigIssue(issue));
    return 1;
  }
}
