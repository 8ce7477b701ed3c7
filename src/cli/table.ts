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
  lines(rows: readonly (readonly string[])[]): string[] {
    if (rows.length === 0) return [];
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
