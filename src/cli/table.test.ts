import { describe, expect, it } from 'vitest';
import { formatTable, Table } from './table.js';

describe('Table', () => {
  it('writes control and invisible characters as escapes, so a cell cannot forge a row or drive the terminal', () => {
    const forged = 'read_file\n2026-12-02 10:00:00Z  admin  github  delete_repo  allow';
    const lines = formatTable(
      ['TOOL', 'DECISION'],
      [
        [forged, 'deny'],
        ['\u001b[2Jclear\u202eevil', 'deny'],
      ],
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain('read_file\\u000a2026-12-02');
    expect(lines[2]).toContain('\\u001b[2Jclear\\u202eevil');
    for (const raw of ['\n', '\u001b', '\u202e']) expect(lines.join('')).not.toContain(raw);
  });

  it('pads every column but the last to its widest cell, header included', () => {
    expect(
      formatTable(
        ['ID', 'STATUS', 'REASON'],
        [
          ['apr_1', 'pending', 'over 500'],
          ['apr_22', 'denied', ''],
        ],
      ),
    ).toEqual(['ID      STATUS   REASON', 'apr_1   pending  over 500', 'apr_22  denied']);
  });

  it('prints its header once and only widens its columns when printed in blocks', () => {
    const table = new Table(['A', 'B']);
    expect(table.lines([])).toEqual([]);
    expect(table.lines([['xx', '1']])).toEqual(['A   B', 'xx  1']);
    expect(table.lines([['y', '2']])).toEqual(['y   2']);
    expect(table.lines([['zzzz', '3']])).toEqual(['zzzz  3']);
  });

  it('prints its header alone once when asked before any row', () => {
    const table = new Table(['TIME', 'TOOL']);
    expect(table.heading()).toEqual(['TIME  TOOL']);
    expect(table.heading()).toEqual([]);
    expect(table.lines([['09:00', 'add']])).toEqual(['09:00  add']);
  });
});
