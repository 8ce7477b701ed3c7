/**
 * `toolgate init`: from a Claude Desktop config found in its usual place (under a home folder made for the test,
 * never the real one) to a working setup: toolgate.json, the suggested policy, a grant whose token the real
 * gateway honours, and the summary of what it found. The servers are published ones from npm (the reference
 * filesystem and memory servers), started from node_modules.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { parse } from 'jsonc-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientLocations } from '../../src/cli/client-locations.js';
import {
  connectWithToken,
  eventually,
  ROOT,
  runToolgateWith,
  startGatewayProcess,
  textOf,
  tokenFrom,
  toolgate,
  type CliRun,
  type GatewayProcess,
} from './harness.js';

const script = (pkg: string, file: string) => join(ROOT, 'node_modules', pkg, file);

/** A home folder of its own, so that the test neither reads nor writes the real user's client configs. */
function homeFolder(): { home: string; env: Record<string, string | undefined> } {
  const home = mkdtempSync(join(tmpdir(), 'toolgate-init-'));
  return { home, env: { HOME: home, USERPROFILE: home, XDG_CONFIG_HOME: undefined, APPDATA: undefined } };
}

/** Where Claude Desktop keeps its config on this system, under `home`. */
function claudeConfigIn(home: string): string {
  return clientLocations({ platform: process.platform, home, cwd: home }).find(
    (location) => location.kind === 'claude-desktop',
  )!.file;
}

/** `by category: 13 Read, 7 Write` as a map. */
function countsOn(output: string, label: string): Record<string, number> {
  const line = new RegExp(`^  ${label}:\\s+(.*)$`, 'm').exec(output)?.[1];
  if (line === undefined) throw new Error(`no "${label}" line in:\n${output}`);
  return Object.fromEntries(
    line.split(', ').map((part) => {
      const [count, name] = part.split(' ');
      return [name!, Number(count)];
    }),
  );
}

