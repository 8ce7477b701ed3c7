import { homedir } from 'node:os';
import { basename, dirname } from 'node:path';
import {
  applyEdits,
  findNodeAtLocation,
  getLocation,
  getNodeValue,
  modify,
  parseTree,
  printParseErrorCode,
  type ParseError,
} from 'jsonc-parser';
import { SERVER_TYPES } from '../config/schema.js';
import { syntaxMessage } from '../json/json-document.js';
import { formatJsonPath, type JsonPath } from '../json/json-path.js';

/** The MCP clients whose config files `toolgate import` reads. */
export const CLIENT_KINDS = ['claude-desktop', 'cursor', 'vscode'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

/** A client config file that cannot be read or understood. */
export class ClientConfigError extends Error {
  override readonly name = 'ClientConfigError';

  /** `without_servers`: valid JSON with no servers map at all, as a client's settings file may well be. */
  constructor(
    message: string,
    readonly reason: 'invalid' | 'without_servers' = 'invalid',
  ) {
    super(message);
  }
}

/** An MCP client's config file, as read. */
export interface ClientConfig {
  readonly file: string;
  readonly text: string;
  /** undefined when the file has an `mcpServers` map but its name does not tell which client it belongs to. */
  readonly kind: ClientKind | undefined;
  /** `servers` in VS Code's files, `mcpServers` in the others. */
  readonly serversKey: 'mcpServers' | 'servers';
  /** The server entries, in file order. */
  readonly servers: readonly (readonly [id: string, entry: unknown])[];
  /** Folder that `${workspaceFolder}` stands for: the one holding `.vscode/` or `.cursor/`; null elsewhere. */
  readonly workspace: string | null;
}

/** A server entry Toolgate can take, in the shape of toolgate.json's `mcpServers`. */
export interface ConvertedServer {
  readonly entry: Record<string, unknown>;
  /** What was left behind, for the user to see. */
  readonly notes: readonly string[];
}

const FORMATTING = { formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' } } as const;

/** The keys of a server entry that mean the same in toolgate.json; the others are reported, not copied. */
const COPIED_KEYS = ['type', 'command', 'args', 'env', 'cwd', 'url', 'headers', 'disabled'];

/**
 * Reads a Claude Desktop (`claude_desktop_config.json`, `mcpServers`), Cursor (`mcp.json`, `mcpServers`) or
 * VS Code (`mcp.json`, `servers`) config. VS Code and Cursor accept comments and trailing commas, so they are
 * accepted here too. `kind` overrides what the file's name and content say.
 * @throws ClientConfigError naming the file, and the line, column and JSON path of what is wrong.
 */
export function parseClientConfig(text: string, file: string, kind?: ClientKind): ClientConfig {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const at = (offset: number, path: JsonPath, message: string) => {
    const { line, column } = positionOf(text, offset);
    return new ClientConfigError(`${file}:${line}:${column}: ${formatJsonPath(path)}: ${message}`);
  };
  if (errors.length > 0 || root === undefined) {
    const offset = errors[0]?.offset ?? 0;
    const path = getLocation(text, offset).path.filter((segment) => segment !== '');
    throw at(
      offset,
      path,
      errors[0] === undefined ? 'the file is empty' : syntaxMessage(printParseErrorCode(errors[0].error)),
    );
  }
  const value: unknown = getNodeValue(root);
  if (!isRecord(value)) throw at(root.offset, [], `expected a JSON object, got ${kindOfValue(value)}`);
  const serversKey = 'mcpServers' in value ? 'mcpServers' : 'servers' in value ? 'servers' : undefined;
  if (serversKey === undefined) {
    throw new ClientConfigError(
      `${file}: no "mcpServers" (Claude Desktop, Cursor) or "servers" (VS Code) object: not an MCP client config`,
      'without_servers',
    );
  }
  if (!isRecord(value[serversKey])) {
    const node = findNodeAtLocation(root, [serversKey])!;
    throw at(node.offset, [serversKey], `expected an object of servers by name, got ${kindOfValue(value[serversKey])}`);
  }
  const folder = dirname(file);
  const inWorkspace = ['.vscode', '.cursor'].includes(basename(folder));
  return {
    file,
    text,
    kind: kind ?? kindOf(file, serversKey),
    serversKey,
    servers: Object.entries(value[serversKey]),
    workspace: inWorkspace ? dirname(folder) : null,
  };
}

function kindOf(file: string, serversKey: 'mcpServers' | 'servers'): ClientKind | undefined {
  if (serversKey === 'servers') return 'vscode';
  if (basename(file) === 'claude_desktop_config.json') return 'claude-desktop';
  if (basename(dirname(file)) === '.cursor') return 'cursor';
  return undefined;
}

/**
 * Converts one of the client's server entries to toolgate.json's shape, or says why Toolgate cannot take it.
 * Variable references are kept when Toolgate expands them the same way (`${env:NAME}`, `${NAME}`), replaced when
 * their value is known here (`${userHome}`, `${workspaceFolder}`), and refused otherwise: VS Code's
 * `${input:...}` asks the person at the editor, which a gateway cannot do. The rest of the checking is left to
 * toolgate.json's own validation.
 */
export function convertServer(entry: unknown, client: ClientConfig): ConvertedServer | { readonly refused: string } {
  if (!isRecord(entry)) return { refused: 'expected an object' };
  const type = entry.type;
  if (type !== undefined && !(SERVER_TYPES as readonly unknown[]).includes(type)) {
    return { refused: `its type ${JSON.stringify(type)} is none Toolgate can reach (${SERVER_TYPES.join(', ')})` };
  }
  const notes: string[] = [];
  const left = Object.keys(entry).filter((key) => !COPIED_KEYS.includes(key));
  if (left.length > 0) notes.push(`not copied (Toolgate has no such setting): ${left.join(', ')}`);
  const problems = new Set<string>();
  const rewrite = (text: unknown): unknown => {
    if (typeof text !== 'string') return text;
    return text.replace(/\$\{([^}]*)\}/g, (reference, body: string, offset: number) => {
      // `$${` is already how toolgate.json writes a literal `${`.
      if (text[offset - 1] === '$') return reference;
      if (/^(env:)?[A-Za-z_][A-Za-z0-9_]*$/.test(body) && body !== 'userHome' && body !== 'workspaceFolder') {
        return reference;
      }
      if (body === 'userHome') return homedir();
      if (body === 'workspaceFolder' && client.workspace !== null) return client.workspace;
      problems.add(
        body.startsWith('input:')
          ? `it uses ${reference}, which only VS Code can prompt for; set an environment variable and write \${env:NAME} instead`
          : `it uses ${reference}, which Toolgate cannot know; write the value, or \${env:NAME} for an environment variable`,
      );
      return reference;
    });
  };
  const copy: Record<string, unknown> = {};
  for (const key of COPIED_KEYS) {
    if (!(key in entry)) continue;
    const value = entry[key];
    copy[key] = Array.isArray(value)
      ? value.map(rewrite)
      : isRecord(value)
        ? Object.fromEntries(Object.entries(value).map(([name, text]) => [name, rewrite(text)]))
        : rewrite(value);
  }
  if (problems.size > 0) return { refused: [...problems].join('; ') };
  return { entry: copy, notes };
}

/**
 * The client's config pointing at Toolgate: the servers `moved` (now behind Toolgate) removed, `toolgate` added
 * as the one entry that reaches them, everything else (other keys, servers Toolgate could not take, comments)
 * as it was.
 */
export function pointAtToolgate(
  client: ClientConfig,
  moved: readonly string[],
  toolgate: Record<string, unknown>,
): string {
  let text = client.text;
  for (const id of moved) text = applyEdits(text, modify(text, [client.serversKey, id], undefined, FORMATTING));
  return applyEdits(text, modify(text, [client.serversKey, 'toolgate'], toolgate, FORMATTING));
}

/** `text` with `entries` added to its `mcpServers` (a toolgate.json), its formatting and other keys kept. */
export function withServers(text: string, entries: readonly (readonly [string, unknown])[]): string {
  let result = text;
  for (const [id, entry] of entries) {
    result = applyEdits(result, modify(result, ['mcpServers', id], entry, FORMATTING));
  }
  return result;
}

function positionOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

function kindOfValue(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
