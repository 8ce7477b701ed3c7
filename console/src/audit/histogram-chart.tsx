import { chartLayout, chartSummary, decisionColour, decisionTotals, type Histogram } from './histogram-layout.js';

const WIDTH = 960;
const HEIGHT = 160;
/** Room under the bars for the time labels. */
const AXIS = 18;

/**
 * Calls by decision over time as a stacked bar chart, drawn by hand in SVG. Its title and label say what it
 * shows in one sentence; a visually hidden table gives screen readers every number.
 */
export function HistogramChart({ histogram }: { histogram: Histogram }) {
  const { bars, max } = chartLayout(histogram, WIDTH, HEIGHT);
  const time = (ms: number) => new Date(ms).toLocaleString();
  // The axis labels: times for a span within a day, dates with times beyond (a day's ends are the same time).
  const span = histogram.until - histogram.since;
  const short = (ms: number) =>
    span > 2 * 86_400_000
      ? new Date(ms).toLocaleDateString()
      : span > 12 * 3_600_000
        ? new Date(ms).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
        : new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const summary = chartSummary(histogram, time);
  const totals = decisionTotals(histogram);
  const decisions = totals.map((item) => item.decision);
  return (
    <figure class="chart">
      <figcaption>
        Calls by decision over time <span class="muted small">(tallest bar: {max})</span>
      </figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT + AXIS}`}
        role="img"
        aria-label={summary}
        preserveAspectRatio="none"
        class="histogram"
      >
        <title>{summary}</title>
        <line x1="0" y1={HEIGHT} x2={WIDTH} y2={HEIGHT} class="axis" />
        {bars.map((bar) => (
          <g key={bar.start}>
            {bar.segments.map((segment) => (
              <rect
                key={segment.decision}
                x={bar.x}
                y={segment.y}
                width={bar.width}
                height={segment.height}
                fill={decisionColour(segment.decision)}
              >
                <title>{`${time(bar.start)}: ${segment.count} ${segment.decision}`}</title>
              </rect>
            ))}
          </g>
        ))}
        <text x="0" y={HEIGHT + AXIS - 4} class="tick">
          {short(histogram.since)}
        </text>
        <text x={WIDTH} y={HEIGHT + AXIS - 4} class="tick" text-anchor="end">
          {short(histogram.until)}
        </text>
      </svg>
      <ul class="legend" aria-hidden="true">
        {totals.map((item) => (
          <li key={item.decision}>
            <span class="swatch" style={{ background: decisionColour(item.decision) }} /> {item.decision} ({item.count})
          </li>
        ))}
      </ul>
      <table class="visually-hidden">
        <caption>Records by decision in each slice of time</caption>
        <thead>
          <tr>
            <th scope="col">From</th>
            {decisions.map((decision) => (
              <th scope="col" key={decision}>
                {decision}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {bars
            .filter((bar) => bar.total > 0)
            .map((bar) => (
              <tr key={bar.start}>
                <th scope="row">{time(bar.start)}</th>
                {decisions.map((decision) => (
                  <td key={decision}>{bar.segments.find((segment) => segment.decision === decision)?.count ?? 0}</td>
                ))}
              </tr>
            ))}
        </tbody>
      </table>
    </figure>
  );
}
