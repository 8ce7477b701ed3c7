import { describe, expect, it } from 'vitest';
import { nextSteps, pointingAdvice, type Pointing } from './init-advice.js';

const HTTP_ENTRY = { url: 'http://127.0.0.1:8787/mcp', headers: { Authorization: 'Bearer tg_x' } };

function pointing(overrides: Partial<Pointing>): Pointing {
  return {
    client: { file: '/p/.cursor/mcp.json', kind: 'cursor', serversKey: 'mcpServers', workspace: '/p' },
    moved: ['files', 'memory'],
    entry: HTTP_ENTRY,
    command: ['/bin/node', '/t/main.js', 'stdio', '--config', '/p/toolgate.json', '--grant', 'agent'],
    url: 'http://127.0.0.1:8787/mcp',
    backup: null,
    variables: [],
    ...overrides,
  };
}

describe('pointingAdvice', () => {
  it('not rewritten: the entry to put in place of the servers Toolgate runs now, as JSON that parses', () => {
    const lines = pointingAdvice(pointing({}));
    expect(lines.slice(0, 2)).toEqual([
      'To point Cursor at Toolgate, put this entry in "mcpServers" of',
      '/p/.cursor/mcp.json in place of files, memory:',
    ]);
    const end = lines.indexOf('then restart Cursor.');
    expect(JSON.parse(`{${lines.slice(2, end).join('\n')}}`)).toEqual({ toolgate: HTTP_ENTRY });
    expect(lines).toContain('Cursor connects to a running gateway: start it first (toolgate start).');
    expect(lines.join('\n')).not.toContain('version control');
  });

  it('rewritten: where the original is; a project file that now holds the token is to be kept out of git', () => {
    const lines = pointingAdvice(
      pointing({
        client: { file: '/p/.vscode/mcp.json', kind: 'vscode', serversKey: 'servers', workspace: '/p' },
        backup: '/p/.vscode/mcp.json.bak-1',
      }),
    );
    expect(lines[0]).toBe('Pointed /p/.vscode/mcp.json at Toolgate (the original is in /p/.vscode/mcp.json.bak-1).');
    expect(lines).toContain('Restart VS Code to use it.');
    expect(lines).toContain('/p/.vscode/mcp.json holds the grant’s token now: keep it out of version control.');
    const user = pointingAdvice(
      pointing({ client: { file: '/h/.cursor/mcp.json', kind: 'cursor', serversKey: 'mcpServers', workspace: null } }),
    );
    expect(user.join('\n')).not.toContain('version control');
  });

  it('Claude Desktop: no gateway to start, but the variables the config needs must be in its entry', () => {
    const claude = { file: '/c/claude_desktop_config.json', kind: 'claude-desktop', serversKey: 'mcpServers' } as const;
    const lines = pointingAdvice(
      pointing({ client: { ...claude, workspace: null }, backup: '/c/b', variables: ['GITHUB_TOKEN'] }),
    );
    expect(lines.join('\n')).toContain('environment variables (GITHUB_TOKEN)');
    expect(lines.join('\n')).not.toContain('toolgate start');
    const without = pointingAdvice(pointing({ client: { ...claude, workspace: null }, backup: '/c/b' }));
    expect(without).toEqual([
      'Pointed /c/claude_desktop_config.json at Toolgate (the original is in /c/b).',
      'Restart Claude Desktop to use it.',
    ]);
  });

  it('a client it cannot name: both ways in, the command and the address', () => {
    const unknown = { file: '/x/servers.json', kind: undefined, serversKey: 'mcpServers', workspace: null } as const;
    const lines = pointingAdvice(pointing({ client: unknown, entry: null }));
    expect(lines.join('\n')).toContain('runs: /bin/node /t/main.js stdio --config /p/toolgate.json --grant agent');
    expect(lines.join('\n')).toContain(
      'connects to http://127.0.0.1:8787/mcp with the header "Authorization: Bearer <token>"',
    );
    expect(pointingAdvice(pointing({ client: unknown, entry: null, url: null })).join('\n')).toContain(
      'needs listen.port set to a fixed port',
    );
  });

  it('an HTTP client, when the gateway has no fixed port: what to fix first', () => {
    expect(pointingAdvice(pointing({ entry: null, url: null }))[0]).toContain('listens on port 0');
  });
});

describe('nextSteps', () => {
  it('names the config only when the commands would not find it by themselves', () => {
    const here = nextSteps('/p/toolgate.json', '/p/toolgate.json', 'http://127.0.0.1:8787/mcp', 'agent');
    expect(here[1]).toMatch(/^ {2}toolgate start +serve HTTP clients on http:\/\/127\.0\.0\.1:8787\/mcp$/);
    expect(here.join('\n')).not.toContain('--config');
    const elsewhere = nextSteps('/q/toolgate.json', '/p/toolgate.json', null, 'agent');
    expect(elsewhere[2]).toMatch(/^ {2}toolgate tools --grant agent --config \/q\/toolgate\.json +every tool/);
    expect(elsewhere[1]).toMatch(/serve HTTP clients$/);
  });
});
