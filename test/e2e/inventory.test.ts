/**
 * `toolgate tools`, `tools show` and `policy suggest` against published servers from npm (the reference
 * filesystem and memory servers), started by the CLI as the gateway would; then the suggested policy enforced by
 * the real gateway process on a grant's calls.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectWithToken,
  ROOT,
  runToolgate,
  startGatewayProcess,
  textOf,
  tokenFrom,
  toolgate,
  writeConfig,
  type GatewayProcess,
} from './harness.js';

const script = (pkg: string, file: string) => join(ROOT, 'node_modules', pkg, file);
const ADMIN_TOKEN = 'inventory-admin-token-0123456789abcdef';

describe('the tool inventory', () => {
  let config: string;
  let files: string;
  let folder: string;

  beforeAll(() => {
    process.env.TEST_INVENTORY_ADMIN_TOKEN = ADMIN_TOKEN;
    folder = mkdtempSync(join(tmpdir(), 'toolgate-inventory-'));
    files = join(folder, 'files');
    mkdirSync(files);
    writeFileSync(join(files, 'hello.txt'), 'hello\n');
    config = writeConfig({
      mcpServers: {
        files: {
          command: process.execPath,
          args: [script('@modelcontextprotocol/server-filesystem', 'dist/index.js'), files],
        },
        memory: {
          command: process.execPath,
          args: [script('@modelcontextprotocol/server-memory', 'dist/index.js')],
          env: { MEMORY_FILE_PATH: join(folder, 'memory.jsonl') },
        },
      },
      admin: { token: '${env:TEST_INVENTORY_ADMIN_TOKEN}' },
    });
  });

  it('lists every tool of every server with its class and evidence, as JSON Lines', () => {
    const rows = toolgate('tools', '--json', '--config', config)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const byName = new Map(rows.map((row) => [row.exposedName as string, row]));
    expect(byName.get('files__read_text_file')).toMatchObject({
      server: 'files',
      tool: 'read_text_file',
      category: 'Read',
    });
    expect(byName.get('files__write_file')).toMatchObject({ category: 'Write' });
    expect(byName.get('memory__delete_entities')).toMatchObject({ category: 'Destructive', risk: 'High' });
    expect(byName.get('memory__delete_entities')?.evidence).toEqual(
      expect.arrayContaining([expect.objectContaining({ quote: expect.stringMatching(/delete/i) })]),
    );
    // A local caller under a config without a policy may call every tool.
    expect(byName.get('memory__delete_entities')?.policy).toMatchObject({ effect: 'unrestricted' });
    expect(rows.length).toBeGreaterThan(15);
  });

  it("shows one tool's page: what it does, why, the evidence and a rule that loads as it is", () => {
    const page = toolgate('tools', 'show', 'memory__delete_entities', '--config', config);
    expect(page).toContain('High risk · Destructive');
    for (const heading of ['What it does', 'Why it needs a policy', 'Evidence', 'Recommended rule (policy.json)']) {
      expect(page).toContain(heading);
    }
    const json = JSON.parse(toolgate('tools', 'show', 'memory:delete_entities', '--json', '--config', config)) as {
      recommended: { policy: object };
      verdicts: { who: string }[];
    };
    const fragment = join(folder, 'recommended.json');
    writeFileSync(fragment, JSON.stringify(json.recommended.policy));
    expect(toolgate('policy', 'check', fragment)).toContain('ok:');
    expect(json.verdicts.map((verdict) => verdict.who)).toContain('(local)');

    const unknown = runToolgate('tools', 'show', 'no_such_tool', '--config', config);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toContain('No tool named "no_such_tool"');
  });

  describe('a suggested policy, enforced', () => {
    let gateway: GatewayProcess;
    let client: Client;
    let policy: string;

    beforeAll(async () => {
      policy = join(folder, 'suggested.json');
      const run = runToolgate('policy', 'suggest', '--root', files, '--out', policy, '--config', config);
      expect(run.status).toBe(0);
      expect(run.stderr).toContain('hidden: memory:delete_entities');
      const token = tokenFrom(toolgate('grants', 'create', '--label', 'agent', '--policy', policy, '--config', config));
      gateway = await startGatewayProcess(config);
      client = await connectWithToken(gateway.url, token);
    });

    afterAll(async () => {
      await client?.close();
      await gateway?.stop();
    });

    it('passes policy check, and gives every tool a rule with a reason', () => {
      expect(toolgate('policy', 'check', policy)).toContain('ok:');
      const document = JSON.parse(readFileSync(policy, 'utf8')) as {
        default: string;
        tools: Record<string, { note?: string; reason?: string }>;
      };
      expect(document.default).toBe('deny');
      for (const [key, rule] of Object.entries(document.tools)) expect(rule.note ?? rule.reason, key).toBeTruthy();
    });

    it('hides the Destructive tools, keeps writes inside the root, and lets reads through', async () => {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names).toContain('files__read_text_file');
      expect(names).not.toContain('memory__delete_entities');
      expect(
        textOf(await client.callTool({ name: 'files__read_text_file', arguments: { path: join(files, 'hello.txt') } })),
      ).toContain('hello');
      const outside = await client.callTool({
        name: 'files__write_file',
        arguments: { path: join(folder, 'outside.txt'), content: 'no' },
      });
      expect(textOf(outside)).toContain('[POLICY DENIED]');
      const inside = await client.callTool({
        name: 'files__write_file',
        arguments: { path: join(files, 'new.txt'), content: 'yes' },
      });
      expect(inside.isError).not.toBe(true);
      expect(readFileSync(join(files, 'new.txt'), 'utf8')).toBe('yes');
    });

    it('decides by class: a policy of category and risk rules covers tools it never names', async () => {
      const classPolicy = join(folder, 'by-class.json');
      writeFileSync(
        classPolicy,
        JSON.stringify({
          version: '1',
          default: 'deny',
          categories: { Read: {}, Destructive: { action: 'hide' } },
          risks: { High: { action: 'deny', reason: 'No high-risk tools for this agent.' } },
        }),
      );
      const token = tokenFrom(
        toolgate('grants', 'create', '--label', 'by-class', '--policy', classPolicy, '--config', config),
      );
      const byClass = await connectWithToken(gateway.url, token);
      try {
        const names = (await byClass.listTools()).tools.map((tool) => tool.name);
        expect(names).not.toContain('memory__delete_entities');
        expect(names).toContain('files__list_directory');
        expect(textOf(await byClass.callTool({ name: 'files__list_directory', arguments: { path: files } }))).toContain(
          'hello.txt',
        );
        const risky = await byClass.callTool({
          name: 'files__write_file',
          arguments: { path: join(files, 'x.txt'), content: 'x' },
        });
        expect(textOf(risky)).toMatch(/\[POLICY DENIED\] (No high-risk tools for this agent\.|.*default deny)/);
        const audit = toolgate('audit', 'query', '--grant', 'by-class', '--json', '--config', config);
        expect(audit).toContain('/categories/Read');
        // policy explain starts the server, classifies the tool as the gateway does and names the class rule.
        const explained = toolgate(
          'policy',
          'explain',
          '--tool',
          'files__list_directory',
          '--grant',
          'by-class',
          '--config',
          config,
        );
        expect(explained).toContain('/categories/Read');
        expect(explained).toContain('(Read, Low risk)');
      } finally {
        await byClass.close();
      }
    });

    it('serves the same inventory and pages from the admin API, for the web console', async () => {
      const get = async (path: string) => {
        const response = await fetch(new URL(path, gateway.url), {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      };
      const listed = await get('/admin/tools?grant=agent');
      expect(listed.status).toBe(200);
      expect(listed.body.tools).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            exposedName: 'memory__delete_entities',
            category: 'Destructive',
            policy: expect.objectContaining({ effect: 'hide' }),
          }),
        ]),
      );
      const page = await get('/admin/tools/files__write_file?root=/srv');
      expect(page.body).toMatchObject({ serverId: 'files', name: 'write_file', category: 'Write' });
      expect(JSON.stringify(page.body.recommended)).toContain('^/srv');
      expect((await get('/admin/tools/nothing_here')).status).toBe(404);
      expect((await get('/admin/policy/suggest')).body).toMatchObject({ policy: { default: 'deny' } });
    });

    it("shows what the grant's policy does with each tool", () => {
      const table = toolgate('tools', '--grant', 'agent', '--config', config);
      expect(table).toMatch(/memory\s+memory__delete_entities\s+Destructive\s+High\s+hide/);
      expect(table).toMatch(/files\s+files__write_file\s+Write\s+\S+\s+allow\*/);
      expect(table).toContain('* the rule checks arguments');
    });
  });
});
