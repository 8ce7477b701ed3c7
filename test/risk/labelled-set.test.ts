import { describe, expect, it } from 'vitest';
import {
  CATEGORIES,
  integrityProblems,
  loadLabelledSet,
  readCorpus,
  readLabels,
  RISKS,
  type ServerCorpus,
} from './labelled-set.js';

describe('the labelled set', () => {
  const corpus = readCorpus();
  const labels = readLabels();

  it('labels every tool of the corpus exactly once, and labels nothing else', () => {
    expect(integrityProblems(corpus, labels)).toEqual([]);
  });

  it('holds at least 300 tools from at least 15 servers (issue 13)', () => {
    const set = loadLabelledSet();
    expect(set.length).toBeGreaterThanOrEqual(300);
    expect(new Set(set.map((entry) => entry.server)).size).toBeGreaterThanOrEqual(15);
  });

  it('uses every category and every risk at least once', () => {
    const set = loadLabelledSet();
    expect(new Set(set.map((entry) => entry.label.category))).toEqual(new Set(CATEGORIES));
    expect(new Set(set.map((entry) => entry.label.risk))).toEqual(new Set(RISKS));
  });

  it('gives each tool its own server instructions and its definition as sent', () => {
    const set = loadLabelledSet();
    for (const entry of set) {
      const file = corpus.get(entry.server)!;
      expect(file.tools).toContainEqual(entry.tool);
      expect(entry.instructions).toBe(file.instructions ?? undefined);
    }
    expect(set.some((entry) => entry.instructions !== undefined)).toBe(true);
  });
});

describe('integrityProblems', () => {
  const corpus = new Map<string, ServerCorpus>([
    ['one', { package: 'one-mcp', version: '1.0.0', instructions: null, tools: [{ name: 'read' }, { name: 'drop' }] }],
  ]);
  const good = [
    { server: 'one', tool: 'read', category: 'Read', risk: 'Low', reason: 'reads' },
    { server: 'one', tool: 'drop', category: 'Destructive', risk: 'Critical', reason: 'drops a table' },
  ];

  it('finds nothing in a consistent set', () => {
    expect(integrityProblems(corpus, good)).toEqual([]);
  });

  it('names a tool without a label and a label without a tool', () => {
    const labels = [good[0], { ...good[1]!, tool: 'dropp' }];
    expect(integrityProblems(corpus, labels)).toEqual([
      'label 1 (one/dropp): no such tool in the corpus',
      'one/drop: no label',
    ]);
  });

  it('names a second label for the same tool', () => {
    expect(integrityProblems(corpus, [...good, good[0]])).toEqual([
      'label 2 (one/read): a second label for the same tool',
    ]);
  });

  it('names a category or risk outside the vocabulary, and an empty or multi-line reason', () => {
    const labels = [
      { ...good[0]!, category: 'Delete', reason: ' ' },
      { ...good[1]!, risk: 'Severe', reason: 'drops\na table' },
    ];
    expect(integrityProblems(corpus, labels)).toEqual([
      'label 0 (one/read): category Delete',
      'label 0 (one/read): no reason',
      'label 1 (one/drop): risk Severe',
      'label 1 (one/drop): a reason longer than one line',
    ]);
  });

  it('names a server file without a package, a version or tools, and a tool listed twice', () => {
    const broken = new Map<string, ServerCorpus>([
      ['two', { package: '', version: '', instructions: null, tools: [{ name: 'x' }, { name: 'x' }] }],
      ['three', { package: 'p', version: '1', instructions: null } as unknown as ServerCorpus],
    ]);
    expect(integrityProblems(broken, [{ ...good[0]!, server: 'two', tool: 'x' }])).toEqual([
      'two: no package name',
      'two: no version',
      'two/x: listed twice by its server',
      'three: no tools array',
    ]);
  });
});
