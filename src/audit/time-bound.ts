/** Units of a relative time: `90s`, `15m`, `2h`, `7d`, `2w`. */
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const RELATIVE = /^(\d+)([smhdw])$/;
// A date first (2026-05-01), then whatever Date reads after it (a time, an offset); not Date.parse's free forms.
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\S*)?$/;

/**
 * A bound of a time range as a person writes it on the command line, in epoch ms: an ISO 8601 date or date and
 * time (`2026-05-01`, `2026-05-01T09:30:00Z`; a date alone is UTC midnight, a time without an offset is local),
 * or a time before `now` (`15m` is fifteen minutes ago; units s, m, h, d, w). Pure.
 */
export function parseTimeBound(text: string, now: number): number | { readonly error: string } {
  const trimmed = text.trim();
  const relative = RELATIVE.exec(trimmed);
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2]!]!;
  if (ISO_DATE.test(trimmed)) {
    const time = Date.parse(trimmed);
    if (!Number.isNaN(time)) return time;
  }
  return {
    error: `"${text}" is not a time: write an ISO 8601 date or time (2026-05-01T09:30:00Z) or an age (15m, 2h, 7d)`,
  };
}