function tally(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

describe('toolgate init', () => {
  const { home, env } = homeFolder();
  const project = join(home, 'project');
  const files = join(home, 'files');
  const claude = claudeConfigIn(home);
  const config = join(project, 'toolgate.json');
  const policy = join(project, 'toolgate-policy.json');
  const clientServers = {
    files: {
      command: process.execPath,
      args: [script('@modelcontextprotocol/server-filesystem', 'dist/index.js'), files],
    },
    memory: {
      command: process.execPath,
      args: [script('@modelcontextprotocol/server-memory', 'dist/index.js')],
      env: { MEMORY_FILE_PATH: join(home, 'memory.jsonl') },
    },
    missing: { command: join(home, 'no-such-server') },
  };
  const original = `${JSON.stringify({ globalShortcut: 'Ctrl+Space', mcpServers: clientServers }, null, 2)}\n`;
  let run: CliRun;

  beforeAll(() => {
    mkdirSync(project);
    mkdirSync(files);
    writeFileSync(join(files, 'hello.txt'), 'hello\n');
    mkdirSync(dirname(claude), { recursive: true });
    writeFileSync(claude, original);
    run = runToolgateWith({ cwd: project, env }, 'init', '--root', files, '--admin', 'amir');
  });

  it('finds the client config, imports its servers, and writes toolgate.json naming the suggested policy', () => {
    expect(run.stderr).not.toMatch(/Error|at .*\.js:\d+/);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`Imported 3 servers from ${claude} into ${config}: files, memory, missing`);
    const written = JSON.parse(readFileSync(config, 'utf8')) as Record<string, unknown>;
    expect(written).toEqual({ policy: 'toolgate-policy.json', mcpServers: clientServers });
    // Without --rewrite the client's file is left alone.
    expect(readFileSync(claude, 'utf8')).toBe(original);
    expect(toolgate('policy', 'check', policy)).toContain('ok:');
    const document = JSON.parse(readFileSync(policy, 'utf8')) as { default: string; tools: Record<string, unknown> };
    expect(document.default).toBe('deny');
    expect(Object.keys(document.tools)).toContain('memory:delete_entities');
  });

  it('says how each server fared, and counts the tools as `toolgate tools` classifies them', () => {
    const rows = toolgate('tools', '--json', '--config', config)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { server: string; tool: string; category: string; risk: string });
    for (const server of ['files', 'memory']) {
      const count = rows.filter((row) => row.server === server).length;
      expect(count).toBeGreaterThan(0);
      expect(run.stdout).toMatch(new RegExp(`^  ${server}\\s+up, ${count} tools$`, 'm'));
    }
    expect(run.stdout).toMatch(/^ {2}missing\s+could not be listed: .*ENOENT/m);
    expect(run.stdout).toMatch(new RegExp(`^${rows.length} tools$`, 'm'));
    expect(countsOn(run.stdout, 'by category')).toEqual(tally(rows.map((row) => row.category)));
    expect(countsOn(run.stdout, 'by risk')).toEqual(tally(rows.map((row) => row.risk)));
    const destructive = rows.filter((row) => row.category === 'Destructive').map((row) => `${row.server}:${row.tool}`);
    expect(destructive).toContain('memory:delete_entities');
    expect(run.stdout).toContain(`  hidden from agents: ${destructive.length} (${destructive.join(', ')})`);
  });

  it("adds the console's first admin, with a password shown once", () => {
    const password = /Console admin "amir" added\. Their password, shown this once:\n(\S+)\n/.exec(run.stdout)?.[1];
    expect(password).toMatch(/^[\w-]{24}$/);
    const members = toolgate('members', 'list', '--json', '--config', config);
    expect(JSON.parse(members.trim())).toMatchObject({ name: 'amir', role: 'admin' });
  });

  it('says how to point Claude Desktop at Toolgate, and what to run next', () => {
    expect(run.stdout).toContain(`put this entry in "mcpServers" of\n${claude} in place of files, memory, missing:`);
    expect(run.stdout).toMatch(/"--config",\s+"[^"]+toolgate\.json",\s+"--grant",\s+"agent"/);
    expect(run.stdout).toContain('toolgate start ');
    expect(run.stdout).toContain('toolgate tools show NAME');
  });

  describe('the grant it made, through the real gateway', () => {
    let gateway: GatewayProcess;
    let client: Client;

    beforeAll(async () => {
      gateway = await startGatewayProcess(config);
      client = await connectWithToken(gateway.url, tokenFrom(run.stdout));
    });

    afterAll(async () => {
      await client?.close();
      await gateway?.stop();
    });

    it('reads, keeps writes inside --root, and never sees the Destructive tools', async () => {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names).toContain('files__read_text_file');
      expect(names).not.toContain('memory__delete_entities');
      const read = await client.callTool({
        name: 'files__read_text_file',
        arguments: { path: join(files, 'hello.txt') },
      });
      expect(textOf(read)).toContain('hello');
      const outside = await client.callTool({
        name: 'files__write_file',
        arguments: { path: join(home, 'outside.txt'), content: 'no' },
      });
      expect(textOf(outside)).toContain('[POLICY DENIED]');
      expect(existsSync(join(home, 'outside.txt'))).toBe(false);
    });

    it('again: refuses to replace what it made without --yes; with --yes --rewrite, points Claude Desktop at it', async () => {
      const policyBefore = readFileSync(policy, 'utf8');
      const again = runToolgateWith({ cwd: project, env }, 'init');
      expect(again.status).toBe(1);
      expect(again.stderr).toContain(`${policy} exists already`);
      expect(again.stderr).toContain('--yes');
      expect(readFileSync(policy, 'utf8')).toBe(policyBefore);

      const rewrite = runToolgateWith({ cwd: project, env }, 'init', '--yes', '--rewrite', '--root', files);
      expect(rewrite.status).toBe(0);
      expect(rewrite.stdout).toContain(`Pointed ${claude} at Toolgate`);
      const backups = readdirSync(dirname(claude)).filter((name) => name.includes('.bak-'));
      expect(backups.map((name) => readFileSync(join(dirname(claude), name), 'utf8'))).toEqual([original]);
      const rewritten = JSON.parse(readFileSync(claude, 'utf8')) as {
        globalShortcut: string;
        mcpServers: Record<string, { command: string; args: string[] }>;
      };
      expect(rewritten.globalShortcut).toBe('Ctrl+Space');
      expect(Object.keys(rewritten.mcpServers)).toEqual(['toolgate']);
      const { command, args } = rewritten.mcpServers.toolgate!;
      expect(args.slice(-5)).toEqual(['stdio', '--config', config, '--grant', 'agent']);

      // The grant has a new token: the old one is refused at once.
      await expect(connectWithToken(gateway.url, tokenFrom(run.stdout))).rejects.toThrow();
      const renewed = await connectWithToken(gateway.url, tokenFrom(rewrite.stdout));
      await renewed.close();

      // What Claude Desktop launches now runs as the grant: the Destructive tools stay hidden.
      const desktop = new Client({ name: 'claude-desktop', version: '1.0.0' });
      await desktop.connect(new StdioClientTransport({ command, args, cwd: home }));
      try {
        await eventually(async () => {
          const names = (await desktop.listTools()).tools.map((tool) => tool.name);
          expect(names).toContain('files__read_text_file');
          expect(names).not.toContain('memory__delete_entities');
        }, 30_000);
      } finally {
        await desktop.close();
      }
    });
  });
});

