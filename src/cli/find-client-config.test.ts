import { describe, expect, it } from 'vitest';
import { ClientConfigError, parseClientConfig, type ClientConfig } from './client-config.js';
import type { ClientLocation } from './client-locations.js';
import { findClientConfig } from './find-client-config.js';

const CLAUDE: ClientLocation = { kind: 'claude-desktop', file: '/h/claude_desktop_config.json', scope: 'user' };
const CURSOR: ClientLocation = { kind: 'cursor', file: '/h/.cursor/mcp.json', scope: 'user' };
const VSCODE: ClientLocation = { kind: 'vscode', file: '/p/.vscode/mcp.json', scope: 'project' };

/** A reader over files held in memory, parsed as the real one parses them. */
function reader(files: Record<string, string>) {
  return (location: ClientLocation): ClientConfig | undefined => {
    const text = files[location.file];
    return text === undefined ? undefined : parseClientConfig(text, location.file, location.kind);
  };
}

function refusal(files: Record<string, string>): string {
  try {
    findClientConfig([CLAUDE, CURSOR, VSCODE], reader(files));
  } catch (error) {
    if (error instanceof ClientConfigError) return error.message;
    throw error;
  }
  throw new Error('found one');
}

describe('findClientConfig', () => {
  it('takes the one file with servers, passing over settings without any and clients already pointed at Toolgate', () => {
    const found = findClientConfig(
      [CLAUDE, CURSOR, VSCODE],
      reader({
        [CLAUDE.file]: '{ "globalShortcut": "Ctrl+Space" }',
        [CURSOR.file]: '{ "mcpServers": { "toolgate": { "url": "http://127.0.0.1:8787/mcp" } } }',
        [VSCODE.file]: '{ "servers": { "files": { "command": "npx" } } }',
      }),
    );
    expect(found.file).toBe(VSCODE.file);
    expect(found.kind).toBe('vscode');
  });

  it('with nothing to take, says what it found where and asks for the file', () => {
    const message = refusal({ [CURSOR.file]: '{ "mcpServers": {} }' });
    expect(message.split('\n')).toEqual([
      'No MCP client config with servers in the usual places:',
      `  claude-desktop  ${CLAUDE.file}: not there`,
      `  cursor          ${CURSOR.file}: no MCP servers in it`,
      `  vscode          ${VSCODE.file}: not there`,
      'Name the file with --client-config FILE.',
    ]);
  });

  it('with several, names each with its servers and asks which, by file or by client', () => {
    const message = refusal({
      [CLAUDE.file]: '{ "mcpServers": { "a": {}, "b": {} } }',
      [CURSOR.file]: '{ "mcpServers": { "c": {}, "toolgate": {} } }',
    });
    expect(message).toContain('Several MCP client configs could be the one to import:');
    expect(message).toContain(`${CLAUDE.file}: 2 servers (a, b)`);
    expect(message).toContain(`${CURSOR.file}: 1 server (c)`);
    expect(message).toContain('--client-config FILE, or the client with --client KIND');
  });

  it('does not pass over a file it cannot read: it may be the one meant', () => {
    const broken = refusal({ [CURSOR.file]: '{ "mcpServers": { "c": {} }', [VSCODE.file]: '{ "servers": {} }' });
    expect(broken).toContain('The MCP client config found cannot be read:');
    expect(broken).toMatch(/cursor {10}\/h\/\.cursor\/mcp\.json:1:\d+: /);
    const beside = refusal({ [CLAUDE.file]: '{ "mcpServers": { "a": {} } }', [CURSOR.file]: '{' });
    expect(beside).toContain('Several MCP client configs');
  });
});
