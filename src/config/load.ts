import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ConfigIssue, PathIssue } from '../json/file-issue.js';
import { ConfigError } from './config-error.js';
import { normaliseConfig, type ConfigOutline, type GatewayConfig } from './gateway-config.js';
import { JsonDocument, type TextIssue } from '../json/json-document.js';
import { formatJsonPath } from '../json/json-path.js';
import { configSchema, type ValidatedConfigFile } from './schema.js';
import { plainMessage } from '../json/schema-issues.js';
import { configPathIssues } from './schema-issues.js';
import { expandServerVariables, expandStateVariables } from './variables.js';

export { ConfigError } from './config-error.js';
export { formatConfigIssue, type ConfigIssue } from '../json/file-issue.js';
export type { ConfigOutline, GatewayConfig, HttpServerConfig, ServerConfig } from './gateway-config.js';
import { readFailure } from '../json/read-failure.js';

/** Looked for in the working directory when no file is named. */
export const DEFAULT_CONFIG_FILE = 'toolgate.json';

/**
 * Reads, validates and normalises a configuration file.
 * @param env where `${env:NAME}` references are looked up.
 * @throws ConfigError listing every problem found, or naming the file when it cannot be read.
 */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return parseConfig(readConfigText(file), file, env);
}

function readConfigText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([{ file, path: '$', message: `cannot read the configuration file: ${readFailure(error)}` }]);
  }
}

/**
 * Validates and normalises the text of a configuration file. `file` names it in issues and is
 * the base that relative paths in it are resolved against; it is not read.
 * @throws ConfigError listing every problem found, in file order.
 */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const { document, data } = validateConfig(text, file, env);
  // validateConfig throws unless the whole file, its variables expanded, is valid.
  return normaliseConfig(data!, normaliseOptions(file, document));
}

/**
 * The settings of a configuration file that hold no variables, for the commands that use nothing else (grants,
 * approvals, audit, policy), and the stores' URLs. Only those URLs are expanded from `env`: any other value
 * holding a `${env:NAME}` reference is neither expanded nor checked, so that an unset variable the command does
 * not use (the admin token, a server's API key) cannot stop it. Every other part of the file is validated as `loadConfig` does.
 * @throws ConfigError listing every problem found, or naming the file when it cannot be read.
 */
export function loadConfigOutline(file: string, env: NodeJS.ProcessEnv = process.env): ConfigOutline {
  return parseConfigOutline(readConfigText(file), file, env);
}

/** `loadConfigOutline` on the text of a file; `file` names it in issues and is not read. */
export function parseConfigOutline(text: string, file: string, env: NodeJS.ProcessEnv = process.env): ConfigOutline {
  const { document, value } = validateConfig(text, file, null);
  // The stores' URLs are the exception: every command acts on the stores, so their variables are expanded.
  const raw = document.value as Record<string, unknown>;
  const state = expandStateVariables(raw.state, env);
  if (state.issues.length > 0) {
    throw new ConfigError(
      state.issues.map((issue) => ({
        file,
        path: formatJsonPath(issue.path),
        ...document.position(document.offsetOf(issue.path, issue.at)),
        message: issue.message,
      })),
    );
  }
  const sections: Record<string, unknown> = { ...(value as Record<string, unknown>), state: state.value };
  const servers = sections.mcpServers as Record<string, { disabled?: boolean }>;
  // Only the sections that cannot hold variables are normalised; the servers are known by their ids alone.
  // The session keys are secrets no command but start needs, and may hold variables: left out of the outline.
  const { sessionKeys: _keys, ...listen } = (sections.listen ?? {}) as Record<string, unknown>;
  const parsed = configSchema.parse({
    listen,
    state: sections.state,
    namespacing: sections.namespacing,
    pinning: sections.pinning,
    policy: sections.policy,
    mcpServers: {},
  });
  const config = normaliseConfig(parsed, normaliseOptions(file, document));
  const serverIds = document.keysOf(['mcpServers']).filter((id) => servers[id]?.disabled !== true);
  return outlineOf({ ...config, servers: [] }, serverIds);
}

/** The outline of a configuration already loaded. */
export function outlineOf(
  config: GatewayConfig,
  serverIds: readonly string[] = config.servers.map((server) => server.id),
): ConfigOutline {
  const { file, listen, state, namespacing, policy, pinning } = config;
  return Object.freeze({
    file,
    listen,
    state,
    namespacing,
    policy,
    pinning,
    serverIds: Object.freeze([...serverIds]),
  });
}

/**
 * Parses and validates the text of a configuration file, expanding the variables of `env`; with `env` null,
 * values that hold a variable reference are left unchecked (see loadConfigOutline).
 * @throws ConfigError listing every problem found, in file order.
 */
function validateConfig(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv | null,
): { document: JsonDocument; value: unknown; data: ValidatedConfigFile | undefined } {
  const document = new JsonDocument(text);
  const toConfigIssue = (issue: TextIssue): ConfigIssue => ({
    file,
    path: formatJsonPath(issue.path),
    ...document.position(issue.offset),
    message: issue.message,
  });
  // Validating what the parser recovered from broken JSON would mostly report its guesses.
  if (document.syntaxErrors.length > 0) throw new ConfigError(document.syntaxErrors.map(toConfigIssue));

  // Without an environment every reference is unset, which marks each value that holds one.
  const expanded = expandServerVariables(document.value, env ?? {});
  const result = configSchema.safeParse(expanded.value, { error: plainMessage, reportInput: true });
  // A string whose variable is not set was not expanded; what the schema then says of it is noise.
  const unexpanded = new Set(expanded.issues.map((issue) => formatJsonPath(issue.path)));
  const schemaIssues = result.success
    ? []
    : configPathIssues(result.error.issues).filter((issue) => !unexpanded.has(formatJsonPath(issue.path)));
  const located = (issue: PathIssue): TextIssue => ({ ...issue, offset: document.offsetOf(issue.path, issue.at) });
  const variableIssues = env === null ? [] : expanded.issues;
  const issues = [...document.duplicateKeys(), ...variableIssues.map(located), ...schemaIssues.map(located)];

  if (issues.length > 0 || (!result.success && env !== null)) {
    // Array.prototype.sort is stable, so issues at one place keep the order they were found in.
    throw new ConfigError(issues.sort((a, b) => a.offset - b.offset).map(toConfigIssue));
  }
  return { document, value: expanded.value, data: result.data };
}

function normaliseOptions(file: string, document: JsonDocument) {
  const absolute = path.resolve(file);
  return { file: absolute, baseDir: path.dirname(absolute), serverOrder: document.keysOf(['mcpServers']) };
}

/** The configuration without a file: every default, no servers, state in ./toolgate.db. */
export function defaultConfig(): GatewayConfig {
  return normaliseConfig(configSchema.parse({ mcpServers: {} }), { file: null, baseDir: process.cwd() });
}

/**
 * The file to load: `explicit` when given (whether or not it exists, so that loading it reports
 * it missing), else ./toolgate.json when it exists, else null.
 */
export function resolveConfigPath(explicit?: string): string | null {
  if (explicit !== undefined) return explicit;
  return existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : null;
}
