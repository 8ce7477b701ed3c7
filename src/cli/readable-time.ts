/**
 * Times as the CLI's tables show them to people. Machine-readable output (`--json`) keeps ISO 8601 instead.
 */

/** `2026-12-01 21:30:05Z`: UTC to the second, so that one table reads the same on every machine. */
export function readableTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

const UNITS: readonly (readonly [suffix: string, ms: number])[] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/**
 * How far `ms` is from `now`, in its largest whole unit: `3m ago`, `in 4m`, `2d ago`; `now` within a second.
 * Units from seconds to days; a duration of 48 hours or more is given in days, of 2 to 48 hours in hours, and
 * so on, so that the number is never below 2 except for the unit below minutes.
 */
export function relativeTime(ms: number, now: number): string {
  const distance = Math.abs(ms - now);
  if (distance < 1000) return 'now';
  const [suffix, size] = UNITS.find(([, unit]) => distance >= 2 * unit) ?? UNITS[UNITS.length - 1]!;
  const amount = `${Math.floor(distance / size)}${suffix}`;
  return ms < now ? `${amount} ago` : `in ${amount}`;
}
