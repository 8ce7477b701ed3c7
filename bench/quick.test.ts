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
import { postgresMissing } from '../test/support/postgres.js';
import { redisMissing } from '../test/support/redis.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs `bench/run.ts --quick` with these arguments; the results table it wrote, checked to be what it printed. */
function quickRun(args: string[]): string {
  const out = mkdtempSync(join(tmpdir(), 'toolgate-bench-'));
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', ...args, '--out', out], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
  });
  expect(run.status, `bench failed:\n${run.stderr}`).toBe(0);
  const files = readdirSync(out);
  expect(files).toEqual([expect.stringMatching(/^\d{4}-\d{2}-\d{2}-quick-partial\.md$/)]);
  const table = readFileSync(join(out, files[0]!), 'utf8');
  expect(run.stdout).toBe(table);
  return table;
}

// A measured row: a number a second (calls, or the unit it names), then the other figures.
const literal = (text: string) => text.replace(/[.+*?^${}()|[\]\\]/g, '\\$&');
const measured = (cell: string, target: string) =>
  new RegExp(`^\\| ${literal(cell)} \\| ${literal(target)} \\| [\\d,.]+( [a-z/]+)? \\|`, 'm');

test('npm run bench -- --quick runs and writes a results table with the expected rows', () => {
  const table = quickRun(['--only', 'calls.stdio.small.c1,calls.http.small.c1,decide,audit,classify']);

  expect(table).toMatch(/^- machine: \d+ cores .*Node v\d+/m);
  expect(table).toMatch(/^- versions: toolgate .*mcp-proxy .*supergateway /m);
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
  // The risk classifier, alone.
  expect(table).toMatch(measured('classify.tools-10000', 'toolgate'));
  expect(table).toContain('## Targets');
  // Without --baseline, no baseline targets and no comparison with one.
  expect(table).not.toMatch(/baseline/i);
}, 320_000);

test('--only replicas measures two replicas behind the balancer, or says why it cannot', () => {
  const table = quickRun(['--only', 'replicas']);
  const cell = 'replicas.http.small.c16';
  expect(table).toMatch(measured(cell, 'direct'));
  expect(table).toMatch(measured(cell, 'replica: sqlite'));
  const missing = postgresMissing ?? redisMissing;
  for (const target of ['replica: pg+redis', 'balancer, 1 replica', 'balancer, 2 replicas']) {
    // A session that reached the wrong replica would fail the cell: measured rows prove the balancer kept them.
    if (missing === null) expect(table).toMatch(measured(cell, target));
    else
      expect(table).toMatch(
        new RegExp(`^\\| ${literal(cell)} \\| ${literal(target)} \\| n/a: no (PostgreSQL|Redis) at `, 'm'),
      );
  }
}, 320_000);

test('--baseline DIR runs another build beside this one and compares them', () => {
  // The HTTP server's cells: no proxy runs there, so only the four gateways and direct start.
  // This checkout stands in for another commit's: it is built and has its own node_modules, which is all a
  // baseline needs (bench/baseline.sh makes one of any commit).
  const table = quickRun(['--only', 'calls.http.small.c1', '--baseline', ROOT]);

  expect(table).toMatch(/^- baseline: toolgate .* in \S+, started exactly as this build/m);
  for (const target of ['toolgate', 'baseline', 'toolgate+pipeline', 'baseline+pipeline']) {
    expect(table).toMatch(measured('calls.http.small.c1', target));
  }
  const against = table.split('## Against the baseline')[1]?.split('\n## ')[0] ?? '';
  for (const pair of ['toolgate ÷ baseline', 'toolgate+pipeline ÷ baseline+pipeline']) {
    // A ratio for calls/s, p50 and p99, then the verdict (a quick run's figures are noise: any verdict will do).
    expect(against).toMatch(
      new RegExp(
        `^\\| calls\\.http\\.small\\.c1 \\| ${literal(pair)} (\\| [*\\d.×( )+−±%]+ ){3}\\|  \\| (no|\\*\\*worse\\*\\*.*) \\|$`,
        'm',
      ),
    );
  }
  expect(table).toMatch(/^- no cell more than 5% worse than the baseline build: \*\*(met|missed)\*\*/m);
}, 320_000);
