import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, type ConfigIssue, type PathIssue } from './config-error.js';
import { normaliseConfig, type GatewayConfig } from './gateway-config.js';
import { JsonDocument, type TextIssue } from './json-document.js';
import { formatJsonPath } from './json-path.js';
import { configSchema } from './schema.js';
import { pathIssuesFromZod, plainMessage } from './schema-issues.js';
import { expandServerVariables } from './variables.js';

export { ConfigError, formatConfigIssue, type ConfigIssue } from './config-error.js';
export type {
  GatewayConfig,
  HttpServerConfig,
  ListenConfig,
  ServerConfig,
  StdioServerConfig,
} from './gateway-config.js';
import { readFailure } from './read-failure.js';

/** Looked for in the working directory when no file is named. */
export const DEFAULT_CONFIG_FILE = 'toolgate.json';

/**
 * Reads, validates and normalises a configuration file.
 * @param env where `${env:NAME}` references are looked up.
 * @throws ConfigError listing every problem found, or naming the file when it cannot be read.
 */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([{ file, path: '$', message: `cannot read the configuration file: ${readFailure(error)}` }]);
  }
  return parseConfig(text, file, env);
}

/**
 * Validates and normalises the text of a configuration file. `file` names it in issues and is
 * the base that relative paths in it are resolved against; it is not read.
 * @throws ConfigError listing every problem found, in file order.
 */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const document = new JsonDocument(text);
  const toConfigIssue = (issue: TextIssue): ConfigIssue => ({
    file,
    path: formatJsonPath(issue.path),
    ...document.position(issue.offset),
    message: issue.message,
  });
  // Validating what the parser recovered from broken JSON would mostly report its guesses.
  if (document.syntaxErrors.length > 0) throw new ConfigError(document.syntaxErrors.map(toConfigIssue));

  const expanded = expandServerVariables(document.value, env);
  const result = configSchema.safeParse(expanded.value, { error: plainMessage, reportInput: true });
  // A string whose variable is not set was not expanded; what the schema then says of it is noise.
  const unexpanded = new Set(expanded.issues.map((issue) => formatJsonPath(issue.path)));
  const schemaIssues = result.success
    ? []
    : pathIssuesFromZod(result.error.issues).filter((issue) => !unexpanded.has(formatJsonPath(issue.path)));
  const located = (issue: PathIssue): TextIssue => ({ ...issue, offset: document.offsetOf(issue.path, issue.at) });
  const issues = [...document.duplicateKeys(), ...expanded.issues.map(located), ...schemaIssues.map(located)];

  if (issues.length > 0 || !result.success) {
    // Array.prototype.sort is stable, so issues at one place keep the order they were found in.
    throw new ConfigError(issues.sort((a, b) => a.offset - b.offset).map(toConfigIssue));
  }
  const absolute = path.resolve(file);
  return normaliseConfig(result.data, {
    file: absolute,
    baseDir: path.dirname(absolute),
    serverOrder: document.keysOf(['mcpServers']),
  });
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
