/**
 * `toolgate import FILE [--rewrite]`: the servers of a Claude Desktop, Cursor or VS Code config copied into
 * toolgate.json, and with --rewrite that client pointed at Toolgate, its original file backed up.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { parse } from 'jsonc-parser';
import { describe, expect, it } from 'vitest';
import { fixtureCommand } from '../fixtures/spawn-fixture.js';
import {
  connectWithToken,
  eventually,
  ROOT,
  runToolgate,
  startGatewayProcess,
  tokenFrom,
  toolgate,
} from './harness.js';

function folder(): string {
  return mkdtempSync(join(tmpdir(), 'toolgate-import-'));
}

function json(file: string): Record<string, any> {
  return parse(readFileSync(file, 'utf8')) as Record<string, any>;
}

describe('toolgate import', () => {
  it('Claude Desktop: copies its servers, then points it at toolgate stdio, keeping a backup', async () => {
    const dir = folder();
    const claude = join(dir, 'claude_desktop_config.json');
    const alpha = fixtureCommand('fixture-server.ts', ['--name', 'alpha']);
    const files = fixtureCommand('fixture-server.ts', ['--name', 'files']);
    const original = `${JSON.stringify(
      {
        globalShortcut: 'Ctrl+Space',
        mcpServers: { alpha, 'My Files': files },
      },
      null,
      2,
    )}\n`;
    writeFileSync(claude, original);
    const config = join(dir, 'toolgate.json');

    const run = runToolgate('import', claude, '--rewrite', '--config', config);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`Imported 2 servers from ${claude} into ${config}: alpha, My-Files`);
    expect(run.stdout).toContain('My Files: imported as "My-Files"');
    const imported = json(config);
    expect(Object.keys(imported)).toEqual(['mcpServers']);
    expect(imported.mcpServers.alpha).toEqual(alpha);
    expect(imported.mcpServers['My-Files']).toEqual(files);

    // The client's file: its other keys kept, one toolgate entry launching `toolgate stdio` on this config.
    const rewritten = json(claude);
    expect(rewritten.globalShortcut).toBe('Ctrl+Space');
    expect(Object.keys(rewritten.mcpServers)).toEqual(['toolgate']);
    expect(rewritten.mcpServers.toolgate.args.slice(-3)).toEqual(['stdio', '--config', config]);
    const backups = () => readdirSync(dir).filter((name) => name.startsWith('claude_desktop_config.json.bak-'));
    expect(backups()).toHaveLength(1);
    expect(readFileSync(join(dir, backups()[0]!), 'utf8')).toBe(original);

    // Again: nothing left to import, and a second backup beside the first, which is never overwritten.
    const again = runToolgate('import', claude, '--rewrite', '--config', config);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('toolgate: skipped: it is Toolgate itself');
    expect(backups()).toHaveLength(2);
    expect(backups().map((name) => readFileSync(join(dir, name), 'utf8'))).toContain(original);

    // The entry Claude Desktop would launch serves the imported server's tools.
    const { command, args } = rewritten.mcpServers.toolgate as { command: string; args: string[] };
    const client = new Client({ name: 'claude-desktop', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command, args, cwd: ROOT }));
    try {
      // Servers come up on their own schedule; their tools are listed once they are up.
      await eventually(async () => {
        const tools = (await client.listTools()).tools.map((tool) => tool.name);
        expect(tools).toEqual(expect.arrayContaining(['alpha__whoami', 'My-Files__whoami']));
      }, 30_000);
    } finally {
      await client.close();
    }
  });

  it('round trip: the imported config starts and lists the server’s tools over HTTP', async () => {
    const dir = folder();
    const claude = join(dir, 'claude_desktop_config.json');
    writeFileSync(claude, JSON.stringify({ mcpServers: { alpha: fixtureCommand('fixture-server.ts') } }));
    const config = join(dir, 'toolgate.json');
    expect(runToolgate('import', claude, '--config', config).status).toBe(0);
    expect(readFileSync(claude, 'utf8')).toBe(
      JSON.stringify({ mcpServers: { alpha: fixtureCommand('fixture-server.ts') } }),
    );
    // The imported config serves no tokenless caller: the client is a grant.
    const token = tokenFrom(toolgate('grants', 'create', '--label', 'desktop', '--config', config));
    const gateway = await startGatewayProcess(config);
    try {
      const client = await connectWithToken(gateway.url, token);
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('alpha__whoami');
      await client.close();
    } finally {
      await gateway.stop();
    }
  });

  it('Cursor: adds to an existing toolgate.json without clobbering it, then points Cursor at its URL', () => {
    const dir = folder();
    mkdirSync(join(dir, '.cursor'));
    const cursor = join(dir, '.cursor', 'mcp.json');
    writeFileSync(
      cursor,
      JSON.stringify({
        mcpServers: {
          remote: { url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer ${env:REMOTE_TOKEN}' } },
          local: { command: 'node', args: ['other.js'] },
          tool: { command: 'node', args: ['${workspaceFolder}/server.js', '${userHome}/notes'], envFile: '.env' },
        },
      }),
    );
    const config = join(dir, 'toolgate.json');
    const existing = { listen: { port: 9999 }, mcpServers: { local: { command: 'node', args: ['mine.js'] } } };
    writeFileSync(config, JSON.stringify(existing, null, 2));

    const run = runToolgate('import', cursor, '--rewrite', '--config', config);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('local: skipped: toolgate.json already has a server "local", which is left as it is');
    expect(run.stdout).toContain('tool: not copied (Toolgate has no such setting): envFile');
    const merged = json(config);
    expect(merged.listen).toEqual({ port: 9999 });
    expect(merged.mcpServers.local).toEqual(existing.mcpServers.local);
    expect(merged.mcpServers.remote).toEqual({
      url: 'https://mcp.example.com/mcp',
      headers: { Authorization: 'Bearer ${env:REMOTE_TOKEN}' },
    });
    expect(merged.mcpServers.tool.args).toEqual([join(dir, 'server.js'), join(homedir(), 'notes')]);
    expect(json(cursor)).toEqual({ mcpServers: { toolgate: { url: 'http://127.0.0.1:9999/mcp' } } });
    // The config does not serve tokenless callers, so the client needs a token or the config a change.
    expect(run.stdout).toContain('The client needs a grant’s token');
    expect(run.stdout).toContain('"allowTokenless": true');
  });

  it('VS Code: reports what Toolgate cannot take and leaves it in VS Code’s file, with its inputs and comments', () => {
    const dir = folder();
    mkdirSync(join(dir, '.vscode'));
    const vscode = join(dir, '.vscode', 'mcp.json');
    writeFileSync(
      vscode,
      `{
  // Servers of this workspace
  "inputs": [{ "type": "promptString", "id": "token", "description": "API token", "password": true }],
  "servers": {
    "api": { "type": "http", "url": "https://api.example.com/mcp", "headers": { "Authorization": "Bearer \${input:token}" } },
    "socket": { "type": "ws", "url": "ws://127.0.0.1:9000" },
    "files": { "type": "stdio", "command": "npx", "args": ["-y", "files-server"] },
    "legacy": { "type": "sse", "url": "http://127.0.0.1:3002/sse" },
    "broken": { "type": "http", "url": "ftp://example.com" }
  }
}
`,
    );
    const config = join(dir, 'toolgate.json');
    const run = runToolgate('import', vscode, '--rewrite', '--config', config);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Imported 2 servers');
    expect(run.stderr).toContain('api: it uses ${input:token}, which only VS Code can prompt for');
    expect(run.stderr).toMatch(/socket: its type "ws" is none Toolgate can reach/);
    expect(run.stderr).toContain('broken: $.mcpServers.broken.url: expected an http: or https: URL');
    expect(json(config)).toEqual({
      mcpServers: {
        files: { type: 'stdio', command: 'npx', args: ['-y', 'files-server'] },
        legacy: { type: 'sse', url: 'http://127.0.0.1:3002/sse' },
      },
    });
    const text = readFileSync(vscode, 'utf8');
    expect(text).toContain('// Servers of this workspace');
    const rewritten = json(vscode);
    expect(rewritten.inputs).toHaveLength(1);
    expect(Object.keys(rewritten.servers).sort()).toEqual(['api', 'broken', 'socket', 'toolgate']);
    expect(rewritten.servers.toolgate).toEqual({ type: 'http', url: 'http://127.0.0.1:8787/mcp' });
  });

  it('refuses to rewrite a file when it cannot tell which client it belongs to, and writes nothing', () => {
    const dir = folder();
    const file = join(dir, 'servers.json');
    const text = JSON.stringify({ mcpServers: { a: { command: 'node' } } });
    writeFileSync(file, text);
    const run = runToolgate('import', file, '--rewrite', '--config', join(dir, 'toolgate.json'));
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('--client claude-desktop|cursor|vscode');
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(existsSync(join(dir, 'toolgate.json'))).toBe(false);
  });
});
