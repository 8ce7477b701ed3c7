import { describe, expect, it } from 'vitest';
import { facetsOf, filterTools, indexTools, NO_FILTER } from './tool-filter.js';
import { CATEGORIES, RISKS, type Effect, type ToolRow } from './tool-row.js';

function row(server: string, tool: string, more: Partial<ToolRow> = {}, effect: Effect = 'allow'): ToolRow {
  return {
    server,
    tool,
    exposedName: `${server}__${tool}`,
    category: 'Read',
    risk: 'Low',
    evidence: [],
    warnings: [],
    policy: { effect, rule: '', message: '', dependsOnArguments: false, shadow: false },
    ...more,
  };
}

const ROWS = [
  row('files', 'read_text_file'),
  row('files', 'write_file', { category: 'Write', risk: 'Medium' }, 'require_approval'),
  row('memory', 'delete_entities', {
    category: 'Destructive',
    risk: 'High',
    evidence: [{ source: 'name', quote: 'delete', finding: 'deletes' }],
  }),
  row('Memory', 'read_graph', {}, 'hide'),
];
const names = (rows: readonly ToolRow[]) => rows.map((each) => each.exposedName);

describe('the tools filter', () => {
  it('keeps every row, in order, when nothing is chosen', () => {
    expect(names(filterTools(indexTools(ROWS), NO_FILTER))).toEqual(names(ROWS));
  });

  it('matches every word of the search text, case-blind, anywhere in the row', () => {
    const tools = indexTools(ROWS);
    expect(names(filterTools(tools, { ...NO_FILTER, text: 'FILE' }))).toEqual([
      'files__read_text_file',
      'files__write_file',
    ]);
    expect(names(filterTools(tools, { ...NO_FILTER, text: 'memory read' }))).toEqual(['Memory__read_graph']);
    // The evidence's quotes and the effect in words are searched too.
    expect(names(filterTools(tools, { ...NO_FILTER, text: 'delete' }))).toEqual(['memory__delete_entities']);
    expect(names(filterTools(tools, { ...NO_FILTER, text: 'needs approval' }))).toEqual(['files__write_file']);
    expect(filterTools(tools, { ...NO_FILTER, text: 'nothing matches this' })).toEqual([]);
  });

  it('narrows by server, category, risk and effect exactly, and combines them', () => {
    const tools = indexTools(ROWS);
    expect(names(filterTools(tools, { ...NO_FILTER, server: 'memory' }))).toEqual(['memory__delete_entities']);
    expect(names(filterTools(tools, { ...NO_FILTER, category: 'Write' }))).toEqual(['files__write_file']);
    expect(names(filterTools(tools, { ...NO_FILTER, risk: 'Low', effect: 'hide' }))).toEqual(['Memory__read_graph']);
    expect(filterTools(tools, { ...NO_FILTER, server: 'files', risk: 'High' })).toEqual([]);
  });

  it('offers each filter the values the rows have: risks by severity', () => {
    expect(facetsOf(ROWS)).toEqual({
      servers: ['Memory', 'files', 'memory'],
      categories: ['Destructive', 'Read', 'Write'],
      risks: ['Low', 'Medium', 'High'],
      effects: ['allow', 'hide', 'require_approval'],
    });
  });

  it('filters a thousand tools from 20 servers by every filter at once', () => {
    const many = Array.from({ length: 1000 }, (_, i) =>
      row(`server${i % 20}`, `tool_${i}`, {
        category: CATEGORIES[i % CATEGORIES.length]!,
        risk: RISKS[i % RISKS.length]!,
      }),
    );
    const tools = indexTools(many);
    expect(filterTools(tools, NO_FILTER)).toHaveLength(1000);
    expect(filterTools(tools, { ...NO_FILTER, server: 'server7' })).toHaveLength(50);
    // server7 is i ≡ 7 (mod 20), so always Critical (i ≡ 3 mod 4); Write is i ≡ 1 (mod 6): i ≡ 7 (mod 60).
    const narrowed = filterTools(tools, { ...NO_FILTER, server: 'server7', risk: 'Critical', category: 'Write' });
    expect(names(narrowed)).toEqual(Array.from({ length: 17 }, (_, k) => `server7__tool_${7 + 60 * k}`));
    expect(names(filterTools(tools, { ...NO_FILTER, text: 'tool_999' }))).toEqual(['server19__tool_999']);
    expect(filterTools(tools, { ...NO_FILTER, text: 'tool_99' })).toHaveLength(11);
  });
});
