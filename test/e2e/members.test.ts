/**
 * `toolgate members add|list|remove`, as an operator runs them: the password piped in on standard input (never an
 * argument), or made and shown once; stored only as its scrypt hash.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GATEWAY_MAIN, ROOT, runToolgate, toolgate, writeConfig } from './harness.js';

/** Runs the CLI with `input` on its standard input. */
function withInput(input: string, ...args: string[]) {
  const run = spawnSync(process.execPath, [GATEWAY_MAIN, ...args], { cwd: ROOT, input, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('toolgate members', () => {
  it('adds operators with a role, lists them, and removes any but the last admin', () => {
    const config = writeConfig({ mcpServers: {} });
    const added = withInput(
      'a long secret passphrase\n',
      'members',
      'add',
      'amir',
      '--role',
      'admin',
      '--password-stdin',
      '--config',
      config,
    );
    expect(added.status).toBe(0);
    expect(added.stdout).toBe('Added admin "amir".\n');

    const made = toolgate('members', 'add', 'bea', '--role', 'approver', '--config', config);
    const password = made.trim().split('\n').at(-1)!;
    expect(made).toContain('Their password, shown this once:');
    expect(password).toMatch(/^[\w-]{24}$/);

    const listed = toolgate('members', 'list', '--json', '--config', config)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(listed.map(({ name, role }) => [name, role])).toEqual([
      ['amir', 'admin'],
      ['bea', 'approver'],
    ]);
    expect(JSON.stringify(listed)).not.toContain('scrypt');

    // Neither password is anywhere in the state database; their hashes are.
    const file = join(dirname(config), 'state.db');
    const state = Buffer.concat(
      [file, `${file}-wal`].filter((path) => existsSync(path)).map((path) => readFileSync(path)),
    );
    expect(state.includes('a long secret passphrase')).toBe(false);
    expect(state.includes(password)).toBe(false);
    expect(state.includes('scrypt$65536$8$1$')).toBe(true);

    const last = runToolgate('members', 'remove', 'amir', '--config', config);
    expect(last.status).not.toBe(0);
    expect(last.stderr).toContain('"amir" is the last admin');
    expect(toolgate('members', 'remove', 'bea', '--config', config)).toBe('Removed approver "bea".\n');
  });

  it('refuses a short password, an unknown role and a taken name, saying which', () => {
    const config = writeConfig({ mcpServers: {} });
    expect(
      withInput('short\n', 'members', 'add', 'amir', '--role', 'admin', '--password-stdin', '--config', config).stderr,
    ).toContain('at least 12 characters');
    expect(runToolgate('members', 'add', 'amir', '--role', 'root', '--config', config).stderr).toContain(
      'role: expected one of admin, policy_manager, approver, viewer',
    );
    toolgate('members', 'add', 'amir', '--role', 'viewer', '--config', config);
    expect(runToolgate('members', 'add', 'amir', '--role', 'viewer', '--config', config).stderr).toContain(
      'exists already',
    );
  });
});
