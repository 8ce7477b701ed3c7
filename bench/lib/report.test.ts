import { describe, expect, test } from 'vitest';

import { baselineCheck, baselineTable, type Row } from './report.js';

/** A measured row of this build with its ratios to the baseline (synthetic figures: no run behind them). */
function ours(cell: string, target: string, rate: number, p50: number, p99: number): Row {
  const baseline = target === 'toolgate' ? 'baseline' : 'baseline+pipeline';
  return { cell, target, unit: 'calls/s', rate: 1000, p50: 1, p99: 2, againstBaseline: { baseline, rate, p50, p99 } };
}
function theirs(cell: string, target: string): Row {
  return { cell, target, unit: 'calls/s', rate: 1000, p50: 1, p99: 2 };
}
/** The table's line for a cell and the first target of its pair. */
function line(table: string, cell: string, target: string): string {
  const found = table.split('\n').find((text) => text.startsWith(`| ${cell} | ${target} ÷ `));
  if (found === undefined) throw new Error(`no line for ${cell} ${target} in:\n${table}`);
  return found;
}

const rows: Row[] = [
  { cell: 'calls.stdio.small.c1', target: 'direct', unit: 'calls/s', rate: 2000, p50: 0.5, p99: 1 },
  ours('calls.stdio.small.c1', 'toolgate', 0.97, 1.04, 1.01),
  theirs('calls.stdio.small.c1', 'baseline'),
  // 7% fewer calls a second, and a p99 9% longer: both flagged.
  ours('calls.stdio.small.c1', 'toolgate+pipeline', 0.93, 1.02, 1.09),
  theirs('calls.stdio.small.c1', 'baseline+pipeline'),
  ours('calls.http.small.c1', 'toolgate', 1.1, 0.9, 0.95),
  theirs('calls.http.small.c1', 'baseline'),
  ours('calls.http.small.c1', 'toolgate+pipeline', 1, 1, 1),
  { cell: 'calls.http.small.c1', target: 'baseline+pipeline', error: 'exited with code 1' },
  // Only this build runs the in-process cells.
  { cell: 'decide.rules-10', target: 'toolgate', unit: 'decisions/s', rate: 3e6 },
  { cell: 'memory.sessions', target: 'toolgate', value: '40.0 KB/session', bytes: 40 * 1024 },
  { cell: 'memory.sessions', target: 'baseline', value: '35.0 KB/session', bytes: 35 * 1024 },
];

describe('the table against the baseline build', () => {
  const table = baselineTable(rows);

  test('says which way is better', () => {
    expect(table).toContain('per second ÷ baseline (higher is better)');
    expect(table).toContain('p50 ÷ baseline (lower is better)');
  });

  test('a cell within 5% is not flagged', () => {
    expect(line(table, 'calls.stdio.small.c1', 'toolgate')).toBe(
      '| calls.stdio.small.c1 | toolgate ÷ baseline | 0.97× (−3.0%) | 1.04× (+4.0%) | 1.01× (+1.0%) |  | no |',
    );
    expect(line(table, 'calls.http.small.c1', 'toolgate')).toMatch(/1\.10× \(\+10%\) \| 0\.90× \(−10%\) .*\| no \|$/);
  });

  test('every figure more than 5% worse is flagged, the right way round for rates and for times', () => {
    expect(line(table, 'calls.stdio.small.c1', 'toolgate+pipeline')).toBe(
      '| calls.stdio.small.c1 | toolgate+pipeline ÷ baseline+pipeline | **0.93× (−7.0%)** | 1.02× (+2.0%) | **1.09× (+9.0%)** |  | **worse**: calls/s −7.0%, p99 +9.0% |',
    );
    expect(line(table, 'memory.sessions', 'toolgate')).toMatch(
      /\| \*\*1\.14× \(\+14%\)\*\* \| \*\*worse\*\*: memory \+14% \|$/,
    );
  });

  test('the 5% line: just past it is flagged, just inside it is not, and the text tells them apart', () => {
    const near = [ours('setup.http', 'toolgate', 0.951, 1.052, 1.049), theirs('setup.http', 'baseline')];
    expect(line(baselineTable(near), 'setup.http', 'toolgate')).toBe(
      '| setup.http | toolgate ÷ baseline | 0.95× (−4.9%) | **1.05× (+5.2%)** | 1.05× (+4.9%) |  | **worse**: p50 +5.2% |',
    );
  });

  test('a pair the baseline failed in says so; cells only this build runs are left out', () => {
    expect(line(table, 'calls.http.small.c1', 'toolgate+pipeline')).toMatch(
      /not compared: baseline\+pipeline: error: exited with code 1 \|$/,
    );
    expect(table).not.toContain('decide.');
  });

  test('the targets section names the cells that missed', () => {
    expect(baselineCheck(rows)).toEqual([
      '- no cell more than 5% worse than the baseline build: **missed** in 2 of 4 comparisons (1 not compared: see "Against the baseline"):',
      '  - calls.stdio.small.c1, toolgate+pipeline ÷ baseline+pipeline: calls/s −7.0%, p99 +9.0%',
      '  - memory.sessions, toolgate ÷ baseline: memory +14%',
    ]);
    const fine = rows.filter((row) => !row.cell.startsWith('memory.') && !row.target.endsWith('+pipeline'));
    expect(baselineCheck(fine)).toEqual([
      '- no cell more than 5% worse than the baseline build: **met** in all 2 comparisons',
    ]);
    expect(baselineCheck(rows.filter((row) => !row.target.startsWith('baseline')))).toEqual([
      '- no cell more than 5% worse than the baseline build: not measured in this run',
    ]);
  });
});
