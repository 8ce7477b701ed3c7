import { describe, expect, it } from 'vitest';
import { ClientConfigError, parseClientConfig } from './client-config.js';

function failure(text: string, file = '/c/claude_desktop_config.json'): ClientConfigError {
  try {
    parseClientConfig(text, file);
  } catch (error) {
    if (error instanceof ClientConfigError) return error;
    throw error;
  }
  throw new Error('parsed');
}

describe('parseClientConfig', () => {
  it('reads the servers in file order, with comments and trailing commas as VS Code and Cursor allow them', () => {
    const text = '{\n  // mine\n  "servers": { "b": { "command": "x" }, "a": { "url": "http://h/mcp" }, },\n}\n';
    const client = parseClientConfig(text, '/p/.vscode/mcp.json');
    expect(client.kind).toBe('vscode');
    expect(client.serversKey).toBe('servers');
    expect(client.servers.map(([id]) => id)).toEqual(['b', 'a']);
    expect(client.workspace).toBe('/p');
  });

  it('tells the client from the file name, or takes it as given', () => {
    expect(parseClientConfig('{"mcpServers":{}}', '/c/claude_desktop_config.json').kind).toBe('claude-desktop');
    expect(parseClientConfig('{"mcpServers":{}}', '/p/.cursor/mcp.json').kind).toBe('cursor');
    expect(parseClientConfig('{"mcpServers":{}}', '/p/servers.json').kind).toBeUndefined();
    expect(parseClientConfig('{"mcpServers":{}}', '/p/servers.json', 'cursor').kind).toBe('cursor');
  });

  it('names the line, column and JSON path of a syntax error, in plain words', () => {
    const text = '{\n  "mcpServers": {\n    "files": { "command": "npx" "args": [] }\n  }\n}\n';
    const error = failure(text);
    expect(error.message).toBe('/c/claude_desktop_config.json:3:33: $.mcpServers.files.args: expected a comma');
    expect(error.reason).toBe('invalid');
    expect(failure('').message).toMatch(/^\/c\/claude_desktop_config\.json:1:1: \$: /);
  });

  it('says where the servers map is not a map, and what it is', () => {
    const error = failure('{\n  "theme": "dark",\n  "mcpServers": [1]\n}');
    expect(error.message).toBe(
      '/c/claude_desktop_config.json:3:17: $.mcpServers: expected an object of servers by name, got an array',
    );
    expect(failure('[]').message).toBe('/c/claude_desktop_config.json:1:1: $: expected a JSON object, got an array');
  });

  it('tells a settings file without servers from a broken one', () => {
    const error = failure('{ "globalShortcut": "Ctrl+Space" }');
    expect(error.reason).toBe('without_servers');
    expect(error.message).toContain('not an MCP client config');
  });
});
