/** The bench's results: rows, the markdown tables printed and written to bench/results/, the targets check. */

/** One target's figures in one cell. */
export interface Row {
  cell: string;
  target: string;
  /** Unit of `rate`: calls/s, sessions/s, decisions/s, records/s. */
  unit?: string;
  /** Median over rounds. */
  rate?: number;
  /** Median over rounds of rate ÷ direct's rate in the same round. */
  rateRatio?: number;
  /** Milliseconds, median over rounds of each round's p50. */
  p50?: number;
  p50Ratio?: number;
  /** Median over rounds of p50 − direct's p50 in the same round, in ms. */
  p50Added?: number;
  p99?: number;
  p99Ratio?: number;
  /** A figure that is not a rate (memory cells), already formatted. */
  value?: string;
  note?: string;
  /** Why this cell cannot be measured (yet). */
  na?: string;
  /** The cell failed. */
  error?: string;
}

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function rate(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '';
  return value >= 100 ? count.format(value) : value.toFixed(1);
}

function ms(value: number | undefined, signed = false): string {
  if (value === undefined || !Number.isFinite(value)) return '';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return (signed && value >= 0 ? '+' : '') + value.toFixed(digits);
}

function ratio(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '';
  return `${value.toFixed(2)}×`;
}

function cells(values: string[]): string {
  return `| ${values.join(' | ')} |`;
}

/** The timing table (calls, sessions, decisions, records) in markdown. */
export function timingTable(rows: readonly Row[]): string {
  const header = [
    'cell',
    'target',
    'per second',
    '× direct',
    'p50 ms',
    '× direct',
    'added p50 ms',
    'p99 ms',
    '× direct',
  ];
  const lines = [cells(header), cells(header.map((_, i) => (i < 2 ? '---' : '---:')))];
  for (const row of rows) {
    if (row.na !== undefined || row.error !== undefined) {
      const text = row.na !== undefined ? `n/a: ${row.na}` : `error: ${row.error}`;
      lines.push(cells([row.cell, row.target, text, '', '', '', '', '', '']));
      continue;
    }
    const direct = row.target === 'direct';
    lines.push(
      cells([
        row.cell,
        row.target,
        `${rate(row.rate)}${row.unit && row.unit !== 'calls/s' ? ` ${row.unit}` : ''}`,
        direct ? '' : ratio(row.rateRatio),
        ms(row.p50),
        direct ? '' : ratio(row.p50Ratio),
        direct ? '' : ms(row.p50Added, true),
        ms(row.p99),
        direct ? '' : ratio(row.p99Ratio),
      ]),
    );
  }
  return lines.join('\n');
}

/** The memory table in markdown. */
export function memoryTable(rows: readonly Row[]): string {
  const lines = [cells(['cell', 'target', 'figure', 'how']), cells(['---', '---', '---:', '---'])];
  for (const row of rows) {
    const figure =
      row.na !== undefined ? `n/a: ${row.na}` : row.error !== undefined ? `error: ${row.error}` : row.value;
    lines.push(cells([row.cell, row.target, figure ?? '', row.note ?? '']));
  }
  return lines.join('\n');
}

/** The issue's targets, each met or missed in this run's figures (or not measurable in it). */
export function targetsCheck(rows: readonly Row[]): string[] {
  const lines: string[] = [];
  const find = (cell: string, target: string) =>
    rows.find((row) => row.cell === cell && row.target === target && row.na === undefined && row.error === undefined);
  const callCells = [...new Set(rows.filter((row) => row.cell.startsWith('calls.')).map((row) => row.cell))];

  for (const ours of ['toolgate', 'toolgate+pipeline', 'toolgate stdio']) {
    // Ahead of both published proxies in calls per second and p50, wherever they can run. The proxies serve HTTP
    // clients: a stdio client of `toolgate stdio` is compared with direct only.
    const behind: string[] = [];
    let compared = 0;
    for (const cell of ours === 'toolgate stdio' ? [] : callCells) {
      const mine = find(cell, ours);
      if (!mine) continue;
      for (const proxy of ['mcp-proxy', 'supergateway']) {
        const theirs = find(cell, proxy);
        if (!theirs) continue;
        compared++;
        if (!(mine.rate! > theirs.rate!)) {
          behind.push(`${cell}: calls/s ${rate(mine.rate)} vs ${proxy} ${rate(theirs.rate)}`);
        }
        if (!(mine.p50! < theirs.p50!)) behind.push(`${cell}: p50 ${ms(mine.p50)} ms vs ${proxy} ${ms(theirs.p50)} ms`);
      }
    }
    if (compared === 0) {
      // Nothing to compare with the proxies: only the targets against direct below.
    } else if (behind.length === 0) {
      lines.push(
        `- ${ours} ahead of both published proxies in calls/s and p50, in all ${compared * 2} comparisons: **met**`,
      );
    } else {
      lines.push(
        `- ${ours} ahead of both published proxies in calls/s and p50: **missed** in ${behind.length} of ${compared * 2}:`,
      );
      for (const item of behind) lines.push(`  - ${item}`);
    }

    const atLeast = (cell: string, want: number, what: string) => {
      const row = find(cell, ours);
      if (!row || row.rateRatio === undefined) return;
      const verdict = row.rateRatio >= want ? 'met' : 'missed';
      lines.push(`- ${ours}, ${what} ≥ ${want} of direct's calls/s: ${ratio(row.rateRatio)} **${verdict}**`);
    };
    atLeast('calls.stdio.small.c16', 0.85, 'small results, 16 clients, stdio server:');
    atLeast('calls.http.small.c16', 0.7, 'small results, 16 clients, HTTP server:');

    for (const cell of callCells.filter((name) => name.endsWith('.c1'))) {
      const row = find(cell, ours);
      if (!row || row.p50Added === undefined) continue;
      const verdict = row.p50Added <= 0.3 ? 'met' : 'missed';
      lines.push(`- ${ours}, ${cell}: at most 0.3 ms added to the p50: ${ms(row.p50Added, true)} ms **${verdict}**`);
    }
  }
  if (lines.length === 0) lines.push('- calls against direct and the proxies: not measured in this run');
  const decisions = rows.filter((row) => row.cell.startsWith('decide.'));
  if (decisions.length === 0 || decisions.some((row) => row.rate === undefined)) {
    lines.push('- over a million decisions per second, the same for 10 or 10,000 rules: not measurable yet');
  } else {
    const [few, many] = decisions;
    // "The same": within a fifth of each other, which is about what rounds vary by on this machine.
    const verdict = few!.rate! > 1e6 && many!.rate! > 1e6 && many!.rate! >= 0.8 * few!.rate! ? 'met' : 'missed';
    lines.push(
      `- over a million decisions per second, the same for 10 or 10,000 rules: ${rate(few!.rate)} and ${rate(many!.rate)} a second (${ratio(many!.rate! / few!.rate!)}) **${verdict}**`,
    );
  }
  return lines;
}
