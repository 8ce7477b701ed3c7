import { describe, expect, it } from 'vitest';
import {
  chartLayout,
  chartSummary,
  decisionColour,
  decisionsOf,
  decisionTotals,
  histogramTimes,
  type Histogram,
} from './histogram-layout.js';

const HISTOGRAM: Histogram = {
  since: 0,
  until: 3_000,
  bucketMs: 1_000,
  buckets: [
    { start: 0, counts: { deny: 1, allow: 3 } },
    { start: 1_000, counts: {} },
    { start: 2_000, counts: { allow: 1, policy_saved: 1, deny: 0 } },
  ],
};

describe('chartLayout', () => {
  const { bars, max } = chartLayout(HISTOGRAM, 300, 100);

  it('has one bar a bucket, in equal slots one pixel apart', () => {
    expect(max).toBe(4);
    expect(bars.map((bar) => [bar.x, bar.width, bar.total])).toEqual([
      [0, 99, 4],
      [100, 99, 0],
      [200, 99, 2],
    ]);
    expect(bars[2]).toMatchObject({ start: 2_000, end: 3_000 });
  });

  it('stacks the decisions from the bottom, allow first, to scale with the tallest bar', () => {
    expect(bars[0]!.segments).toEqual([
      { decision: 'allow', count: 3, y: 25, height: 75 },
      { decision: 'deny', count: 1, y: 0, height: 25 },
    ]);
    expect(bars[1]!.segments).toEqual([]);
    expect(bars[2]!.segments.map((segment) => [segment.decision, segment.y, segment.height])).toEqual([
      ['allow', 75, 25],
      ['policy_saved', 50, 25],
    ]);
  });

  it('an empty histogram has flat bars and no division by zero', () => {
    const empty = chartLayout({ ...HISTOGRAM, buckets: [{ start: 0, counts: {} }] }, 100, 50);
    expect(empty.max).toBe(0);
    expect(empty.bars[0]!.segments).toEqual([]);
    expect(chartLayout({ ...HISTOGRAM, buckets: [] }, 100, 50).bars).toEqual([]);
  });
});

it('orders decisions known ones first, leaves out zero counts', () => {
  expect(decisionsOf(HISTOGRAM)).toEqual(['allow', 'deny', 'policy_saved']);
  expect(decisionTotals(HISTOGRAM)).toEqual([
    { decision: 'allow', count: 4 },
    { decision: 'deny', count: 1 },
    { decision: 'policy_saved', count: 1 },
  ]);
  expect(decisionColour('allow')).not.toBe(decisionColour('deny'));
  expect(decisionColour('member_added')).toMatch(/^#[0-9a-f]{6}$/);
});

describe('chartSummary', () => {
  const time = (ms: number) => `t${ms / 1000}`;
  it('says how many, by decision, and the busiest slice', () => {
    expect(chartSummary(HISTOGRAM, time)).toBe(
      '6 records from t0 to t3: 4 allow, 1 deny, 1 policy_saved. Busiest: 4 from t0.',
    );
  });
  it('says so when there are none', () => {
    expect(chartSummary({ ...HISTOGRAM, buckets: [{ start: 0, counts: {} }] }, time)).toBe('No records from t0 to t3.');
  });
});

it('histogramTimes reads ISO or epoch times', () => {
  const histogram = histogramTimes({ since: '1970-01-01T00:00:01.000Z', until: 5_000, bucketMs: 1, buckets: [] });
  expect([histogram.since, histogram.until]).toEqual([1_000, 5_000]);
});
