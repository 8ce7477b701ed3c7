/**
 * Proves the benchmark still runs: a `--quick` run of a few cells must finish and write a results table with
 * the expected rows. It judges no number: timing thresholds never go into the test suite.
 * Needs the built gateway and bench server (`npm test` builds first).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

test('npm run bench -- --quick runs and writes a results table with the expected rows', () => {
  const out = mkdtempSync(join(tmpdir(), 'toolgate-bench-'));
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/run.ts',
      '--quick',
      '--only',
      'calls.stdio.small.c1,calls.http.small.c1,decide,audit',
      '--out',
      out,
    ],
    { cwd: ROOT, encoding: 'utf8', timeout: 300_000 },
  );
  expect(run.status, `bench failed:\n${run.stderr}`).toBe(0);

  const files = readdirSync(out);
  expect(files).toEqual([expect.stringMatching(/^\d{4}-\d{2}-\d{2}-quick-partial\.md$/)]);
  const table = readFileSync(join(out, files[0]!), 'utf8');
  expect(run.stdout).toBe(table);

  expect(table).toMatch(/^- machine: \d+ cores .*Node v\d+/m);
  expect(table).toMatch(/^- versions: toolgate .*mcp-proxy .*supergateway /m);
  // A measured row: a number a second (calls, or the unit it names), then the other figures.
  const literal = (text: string) => text.replace(/[.+*?^${}()|[\]\\]/g, '\\$&');
  const measured = (cell: string, target: string) =>
    new RegExp(`^\\| ${literal(cell)} \\| ${literal(target)} \\| [\\d,.]+( [a-z/]+)? \\|`, 'm');
  for (const target of ['direct', 'toolgate', 'toolgate+pipeline', 'toolgate stdio', 'mcp-proxy', 'supergateway']) {
    expect(table).toMatch(measured('calls.stdio.small.c1', target));
  }
  expect(table).toMatch(measured('calls.http.small.c1', 'direct'));
  expect(table).toMatch(measured('calls.http.small.c1', 'toolgate'));
  expect(table).toMatch(measured('calls.http.small.c1', 'toolgate+pipeline'));
  expect(table).toMatch(/^\| calls\.http\.small\.c1 \| mcp-proxy \| n\/a: /m);
  expect(table).toMatch(/^\| calls\.http\.small\.c1 \| toolgate stdio \| n\/a: /m);
  // The decision function and the audit writer, alone.
  expect(table).toMatch(measured('decide.rules-10', 'toolgate'));
  expect(table).toMatch(measured('decide.rules-10000', 'toolgate'));
  expect(table).toMatch(measured('audit.sustained', 'toolgate'));
  expect(table).toContain('## Targets');
}, 320_000);
