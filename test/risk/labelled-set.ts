/**
 * The labelled set of real MCP tools (test/risk/README.md): tool definitions exactly as published servers sent them
 * (test/risk/corpus/, gathered by scripts/gather-tool-corpus.ts), each with the category and risk a reviewer gave it
 * (test/risk/labels.json). The risk classifier is measured against it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

import { CATEGORIES, RISKS, type Category, type Risk, type ToolDefinition } from '../../src/risk/classification.js';

export { CATEGORIES, RISKS };

/** One server's file in the corpus. */
export interface ServerCorpus {
  readonly package: string;
  readonly version: string;
  readonly instructions: string | null;
  readonly tools: readonly ToolDefinition[];
}

/** One line of labels.json. */
interface Label {
  readonly server: string;
  readonly tool: string;
  readonly category: Category;
  readonly risk: Risk;
  readonly reason: string;
}

export interface LabelledTool {
  /** The corpus file's name without `.json`. */
  readonly server: string;
  /** The server's instructions from its initialize result, if it sent any. */
  readonly instructions: string | undefined;
  readonly tool: ToolDefinition;
  readonly label: { readonly category: Category; readonly risk: Risk; readonly reason: string };
}

const CORPUS_FOLDER = join(HERE, 'corpus');
const LABELS_FILE = join(HERE, 'labels.json');

/** Every server of the corpus, by its file name without `.json`. */
export function readCorpus(folder = CORPUS_FOLDER): Map<string, ServerCorpus> {
  const servers = new Map<string, ServerCorpus>();
  for (const file of readdirSync(folder)
    .filter((name) => name.endsWith('.json'))
    .sort()) {
    servers.set(basename(file, '.json'), JSON.parse(readFileSync(join(folder, file), 'utf8')) as ServerCorpus);
  }
  return servers;
}

/** labels.json as written; integrityProblems says whether it holds what Label promises. */
export function readLabels(file = LABELS_FILE): unknown[] {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(parsed)) throw new Error(`${file} is not an array`);
  return parsed as unknown[];
}

/** What is wrong with a corpus and its labels, one line a problem; empty when every tool has exactly one label. */
export function integrityProblems(corpus: ReadonlyMap<string, ServerCorpus>, labels: readonly unknown[]): string[] {
  const problems: string[] = [];
  const tools = new Set<string>();
  for (const [server, file] of corpus) {
    if (typeof file.package !== 'string' || file.package === '') problems.push(`${server}: no package name`);
    if (typeof file.version !== 'string' || file.version === '') problems.push(`${server}: no version`);
    if (file.instructions !== null && typeof file.instructions !== 'string')
      problems.push(`${server}: instructions neither a string nor null`);
    if (!Array.isArray(file.tools)) {
      problems.push(`${server}: no tools array`);
      continue;
    }
    for (const tool of file.tools) {
      const name = (tool as { name?: unknown } | null)?.name;
      if (typeof name !== 'string') {
        problems.push(`${server}: a tool without a name`);
        continue;
      }
      if (tools.has(`${server}/${name}`)) problems.push(`${server}/${name}: listed twice by its server`);
      tools.add(`${server}/${name}`);
    }
  }
  const labelled = new Set<string>();
  for (const [index, entry] of labels.entries()) {
    const label = entry as Partial<Record<keyof Label, unknown>> | null;
    const key = `${String(label?.server)}/${String(label?.tool)}`;
    const where = `label ${index} (${key})`;
    if (!(CATEGORIES as readonly unknown[]).includes(label?.category))
      problems.push(`${where}: category ${String(label?.category)}`);
    if (!(RISKS as readonly unknown[]).includes(label?.risk)) problems.push(`${where}: risk ${String(label?.risk)}`);
    const reason = label?.reason;
    if (typeof reason !== 'string' || reason.trim() === '') problems.push(`${where}: no reason`);
    else if (/[\r\n]/.test(reason)) problems.push(`${where}: a reason longer than one line`);
    if (labelled.has(key)) problems.push(`${where}: a second label for the same tool`);
    labelled.add(key);
    if (!tools.has(key)) problems.push(`${where}: no such tool in the corpus`);
  }
  for (const key of tools) if (!labelled.has(key)) problems.push(`${key}: no label`);
  return problems;
}

/** Every tool of the corpus with its label; throws when integrityProblems finds anything. */
export function loadLabelledSet(): LabelledTool[] {
  const corpus = readCorpus();
  const labels = readLabels();
  const problems = integrityProblems(corpus, labels);
  if (problems.length > 0) throw new Error(`the labelled set is inconsistent:\n${problems.join('\n')}`);
  const byTool = new Map((labels as Label[]).map((label) => [`${label.server}/${label.tool}`, label]));
  return [...corpus].flatMap(([server, file]) =>
    file.tools.map((tool) => {
      const { category, risk, reason } = byTool.get(`${server}/${tool.name}`)!;
      return { server, instructions: file.instructions ?? undefined, tool, label: { category, risk, reason } };
    }),
  );
}
