/**
 * The CLI run where a new user first runs it: in a folder with no toolgate.json, or with a config whose state
 * database does not exist yet. Every command says where it reads; the commands that read state create no file;
 * `toolgate start` on a port that is taken says what to do.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_MAIN, runToolgateIn, stopProcess } from './harness.js';

function emptyFolder(): string {
  // The real path: the CLI names the folder as process.cwd() sees it.
  return realpathSync(mkdtempSync(join(tmpdir(), 'toolgate-first-contact-')));
}

/** How many times `needle` occurs in `text`. */
function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe('the CLI in a folder without toolgate.json', () => {
  const folder = emptyFolder();
  const db = join(folder, 'toolgate.db');
  const notice = `No toolgate.json in ${folder}: using the defaults (state in ${db}). Pass --config FILE to use another.`;
  const noDb = `No state database at ${db} yet`;
  const run = (...args: string[]) => runToolgateIn(folder, ...args);

  it('grants list says where it looked, once, and lists no grants', () => {
    const list = run('grants', 'list');
    expect(list.status).toBe(0);
    expect(list.stdout).toContain('No grants.');
    expect(count(list.stderr, notice)).toBe(1);
    expect(count(list.stderr, noDb)).toBe(1);
    expect(existsSync(db)).toBe(false);
  });

  it('grants list --json prints no grants and says why on stderr', () => {
    const list = run('grants', 'list', '--json');
    expect(list.status).toBe(0);
    expect(list.stdout).toBe('');
    expect(list.stderr).toContain(noDb);
  });

  it('audit tail and audit query print the header and say there are no records', () => {
    for (const command of ['tail', 'query']) {
      const audit = run('audit', command);
      expect(audit.status).toBe(0);
      expect(audit.stdout.trimEnd().split('\n')).toEqual([expect.stringMatching(/^TIME +GRANT +SERVER +TOOL/)]);
      expect(count(audit.stderr, notice)).toBe(1);
      expect(audit.stderr).toContain(noDb);
      expect(audit.stderr).toContain('No audit records yet.');
    }
  });

  it('audit export prints nothing on stdout and says there are no records', () => {
    const exported = run('audit', 'export');
    expect(exported.status).toBe(0);
    expect(exported.stdout).toBe('');
    expect(exported.stderr).toContain('No audit records yet.');
  });

  it('approvals list lists no approvals', () => {
    const list = run('approvals', 'list');
    expect(list.status).toBe(0);
    expect(list.stdout).toContain('No approvals.');
    expect(count(list.stderr, notice)).toBe(1);
    expect(list.stderr).toContain(noDb);
  });

  it('commands that change a grant or an approval find none, and say where they looked', () => {
    const revoke = run('grants', 'revoke', 'laptop');
    expect(revoke.status).toBe(1);
    expect(revoke.stderr).toContain(noDb);
    expect(revoke.stderr).toContain('No active grant labelled or numbered "laptop"');
    const approve = run('approvals', 'approve', 'apr_1');
    expect(approve.status).toBe(1);
    expect(approve.stderr).toContain(noDb);
    expect(approve.stderr).toContain('No approval apr_1');
  });

  it('policy explain says that no config was found, not that the server is missing from the tool name', () => {
    const explain = run('policy', 'explain', '--tool', 'everything__get-sum');
    expect(explain.status).toBe(1);
    expect(count(explain.stderr, notice)).toBe(1);
    expect(explain.stderr).toContain('policy explain needs the config that names the servers and the policy');
    expect(explain.stderr).not.toContain('name the server too');
  });

  it('none of them left a file behind', () => {
    expect(readdirSync(folder)).toEqual([]);
  });

  it('grants create makes the database where the notice said, and the next command reads it', () => {
    const create = run('grants', 'create', '--label', 'laptop');
    expect(create.status).toBe(0);
    expect(create.stderr).toContain(notice);
    expect(existsSync(db)).toBe(true);
    const list = run('grants', 'list');
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^laptop +[0-9a-f]+ +active/m);
    expect(list.stderr).not.toContain(noDb);
  });
});

describe('the CLI with a config whose state database does not exist yet', () => {
  const folder = emptyFolder();
  const db = join(folder, 'data', 'state.db');
  const config = join(folder, 'toolgate.json');
  writeFileSync(config, JSON.stringify({ state: { sqlite: 'data/state.db' }, mcpServers: {} }));

  it('reads nothing, creates nothing, and says where the database would be', () => {
    const cwd = emptyFolder();
    for (const args of [
      ['grants', 'list'],
      ['audit', 'tail'],
      ['approvals', 'list'],
    ]) {
      const run = runToolgateIn(cwd, ...args, '--config', config);
      expect(run.status).toBe(0);
      expect(run.stderr).toContain(`No state database at ${db} yet`);
      expect(run.stderr).not.toContain('No toolgate.json');
    }
    expect(existsSync(join(folder, 'data'))).toBe(false);
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe('toolgate start on a port that is taken', () => {
  let taken: Server;
  let port: number;

  beforeAll(async () => {
    taken = createServer();
    port = await new Promise<number>((resolve) =>
      taken.listen(0, '127.0.0.1', () => resolve((taken.address() as { port: number }).port)),
    );
  });
  afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

  it('says the port is in use and how to choose another', async () => {
    const child = spawn(process.execPath, [GATEWAY_MAIN, 'start', '--port', String(port)], {
      cwd: emptyFolder(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const status = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
      expect(status).toBe(1);
      expect(stderr).toContain(
        `Toolgate cannot listen on 127.0.0.1:${port}: port ${port} is in use, perhaps by another Toolgate; ` +
          'pass --port 0 for any free port or --port N.',
      );
      expect(stderr).not.toMatch(/^toolgate: listen EADDRINUSE/m);
    } finally {
      await stopProcess(child);
    }
  });
});
