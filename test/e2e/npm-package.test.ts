/**
 * The package as npm publishes it: `npm pack` holds only runtime code, and the packed tarball, installed into an
 * empty folder, starts with `npx toolgate start` (no toolgate.json there: no servers) and answers /healthz.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './harness.js';

interface PackedFile {
  readonly path: string;
}

function npm(args: readonly string[], cwd: string): string {
  const result = spawnSync('npm', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_loglevel: 'error' },
  });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return result.stdout;
}

/** Stops a process started in a group of its own (npx and the gateway it runs), and waits for it. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  process.kill(-child.pid!, 'SIGTERM');
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

describe('the npm package', () => {
  let folder: string;
  let tarball: string;
  let files: string[];

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'toolgate-package-'));
    // `npm test` has just built dist/; --ignore-scripts keeps prepack from building it again under other tests.
    const [packed] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', folder], ROOT)) as {
      filename: string;
      files: PackedFile[];
    }[];
    tarball = join(folder, packed!.filename);
    files = packed!.files.map((file) => file.path);
  }, 120_000);

  afterAll(() => {
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('holds the built runtime code, the console, the config schema and the package files, and nothing else', () => {
    const console = ['dist/console/index.html', 'dist/console/console.js', 'dist/console/console.css'];
    const unexpected = files.filter(
      (path) =>
        !(path.startsWith('dist/src/') && path.endsWith('.js') && !path.endsWith('.test.js')) &&
        !['package.json', 'README.md', 'LICENSE', 'schema/toolgate.schema.json', ...console].includes(path),
    );
    expect(unexpected).toEqual([]);
    // The console ships built: nothing is fetched when it is served.
    expect(files).toEqual(expect.arrayContaining(console));
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      bin: { toolgate: string };
      dependencies: Record<string, string>;
    };
    expect(files).toContain(manifest.bin.toolgate);
    expect(readFileSync(join(ROOT, manifest.bin.toolgate), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    // Used by tests and the bench only.
    expect(Object.keys(manifest.dependencies)).not.toContain('@modelcontextprotocol/node');
  });

  it('installs into an empty folder, where `npx toolgate start` starts with no servers and answers /healthz', async () => {
    const app = join(folder, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), '{ "private": true }\n');
    // From the local npm cache when it holds every dependency (npm ci filled it), from the registry otherwise.
    npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], app);
    expect(existsSync(join(app, 'toolgate.json'))).toBe(false);

    // A process group of its own, so that stopping it stops the gateway that npx started as well.
    const child = spawn('npx', ['--no', 'toolgate', 'start', '--port', '0'], {
      cwd: app,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      const log: string[] = [];
      const url = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stderr }).on('line', (line) => {
          log.push(line);
          const match = /^Toolgate is listening on (http:\/\/\S+)$/.exec(line);
          if (match) resolve(match[1]!);
        });
        child.once('exit', (code) => reject(new Error(`toolgate exited with ${code}:\n${log.join('\n')}`)));
      });
      expect(log.join('\n')).toMatch(/starting with no servers/);
      const health = await fetch(new URL('/healthz', url));
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok', servers: [] });
      // Its state went into the folder it runs in.
      expect(existsSync(join(app, 'toolgate.db'))).toBe(true);
    } finally {
      await stopGroup(child);
    }
  }, 180_000);
});
