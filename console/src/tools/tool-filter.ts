/**
 * The tools table's search and filters, kept out of the page so they can be tested alone. Each row's search text
 * is lowercased once, when the rows arrive (indexTools), so a keystroke only scans strings: fast enough for
 * thousands of tools without asking the server again.
 */
import { effectText, RISKS, type ToolRow } from './tool-row.js';

/** What the operator chose; '' means any. */
export interface ToolFilter {
  readonly text: string;
  readonly server: string;
  readonly category: string;
  readonly risk: string;
  readonly effect: string;
}

export const NO_FILTER: ToolFilter = { text: '', server: '', category: '', risk: '', effect: '' };

export interface IndexedTool {
  readonly row: ToolRow;
  /** Everything the search box matches, lowercased: names, server, class, effect, evidence and warning quotes. */
  readonly search: string;
}

export function indexTools(rows: readonly ToolRow[]): IndexedTool[] {
  return rows.map((row) => ({
    row,
    search: [
      row.exposedName,
      row.tool,
      row.server,
      row.category,
      row.risk,
      row.policy.effect,
      effectText(row.policy.effect),
      ...row.evidence.map((item) => item.quote),
      ...row.warnings.map((warning) => warning.quote),
    ]
      .join('\n')
      .toLowerCase(),
  }));
}

/** The rows that match every chosen filter and every word of the search text, in their order. */
export function filterTools(tools: readonly IndexedTool[], filter: ToolFilter): ToolRow[] {
  const words = filter.text
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word !== '');
  const matches: ToolRow[] = [];
  for (const { row, search } of tools) {
    if (filter.server !== '' && row.server !== filter.server) continue;
    if (filter.category !== '' && row.category !== filter.category) continue;
    if (filter.risk !== '' && row.risk !== filter.risk) continue;
    if (filter.effect !== '' && row.policy.effect !== filter.effect) continue;
    if (words.every((word) => search.includes(word))) matches.push(row);
  }
  return matches;
}

/** The values each filter can take among `rows`: servers by name, risks by severity, the rest as they come. */
export function facetsOf(rows: readonly ToolRow[]): {
  servers: string[];
  categories: string[];
  risks: string[];
  effects: string[];
} {
  const distinct = (pick: (row: ToolRow) => string) => [...new Set(rows.map(pick))];
  return {
    servers: distinct((row) => row.server).sort(),
    categories: distinct((row) => row.category).sort(),
    risks: distinct((row) => row.risk).sort(
      (a, b) => RISKS.indexOf(a as (typeof RISKS)[number]) - RISKS.indexOf(b as (typeof RISKS)[number]),
    ),
    effects: distinct((row) => row.policy.effect).sort(),
  };
}
