import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openStateDb as openWithBinding, sqliteBindings } from '../../src/state/state-db.js';

// Each case starts a Node process of its own, to see which SQLite module a fresh process loads.
const available = sqliteBindings();

describe('the binding openStateDb picks', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  /** Opens a database in a Node process of its own and tells which SQLite modules it loaded. */
  function loadedIn(env: Record<string, string>): string {
    const script = `
      import { createRequire } from 'node:module';
      import { openStateDb } from './src/state/state-db.ts';
      openStateDb(':memory:').close();
      const libsql = Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('/libsql/'));
      process.stdout.write(libsql ? 'libsql' : 'no libsql');`;
    return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
  }

  it.runIf(available.includes('node:sqlite'))('is node:sqlite where Node has it, without loading libsql', () => {
    expect(available[0]).toBe('node:sqlite');
    expect(loadedIn({ TOOLGATE_SQLITE_BINDING: '' })).toBe('no libsql');
    expect(loadedIn({ TOOLGATE_SQLITE_BINDING: 'libsql' })).toBe('libsql');
  });

  it.runIf(!available.includes('node:sqlite'))('is libsql where Node has no node:sqlite', () => {
    expect(available).toEqual(['libsql']);
    expect(loadedIn({ TOOLGATE_SQLITE_BINDING: '' })).toBe('libsql');
    expect(() => openWithBinding(':memory:', { binding: 'node:sqlite' })).toThrow(
      /node:sqlite needs Node 22\.13 or later/,
    );
  });
});
