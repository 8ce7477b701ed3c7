/**
 * `toolgate policy check|explain|test`, run as a user runs them.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureCommand } from '../fixtures/spawn-fixture.js';
import { ROOT, runToolgate, writeConfig } from './harness.js';

const SEED_POLICIES = join(ROOT, 'src/policy/testdata');

describe('toolgate policy', () => {
  it('check: accepts a seed policy and locates every error in a broken one', () => {
    const ok = runToolgate('policy', 'check', join(SEED_POLICIES, 'pmcp.policy.json'));
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^ok: .*pmcp\.policy\.json: revision [0-9a-f]{12}/);

    const folder = dirname(writeConfig({ mcpServers: {} }));
    const broken = join(folder, 'broken.json');
    writeFileSync(broken, '{\n  "version": "1",\n  "default": "deny",\n  "tools": { "x": { "limit": [] } }\n}\n');
    const bad = runToolgate('policy', 'check', broken);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(`${broken}:4:`);
    expect(bad.stderr).toContain('$.tools.x.limit');
  });

  it('check: refuses a pattern RE2 cannot run, with the file, the line, the path and what RE2 runs', () => {
    const folder = dirname(writeConfig({ mcpServers: {} }));
    const lookahead = join(folder, 'lookahead.json');
    const condition = { path: 'args.path', op: 'regex', value: '^(?!/work/)' };
    writeFileSync(
      lookahead,
      JSON.stringify({ version: '1', default: 'deny', tools: { write_file: { require: [condition] } } }, null, 2),
    );
    const refused = runToolgate('policy', 'check', lookahead);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(
      `${lookahead}:10:20: $.tools.write_file.require[0].value: expected a regular expression RE2 can run: negative lookahead (?!...) is not supported`,
    );
  });

  it('test: runs a table of cases and fails on a mismatch', () => {
    const folder = dirname(writeConfig({ mcpServers: {} }));
    copyFileSync(join(SEED_POLICIES, 'bambu-mcp.policy.json'), join(folder, 'policy.json'));
    const table = (effect: string) =>
      JSON.stringify({ policy: 'policy.json', cases: [{ server: 'bambu', tool: 'printer_stop', expect: { effect } }] });
    writeFileSync(join(folder, 'good.json'), table('deny'));
    writeFileSync(join(folder, 'wrong.json'), table('allow'));
    const good = runToolgate('policy', 'test', join(folder, 'good.json'));
    expect(good.status).toBe(0);
    expect(good.stdout).toContain('1 passed, 0 failed');
    const wrong = runToolgate('policy', 'test', join(folder, 'wrong.json'));
    expect(wrong.status).toBe(1);
    expect(wrong.stdout).toContain('0 passed, 1 failed');
  });

  it('explain: decides for a grant with the gateway’s own function', () => {
    const config = writeConfig({ mcpServers: { bambu: { command: 'unused' } } });
    const policy = join(dirname(config), 'policy.json');
    copyFileSync(join(SEED_POLICIES, 'bambu-mcp.policy.json'), policy);
    expect(runToolgate('grants', 'create', '--label', 'printer', '--policy', policy, '--config', config).status).toBe(
      0,
    );

    const allowed = runToolgate(
      'policy',
      'explain',
      '--grant',
      'printer',
      '--tool',
      'bambu__mqtt_disconnect',
      '--offline',
      '-c',
      config,
    );
    expect(allowed.status).toBe(0);
    expect(allowed.stdout).toMatch(/allow/);
    expect(allowed.stdout).toContain('/tools/mqtt_disconnect');

    // Checked against the server, which cannot start here: the call would fail whatever the policy says.
    const serverDown = runToolgate(
      'policy',
      'explain',
      '--grant',
      'printer',
      '--tool',
      'bambu__mqtt_disconnect',
      '-c',
      config,
    );
    expect(serverDown.status).toBe(2);
    expect(serverDown.stdout).toMatch(/"bambu" could not be started here \(down at start: spawn unused ENOENT/);

    const denied = runToolgate('policy', 'explain', '--grant', 'printer', '--tool', 'bambu:printer_stop', '-c', config);
    expect(denied.status).toBe(2);
    expect(denied.stdout).toContain('(default deny)');

    const unknown = runToolgate('policy', 'explain', '--grant', 'nobody', '--tool', 'bambu:x', '-c', config);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('No active grant labelled "nobody"');
  });

  it('explain: answers as the gateway would for a tool its server does not list, or a server the grant cannot use', () => {
    const recording = join(ROOT, 'test/fixtures/seed-servers/bambu-mcp.json');
    const config = writeConfig({
      mcpServers: {
        bambu: fixtureCommand('replay-server.ts', ['--recording', recording]),
        other: { command: 'unused' },
      },
    });
    const policy = join(dirname(config), 'policy.json');
    copyFileSync(join(SEED_POLICIES, 'bambu-mcp.policy.json'), policy);
    const create = (label: string, servers: string) =>
      runToolgate('grants', 'create', '--label', label, '--policy', policy, '--servers', servers, '--config', config);
    expect(create('printer', 'bambu').status).toBe(0);
    expect(create('elsewhere', 'other').status).toBe(0);
    const explain = (grant: string, tool: string) =>
      runToolgate('policy', 'explain', '--grant', grant, '--tool', tool, '-c', config);

    const listed = explain('printer', 'bambu__mqtt_disconnect');
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain('"bambu" is up and lists the tool');

    const missing = explain('printer', 'bambu__no_such_tool');
    expect(missing.status).toBe(2);
    expect(missing.stdout).toMatch(/unknown tool \(server "bambu" lists \d+ tools, none named "no_such_tool"\)/);
    expect(missing.stdout).toContain('Unknown tool: bambu__no_such_tool');

    const outOfScope = explain('elsewhere', 'bambu__mqtt_disconnect');
    expect(outOfScope.status).toBe(2);
    expect(outOfScope.stdout).toContain('unknown tool (grant "elsewhere" may use only "other")');

    const offline = runToolgate(
      'policy',
      'explain',
      '--grant',
      'printer',
      '--tool',
      'bambu__no_such_tool',
      '--offline',
      '-c',
      config,
    );
    expect(offline.stdout).not.toContain('unknown tool');
    expect(offline.stdout).toContain('(default deny)');
  }, 180_000);
});
