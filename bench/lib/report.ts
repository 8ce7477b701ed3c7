/** The bench's results: rows, the markdown tables printed and written to bench/results/, the targets check. */
import { BASELINE_PAIRS } from './targets.js';

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
  /**
   * For this build's targets when a baseline build ran (`--baseline`): medians over rounds of this target's figure
   * divided by the baseline counterpart's in the same round.
   */
  againstBaseline?: { baseline: string; rate: number; p50: number; p99: number };
  /** A figure that is not a rate (memory cells), already formatted. */
  value?: string;
  /** The memory figure of `value`, in bytes, to compare builds by. */
  bytes?: number;
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

/** "No cell more than 5% worse" (issue 11): a figure past this fraction of the baseline's, the wrong way, is flagged. */
const BASELINE_TOLERANCE = 0.05;

type Better = 'higher' | 'lower';

/** One figure of this build against the baseline's: its ratio, and whether it is more than 5% worse. */
interface Compared {
  what: string;
  ratio: number;
  better: Better;
}

function worse({ ratio, better }: Compared): boolean {
  return better === 'higher' ? ratio < 1 - BASELINE_TOLERANCE : ratio > 1 + BASELINE_TOLERANCE;
}

/** The ratio as a change in percent; one decimal near the 5% line, so that a flagged +5.2% does not read "+5%". */
function change(ratio: number): string {
  const percent = (ratio - 1) * 100;
  const near = Math.abs(percent).toFixed(1);
  const text = Number(near) < 10 ? near : Math.abs(percent).toFixed(0);
  const sign = Number(text) === 0 ? '±' : percent > 0 ? '+' : '−';
  return `${sign}${text}%`;
}

function shown(figure: Compared | undefined): string {
  if (figure === undefined || !Number.isFinite(figure.ratio)) return '';
  const text = `${figure.ratio.toFixed(2)}× (${change(figure.ratio)})`;
  return worse(figure) ? `**${text}**` : text;
}

/** One line of the baseline table: a cell, a pair of targets, their figures compared or why they are not. */
interface Comparison {
  cell: string;
  pair: string;
  figures: Compared[];
  /** Why this pair is not compared in this cell. */
  missing?: string;
}

/** Every cell in which both builds ran, pair by pair, in the rows' order. */
function comparisons(rows: readonly Row[]): Comparison[] {
  const result: Comparison[] = [];
  const find = (cell: string, target: string) => rows.find((row) => row.cell === cell && row.target === target);
  for (const cell of new Set(rows.map((row) => row.cell))) {
    for (const [ours, theirs] of BASELINE_PAIRS) {
      const mine = find(cell, ours);
      const base = find(cell, theirs);
      // A cell the baseline does not take part in (the in-process ones, decide and audit).
      if (base === undefined) continue;
      const pair = `${ours} ÷ ${theirs}`;
      const broken = [mine, base].find((row) => row === undefined || row.na !== undefined || row.error !== undefined);
      if (broken !== undefined || mine === undefined) {
        const why =
          broken?.na !== undefined
            ? `n/a: ${broken.na}`
            : broken?.error !== undefined
              ? `error: ${broken.error}`
              : 'did not run';
        result.push({ cell, pair, figures: [], missing: `${broken?.target ?? ours}: ${why}` });
        continue;
      }
      const figures: Compared[] = [];
      if (mine.againstBaseline !== undefined) {
        const unit = mine.unit ?? 'per second';
        figures.push(
          { what: unit, ratio: mine.againstBaseline.rate, better: 'higher' },
          { what: 'p50', ratio: mine.againstBaseline.p50, better: 'lower' },
          { what: 'p99', ratio: mine.againstBaseline.p99, better: 'lower' },
        );
      } else if (mine.bytes !== undefined && base.bytes !== undefined) {
        figures.push({ what: 'memory', ratio: mine.bytes / base.bytes, better: 'lower' });
      }
      if (figures.length === 0) result.push({ cell, pair, figures, missing: 'no figures to compare' });
      else result.push({ cell, pair, figures });
    }
  }
  return result;
}

function verdict(comparison: Comparison): string {
  if (comparison.missing !== undefined) return `not compared: ${comparison.missing}`;
  const bad = comparison.figures.filter((figure) => Number.isFinite(figure.ratio) && worse(figure));
  if (bad.length > 0) return `**worse**: ${bad.map((figure) => `${figure.what} ${change(figure.ratio)}`).join(', ')}`;
  return comparison.figures.some((figure) => !Number.isFinite(figure.ratio)) ? 'no figure worse; some missing' : 'no';
}

/**
 * This build against the baseline build, cell by cell: a preamble saying how to read it, then the markdown table.
 * Every figure more than 5% worse than the baseline's is in bold and named in the last column.
 */
export function baselineTable(rows: readonly Row[]): string {
  const list = comparisons(rows);
  const preamble = [
    "Each figure is this build's divided by the baseline build's: for rates, the median over rounds of the ratio",
    'of the two turns in the same round (the baseline runs right after its counterpart); for memory, one',
    'measurement of each. **Per second: higher is better. p50, p99 and memory: lower is better.** A figure more',
    `than ${BASELINE_TOLERANCE * 100}% worse is in bold and named in the last column. decide and audit run this build's modules`,
    'in-process and are not compared.',
  ].join(' ');
  if (list.length === 0) return `${preamble}\n\nNo cell ran both builds.`;
  const header = [
    'cell',
    'compared',
    'per second ÷ baseline (higher is better)',
    'p50 ÷ baseline (lower is better)',
    'p99 ÷ baseline (lower is better)',
    'memory ÷ baseline (lower is better)',
    `more than ${BASELINE_TOLERANCE * 100}% worse`,
  ];
  const lines = [cells(header), cells(header.map((_, i) => (i < 2 || i === 6 ? '---' : '---:')))];
  for (const comparison of list) {
    const get = (what: string) =>
      comparison.figures.find((figure) => (what === 'rate' ? figure.better === 'higher' : figure.what === what));
    lines.push(
      cells([
        comparison.cell,
        comparison.pair,
        shown(get('rate')),
        shown(get('p50')),
        shown(get('p99')),
        shown(get('memory')),
        verdict(comparison),
      ]),
    );
  }
  return `${preamble}\n\n${lines.join('\n')}`;
}

/** The issue's "no cell more than 5% worse than before", met or missed in this run (for the targets section). */
export function baselineCheck(rows: readonly Row[]): string[] {
  const list = comparisons(rows);
  const compared = list.filter((comparison) => comparison.missing === undefined);
  const bad = compared.filter((comparison) => verdict(comparison).startsWith('**worse**'));
  const what = `no cell more than ${BASELINE_TOLERANCE * 100}% worse than the baseline build`;
  if (compared.length === 0) return [`- ${what}: not measured in this run`];
  const skipped = list.length - compared.length;
  const tail = skipped > 0 ? ` (${skipped} not compared: see "Against the baseline")` : '';
  if (bad.length === 0) return [`- ${what}: **met** in all ${compared.length} comparisons${tail}`];
  return [
    `- ${what}: **missed** in ${bad.length} of ${compared.length} comparisons${tail}:`,
    ...bad.map(
      (comparison) => `  - ${comparison.cell}, ${comparison.pair}: ${verdict(comparison).replace('**worse**: ', '')}`,
    ),
  ];
}
