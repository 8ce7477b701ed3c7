/**
 * A plain-text table for the terminal: a header line, then one line per row, columns two spaces apart and
 * padded to the widest cell, the last column not padded (so lines carry no trailing blanks).
 *
 * A table printed in blocks (`audit tail --follow`) prints its header once, and its columns only widen: a later
 * block is aligned with the earlier ones unless one of its cells is wider than any before.
 */
export class Table {
  readonly #header: readonly string[];
  readonly #widths: number[];
  #headed = false;

  constructor(header: readonly string[]) {
    this.#header = header;
    this.#widths = header.map((title) => title.length);
  }

  /** The lines that print `rows`, after the header when this is the first block; none for no rows. */
  lines(given: readonly (readonly string[])[]): string[] {
    if (given.length === 0) return [];
    const rows = given.map((row) => row.map(printable));
    for (const row of rows) {
      row.forEach((cell, index) => (this.#widths[index] = Math.max(this.#widths[index] ?? 0, cell.length)));
    }
    const lines = rows.map((row) => this.#line(row));
    if (!this.#headed) lines.unshift(this.#line(this.#header));
    this.#headed = true;
    return lines;
  }

  /** The header line alone, unless it was printed already: so that a table with no rows yet shows what it holds. */
  heading(): string[] {
    if (this.#headed) return [];
    this.#headed = true;
    return [this.#line(this.#header)];
  }

  #line(cells: readonly string[]): string {
    return cells
      .map((cell, index) => (index === cells.length - 1 ? cell : cell.padEnd(this.#widths[index]!)))
      .join('  ')
      .trimEnd();
  }
}

/** The lines of a whole table: its header and its rows. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return new Table(header).lines(rows);
}

/**
 * Control characters (a newline, a terminal escape sequence) and invisible or direction-changing ones, written
 * as `\uXXXX`. Cells hold what agents and servers chose (tool names, messages, labels): printed raw, a newline
 * could forge a row of another grant, and an escape sequence would reach the operator's terminal.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
