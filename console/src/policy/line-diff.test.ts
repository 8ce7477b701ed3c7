import { describe, expect, it } from 'vitest';
import { diffCounts, lineDiff, type DiffLine } from './line-diff.js';

/** A diff as `diff -u` would print its body: ' ', '+' or '-' and the line. */
function unified(lines: readonly DiffLine[]): string[] {
  return lines.map((line) => `${line.kind === 'same' ? ' ' : line.kind === 'added' ? '+' : '-'}${line.text}`);
}

describe('lineDiff', () => {
  it('same texts are all the same lines, numbered on both sides', () => {
    expect(lineDiff('a\nb\n', 'a\nb\n')).toEqual([
      { kind: 'same', text: 'a', oldLine: 1, newLine: 1 },
      { kind: 'same', text: 'b', oldLine: 2, newLine: 2 },
    ]);
  });

  it('a changed line is the old line removed, then the new one added', () => {
    const lines = lineDiff('{\n  "max": 60,\n  "scope": "grant"\n}\n', '{\n  "max": 90,\n  "scope": "grant"\n}\n');
    expect(unified(lines)).toEqual([' {', '-  "max": 60,', '+  "max": 90,', '   "scope": "grant"', ' }']);
    expect(lines[1]).toEqual({ kind: 'removed', text: '  "max": 60,', oldLine: 2 });
    expect(lines[2]).toEqual({ kind: 'added', text: '  "max": 90,', newLine: 2 });
    expect(lines[3]).toMatchObject({ oldLine: 3, newLine: 3 });
  });

  it('finds the longest common subsequence, not just a common head and tail', () => {
    // a b c a b b a → c b a b a c (the classic example: an LCS of length 4)
    const lines = lineDiff('a\nb\nc\na\nb\nb\na', 'c\nb\na\nb\na\nc');
    expect(lines.filter((line) => line.kind === 'same')).toHaveLength(4);
    expect(diffCounts(lines)).toEqual({ added: 2, removed: 3 });
  });

  it('rebuilds both texts from the diff', () => {
    const before = 'x\none\ntwo\nthree\nfour\ny';
    const after = 'one\n2\nthree\nfive\nfour\nz\ny';
    const lines = lineDiff(before, after);
    expect(lines.filter((l) => l.kind !== 'added').map((l) => l.text)).toEqual(before.split('\n'));
    expect(lines.filter((l) => l.kind !== 'removed').map((l) => l.text)).toEqual(after.split('\n'));
    const oldNumbers = lines.flatMap((l) => (l.oldLine === undefined ? [] : [l.oldLine]));
    expect(oldNumbers).toEqual([1, 2, 3, 4, 5, 6]);
    const newNumbers = lines.flatMap((l) => (l.newLine === undefined ? [] : [l.newLine]));
    expect(newNumbers).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('from nothing, and to nothing', () => {
    expect(unified(lineDiff('', 'a\nb'))).toEqual(['+a', '+b']);
    expect(unified(lineDiff('a\n', ''))).toEqual(['-a']);
    expect(lineDiff('', '')).toEqual([]);
  });

  it('a missing final newline does not make a line differ; CRLF reads as LF', () => {
    expect(diffCounts(lineDiff('a\nb', 'a\r\nb\r\n'))).toEqual({ added: 0, removed: 0 });
  });
});