describe('toolgate init for VS Code', () => {
  it('finds the project’s .vscode/mcp.json and, with --rewrite, gives VS Code the URL and the token', async () => {
    const { home, env } = homeFolder();
    // A Cursor config with servers too: --client says which one is meant.
    mkdirSync(join(home, '.cursor'));
    writeFileSync(join(home, '.cursor', 'mcp.json'), JSON.stringify({ mcpServers: { other: { command: 'x' } } }));
    const project = join(home, 'project');
    mkdirSync(join(project, '.vscode'), { recursive: true });
    const vscode = join(project, '.vscode', 'mcp.json');
    const memory = {
      type: 'stdio',
      command: process.execPath,
      args: [script('@modelcontextprotocol/server-memory', 'dist/index.js')],
      env: { MEMORY_FILE_PATH: '${workspaceFolder}/memory.jsonl' },
    };
    writeFileSync(vscode, `// mine\n${JSON.stringify({ inputs: [], servers: { memory } }, null, 2)}\n`);

    const ambiguous = runToolgateWith({ cwd: project, env }, 'init');
    expect(ambiguous.status).toBe(1);
    expect(ambiguous.stderr).toContain('Several MCP client configs could be the one to import:');
    expect(ambiguous.stderr).toContain('--client KIND');

    const run = runToolgateWith({ cwd: project, env }, 'init', '--client', 'vscode', '--rewrite');
    expect(run.status).toBe(0);
    const token = tokenFrom(run.stdout);
    expect(run.stdout).toContain(`${vscode} holds the grant’s token now: keep it out of version control.`);
    const rewritten = readFileSync(vscode, 'utf8');
    expect(rewritten.startsWith('// mine\n')).toBe(true);
    const entry = (parse(rewritten) as { servers: Record<string, unknown> }).servers;
    expect(entry).toEqual({
      toolgate: { type: 'http', url: 'http://127.0.0.1:8787/mcp', headers: { Authorization: `Bearer ${token}` } },
    });
    const written = JSON.parse(readFileSync(join(project, 'toolgate.json'), 'utf8')) as {
      mcpServers: { memory: { env: Record<string, string> } };
    };
    expect(written.mcpServers.memory.env.MEMORY_FILE_PATH).toBe(join(project, 'memory.jsonl'));

    const gateway = await startGatewayProcess(join(project, 'toolgate.json'));
    try {
      const client = await connectWithToken(gateway.url, token);
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names).toContain('memory__read_graph');
      expect(names).not.toContain('memory__delete_entities');
      await client.close();
    } finally {
      await gateway.stop();
    }
  });
});

describe('toolgate init, when it cannot read the client config', () => {
  it('names the file, the line and the JSON path of a syntax error, and writes nothing', () => {
    const { home, env } = homeFolder();
    const file = join(home, 'mcp.json');
    writeFileSync(file, '{\n  "mcpServers": {\n    "files": { "command": "npx" "args": [] }\n  }\n}\n');
    const run = runToolgateWith({ cwd: home, env }, 'init', '--client-config', file);
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(`${file}:3:33: $.mcpServers.files.args: expected a comma`);
    expect(readdirSync(home)).toEqual(['mcp.json']);

    writeFileSync(file, '{ "mcpServers": ["files"] }');
    const shape = runToolgateWith({ cwd: home, env }, 'init', '--client-config', file);
    expect(shape.status).toBe(1);
    expect(shape.stderr).toContain(`${file}:1:17: $.mcpServers: expected an object of servers by name, got an array`);
  });

  it('finding none in the usual places, says where it looked and asks for --client-config', () => {
    const { home, env } = homeFolder();
    const run = runToolgateWith({ cwd: home, env }, 'init');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('No MCP client config with servers in the usual places:');
    expect(run.stderr).toContain(`${claudeConfigIn(home)}: not there`);
    expect(run.stderr).toContain('--client-config FILE');
    expect(readdirSync(home)).toEqual([]);
  });
});
