import type { PathIssue } from '../json/file-issue.js';
import type { JsonPath } from '../json/json-path.js';

/**
 * Variable references in configuration strings: `${env:NAME}`, and `${NAME}` as Claude Code
 * writes it, are replaced by the variable's value; `$${` stands for a literal `${`.
 *
 * Problems are described by the variable's name only: values are often secrets, and messages
 * end up in terminals and logs.
 */

const REFERENCE_BODY = /^(?:env:)?([A-Za-z_][A-Za-z0-9_]*)$/;

const MALFORMED =
  'malformed variable reference; expected ${env:NAME} or ${NAME}, NAME being letters, digits and "_" (write $${ for a literal ${)';

interface Expansion {
  readonly value: string;
  /** Empty when every reference could be expanded. */
  readonly problems: readonly string[];
}

/** Expands the references in one string, reporting each unset variable once. */
function expandVariables(text: string, env: NodeJS.ProcessEnv): Expansion {
  let value = '';
  const problems = new Set<string>();
  for (let i = 0; i < text.length;) {
    if (text.startsWith('$${', i)) {
      value += '${';
      i += 3;
    } else if (text.startsWith('${', i)) {
      const end = text.indexOf('}', i + 2);
      const name = end === -1 ? undefined : REFERENCE_BODY.exec(text.slice(i + 2, end))?.[1];
      if (name === undefined) {
        // Where a malformed reference ends is a guess, so nothing after it is worth reporting.
        problems.add(MALFORMED);
        break;
      }
      const variable = env[name];
      // typeof, not `!== undefined`: a plain object passed as env has inherited members such as toString.
      if (typeof variable === 'string') value += variable;
      else problems.add(`environment variable "${name}" is not set`);
      i = end + 1;
    } else {
      value += text[i];
      i += 1;
    }
  }
  return { value, problems: [...problems] };
}

/**
 * Expands references where the file allows them: in every enabled server's `command`, `url`,
 * `args`, and the values of `env` and `headers`. Disabled servers are left alone, so that a
 * server can be switched off precisely because its variables are not available.
 *
 * Works on the value before validation, so it must tolerate any shape: what is not a string
 * where one is expected is left as it is for the schema to report. Returns a copy.
 */
export function expandServerVariables(
  config: unknown,
  env: NodeJS.ProcessEnv,
): { value: unknown; issues: PathIssue[] } {
  const issues: PathIssue[] = [];
  if (!isRecord(config) || !isRecord(config.mcpServers)) return { value: config, issues };

  const expand = (text: unknown, path: JsonPath): unknown => {
    if (typeof text !== 'string') return text;
    const { value, problems } = expandVariables(text, env);
    for (const message of problems) issues.push({ path, message });
    return value;
  };

  const servers: Record<string, unknown> = { ...config.mcpServers };
  for (const [id, entry] of Object.entries(servers)) {
    if (!isRecord(entry) || entry.disabled === true) continue;
    const at = ['mcpServers', id];
    const server: Record<string, unknown> = { ...entry };
    for (const key of ['command', 'url']) {
      if (key in server) server[key] = expand(server[key], [...at, key]);
    }
    if (Array.isArray(server.args)) {
      server.args = server.args.map((arg: unknown, index) => expand(arg, [...at, 'args', index]));
    }
    for (const key of ['env', 'headers']) {
      const map = server[key];
      if (isRecord(map)) {
        server[key] = Object.fromEntries(
          Object.entries(map).map(([name, text]) => [name, expand(text, [...at, key, name])]),
        );
      }
    }
    servers[id] = server;
  }
  const value: Record<string, unknown> = { ...config, mcpServers: servers };
  // Secrets of the gateway itself: the admin credential, the session keys and the webhook's signing key and headers.
  if (isRecord(config.admin) && config.admin.token !== undefined) {
    value.admin = { ...config.admin, token: expand(config.admin.token, ['admin', 'token']) };
  }
  if (isRecord(config.listen) && Array.isArray(config.listen.sessionKeys)) {
    const keys = config.listen.sessionKeys.map((key: unknown, index) => expand(key, ['listen', 'sessionKeys', index]));
    value.listen = { ...config.listen, sessionKeys: keys };
  }
  if (isRecord(config.approvals) && isRecord(config.approvals.webhook)) {
    const webhook: Record<string, unknown> = { ...config.approvals.webhook };
    const at = ['approvals', 'webhook'];
    for (const key of ['url', 'secret']) if (key in webhook) webhook[key] = expand(webhook[key], [...at, key]);
    if (isRecord(webhook.headers)) {
      webhook.headers = Object.fromEntries(
        Object.entries(webhook.headers).map(([name, text]) => [name, expand(text, [...at, 'headers', name])]),
      );
    }
    value.approvals = { ...config.approvals, webhook };
  }
  if (config.state !== undefined) {
    const state = expandStateVariables(config.state, env);
    value.state = state.value;
    issues.push(...state.issues);
  }
  return { value, issues };
}

/**
 * The `state` section with its servers' URLs expanded: they hold the databases' passwords. Every command reads
 * them (the CLI's commands act on the same stores as the gateway), so they are expanded for the outline too.
 */
export function expandStateVariables(state: unknown, env: NodeJS.ProcessEnv): { value: unknown; issues: PathIssue[] } {
  const issues: PathIssue[] = [];
  if (!isRecord(state)) return { value: state, issues };
  const value: Record<string, unknown> = { ...state };
  for (const store of ['postgres', 'redis']) {
    const section = state[store];
    if (!isRecord(section) || typeof section.url !== 'string') continue;
    const expanded = expandVariables(section.url, env);
    for (const message of expanded.problems) issues.push({ path: ['state', store, 'url'], message });
    value[store] = { ...section, url: expanded.value };
  }
  return { value, issues };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
