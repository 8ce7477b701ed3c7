/**
 * How often the risk classifier agrees with the labelled set (test/risk/README.md): per category and per risk,
 * with the confusion tables printed, so that a change to the classifier shows what it moved. It fails when
 * agreement falls below the level reached (FLOOR): raise the floor when the classifier gets better, never lower
 * it to let a change through. The labels were written by reading each definition, never from the classifier.
 */
import { describe, expect, it } from 'vitest';
import { classifyServers } from '../../src/risk/classify-servers.js';
import { CATEGORIES, RISKS } from '../../src/risk/classification.js';
import { loadLabelledSet, type LabelledTool } from './labelled-set.js';

/** Agreement reached (97.8% and 94.5% on 458 tools), as a fraction; the issue asks for at least 0.92 and 0.88. */
const FLOOR = { category: 0.975, risk: 0.94 };

interface Outcome {
  readonly tool: LabelledTool;
  readonly category: string;
  readonly risk: string;
}

function classifyAll(): Outcome[] {
  const set = loadLabelledSet();
  const servers = new Map<string, LabelledTool[]>();
  for (const tool of set) servers.set(tool.server, [...(servers.get(tool.server) ?? []), tool]);
  const classified = classifyServers(
    [...servers].map(([serverId, tools]) => ({
      serverId,
      ...(tools[0]?.instructions === undefined ? {} : { instructions: tools[0].instructions }),
      tools: tools.map((tool) => tool.tool),
    })),
  );
  return set.map((tool) => {
    const result = classified.get(tool.server)?.get(tool.tool.name);
    if (!result) throw new Error(`${tool.server}:${tool.tool.name} was not classified`);
    return { tool, category: result.category, risk: result.risk };
  });
}

/** A confusion table: rows the labels, columns what the classifier said. */
function confusion(outcomes: readonly Outcome[], field: 'category' | 'risk', values: readonly string[]): string {
  const width = Math.max(...values.map((value) => value.length), 6);
  const cell = (text: string | number) => String(text).padStart(width);
  const lines = [`${'label \\ said'.padEnd(14)}${values.map(cell).join(' ')}`];
  for (const labelled of values) {
    const row = values.map(
      (said) => outcomes.filter((outcome) => outcome.tool.label[field] === labelled && outcome[field] === said).length,
    );
    lines.push(`${labelled.padEnd(14)}${row.map(cell).join(' ')}`);
  }
  return lines.join('\n');
}

describe('the risk classifier on the labelled set', () => {
  const outcomes = classifyAll();
  const agreement = (field: 'category' | 'risk') =>
    outcomes.filter((outcome) => outcome.tool.label[field] === outcome[field]).length / outcomes.length;

  it(`agrees on the category of at least ${FLOOR.category * 100}% of the tools`, () => {
    const reached = agreement('category');
    console.log(
      `category agreement: ${(reached * 100).toFixed(1)}% of ${outcomes.length} tools\n${confusion(outcomes, 'category', CATEGORIES)}`,
    );
    const misses = outcomes
      .filter((outcome) => outcome.tool.label.category !== outcome.category)
      .map((o) => `${o.tool.server}:${o.tool.tool.name} labelled ${o.tool.label.category}, said ${o.category}`);
    console.log(`disagreements:\n  ${misses.join('\n  ')}`);
    expect(reached).toBeGreaterThanOrEqual(FLOOR.category);
  });

  it(`agrees on the risk of at least ${FLOOR.risk * 100}% of the tools`, () => {
    const reached = agreement('risk');
    console.log(
      `risk agreement: ${(reached * 100).toFixed(1)}% of ${outcomes.length} tools\n${confusion(outcomes, 'risk', RISKS)}`,
    );
    expect(reached).toBeGreaterThanOrEqual(FLOOR.risk);
  });
});
