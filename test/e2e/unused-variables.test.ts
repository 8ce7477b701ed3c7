/**
 * Commands read only the settings they use: in a shell without the admin token (or a server's key), the grants,
 * approvals, audit and policy commands work, while `start`, `stdio` and `config check` still name the variable.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GATEWAY_MAIN, ROOT, writeConfig } from './harness.js';

/** Runs the CLI in an environment where neither variable the config uses is set. */
function toolgate(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  delete env.TOOLGATE_ADMIN_TOKEN;
  delete env.GITHUB_TOKEN;
  const run = spawnSync(process.execPath, [GATEWAY_MAIN, ...args], { cwd: ROOT, encoding: 'utf8', env });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('a config whose variables are unset in this shell', () => {
  const config = writeConfig({
    admin: { token: '${env:TOOLGATE_ADMIN_TOKEN}' },
    mcpServers: { github: { command: 'unused', env: { GITHUB_TOKEN: '${env:GITHUB_TOKEN}' } } },
  });
  const policy = join(dirname(config), 'allow.json');
  writeFileSync(policy, JSON.stringify({ version: '1', default: 'allow' }));

  it('serves the commands that do not use them', () => {
    const created = toolgate(
      'grants',
      'create',
      '--label',
      'ci',
      '--policy',
      policy,
      '--servers',
      'github',
      '-c',
      config,
    );
    expect(created.stderr).not.toContain('TOOLGATE_ADMIN_TOKEN');
    expect(created.status).toBe(0);
    for (const command of [
      ['grants', 'list'],
      ['approvals', 'list'],
      ['audit', 'tail'],
      ['audit', 'query'],
      ['policy', 'explain', '--grant', 'ci', '--tool', 'github__create_issue'],
    ]) {
      const run = toolgate(...command, '-c', config);
      expect({ command, status: run.status, stderr: run.stderr }).toMatchObject({ status: 0 });
      expect(run.stderr).not.toContain('is not set');
    }
    expect(toolgate('grants', 'list', '-c', config).stdout).toMatch(/^ci\s+[0-9a-f]{16}\s+active\s+github\s/m);
  });

  it('stops start and config check, naming each variable with its file and JSON path', () => {
    for (const command of [
      ['start', '--port', '0', '--config'],
      ['config', 'check'],
    ]) {
      const run = toolgate(...command, config);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(
        new RegExp(
          `${config.replaceAll('.', '\\.')}:\\d+:\\d+: \\$\\.admin\\.token: environment variable "TOOLGATE_ADMIN_TOKEN" is not set`,
        ),
      );
      expect(run.stderr).toContain(
        '$.mcpServers.github.env.GITHUB_TOKEN: environment variable "GITHUB_TOKEN" is not set',
      );
    }
  });
});
