/**
 * The calls-by-decision chart's geometry and words, from GET /admin/audit/histogram: one stacked bar per time
 * bucket, a segment per decision, and the summary a screen reader hears. Pure; histogram-chart.tsx draws it.
 */

export interface Histogram {
  /** Epoch milliseconds (the API may send ISO text; see histogramTimes). */
  readonly since: number;
  readonly until: number;
  readonly bucketMs: number;
  readonly buckets: readonly { readonly start: number; readonly counts: Readonly<Record<string, number>> }[];
}

export interface ChartSegment {
  readonly decision: string;
  readonly count: number;
  readonly y: number;
  readonly height: number;
}

export interface ChartBar {
  readonly start: number;
  readonly end: number;
  readonly total: number;
  readonly x: number;
  readonly width: number;
  readonly segments: readonly ChartSegment[];
}

/**
 * Decisions in the order they stack (bottom first) and their colours: calls let through (greens), held (ambers),
 * refused (reds), then the rest. Each colour has at least 3:1 contrast on white, as chart marks need.
 */
const DECISION_COLOURS: readonly (readonly [string, string])[] = [
  ['allow', '#1c6b3a'],
  ['unrestricted', '#3f7d52'],
  ['approved', '#13707f'],
  ['require_approval', '#8a5a00'],
  ['approval_expired', '#6b5a2e'],
  ['approval_denied', '#8e2a5c'],
  ['rate_limited', '#b24a00'],
  ['deny', '#b3261e'],
  ['hide', '#6e3a96'],
  ['unknown_tool', '#4b5563'],
  ['not_accepted', '#9b2c2c'],
  ['undecided', '#6b7280'],
];
const OTHER_COLOUR = '#1f5fbf';

export function decisionColour(decision: string): string {
  return DECISION_COLOURS.find(([name]) => name === decision)?.[1] ?? OTHER_COLOUR;
}

/** The decisions the histogram has counts for, in stacking order (known ones first, then by name). */
export function decisionsOf(histogram: Histogram): string[] {
  const present = new Set<string>();
  for (const bucket of histogram.buckets) {
    for (const [decision, count] of Object.entries(bucket.counts)) if (count > 0) present.add(decision);
  }
  const rank = (decision: string) => {
    const index = DECISION_COLOURS.findIndex(([name]) => name === decision);
    return index === -1 ? DECISION_COLOURS.length : index;
  };
  return [...present].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Bars in a `width` × `height` area: equal slots, one pixel apart, heights to scale with the tallest bar. */
export function chartLayout(histogram: Histogram, width: number, height: number): { bars: ChartBar[]; max: number } {
  const decisions = decisionsOf(histogram);
  const totals = histogram.buckets.map((bucket) => decisions.reduce((sum, d) => sum + (bucket.counts[d] ?? 0), 0));
  const max = Math.max(0, ...totals);
  const slot = histogram.buckets.length === 0 ? 0 : width / histogram.buckets.length;
  const bars = histogram.buckets.map((bucket, index): ChartBar => {
    let top = height;
    const segments: ChartSegment[] = [];
    for (const decision of decisions) {
      const count = bucket.counts[decision] ?? 0;
      if (count === 0) continue;
      const segmentHeight = (count / max) * height;
      top -= segmentHeight;
      segments.push({ decision, count, y: top, height: segmentHeight });
    }
    return {
      start: bucket.start,
      end: bucket.start + histogram.bucketMs,
      total: totals[index]!,
      x: index * slot,
      width: Math.max(1, slot - 1),
      segments,
    };
  });
  return { bars, max };
}

/** Totals per decision over the whole histogram, in stacking order. */
export function decisionTotals(histogram: Histogram): { decision: string; count: number }[] {
  return decisionsOf(histogram).map((decision) => ({
    decision,
    count: histogram.buckets.reduce((sum, bucket) => sum + (bucket.counts[decision] ?? 0), 0),
  }));
}

/**
 * The chart in one sentence, for its title and screen readers: how many records, split by decision, and the
 * busiest slice. `time` formats an epoch time (the page passes the browser's locale).
 */
export function chartSummary(histogram: Histogram, time: (ms: number) => string): string {
  const totals = decisionTotals(histogram);
  const all = totals.reduce((sum, item) => sum + item.count, 0);
  const span = `from ${time(histogram.since)} to ${time(histogram.until)}`;
  if (all === 0) return `No records ${span}.`;
  const split = totals.map((item) => `${item.count} ${item.decision}`).join(', ');
  let busiest = histogram.buckets[0]!;
  let busiestTotal = -1;
  for (const bucket of histogram.buckets) {
    const total = Object.values(bucket.counts).reduce((sum, count) => sum + count, 0);
    if (total > busiestTotal) [busiest, busiestTotal] = [bucket, total];
  }
  return `${all} record${all === 1 ? '' : 's'} ${span}: ${split}. Busiest: ${busiestTotal} from ${time(busiest.start)}.`;
}

/** The histogram with its times as epoch milliseconds, whichever way the API wrote them. */
export function histogramTimes(raw: {
  since: number | string;
  until: number | string;
  bucketMs: number;
  buckets: Histogram['buckets'];
}): Histogram {
  const ms = (value: number | string) => (typeof value === 'number' ? value : Date.parse(value));
  return { ...raw, since: ms(raw.since), until: ms(raw.until) };
}
