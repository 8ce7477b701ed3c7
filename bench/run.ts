/**
 * Toolgate's benchmark: Toolgate beside a direct connection to the same MCP server, and beside two published
 * proxies (mcp-proxy, supergateway) wherever they can front it. See bench/README.md for the method.
 *
 *     npm run bench                       # builds, then runs everything (about 7 minutes on 2 cores)
 *     npm run bench -- --quick            # tiny counts, under a minute: proves the bench works, judges nothing
 *     npm run bench -- --only calls.stdio.small.c16,setup --rounds 3
 *
 * Options:
 *   --quick            1 short round per cell, concurrency 1 and 16, 50 idle sessions, 1,000 tools
 *   --only A,B         run only the cells whose id starts with one of these prefixes (`replicas`: two gateways on
 *                      PostgreSQL + Redis behind a balancer; TOOLGATE_BENCH_POSTGRES_URL, TOOLGATE_BENCH_REDIS_URL)
 *   --rounds N         rounds per cell (default 5, quick 1); each round runs every target once, in turn
 *   --round-ms MS      length of one target's turn in a round (default 1500, quick 150)
 *   --client raw|sdk   the client the bench drives targets with (default raw; see README)
 *   --out DIR          where the results file goes (default bench/results)
 *   --cpu-prof DIR     run the Toolgate process under `node --cpu-prof`, profiles written to DIR on exit
 *   --wait-quiet S     first wait up to S seconds for the machine to be quiet (under a quarter of a core busy)
 *   --baseline DIR     also run the build in DIR (another commit, built: bench/baseline.sh) as `baseline` and
 *                      `baseline+pipeline`, in the same rounds, and compare this build with it
 *
 * Prints the results table on stdout (progress on stderr) and writes it, with the machine and the versions, to
 * DIR/<date>-<quick|full>.md. Exits 0 when every cell ran (n/a cells are not failures), 1 otherwise.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { type ClientKind, httpAgent, type Session } from './lib/clients.js';
import { classificationRates } from './lib/classifications.js';
import { decisionRates } from './lib/decisions.js';
import { auditRate } from './lib/audit.js';
import { PIPELINE_GAPS } from './lib/pending.js';
import { freshSharedStores, type SharedStores, sharedStoresMissing } from './lib/shared-stores.js';
import { cpuSnapshot, killAllNow, rssOf, sleep, stopAll, treeRss } from './lib/procs.js';
import { baselineCheck, baselineTable, memoryTable, type Row, targetsCheck, timingTable } from './lib/report.js';
import { median, quantile } from './lib/stats.js';
import {
  BASELINE_PAIRS,
  baselineBuild,
  REPLICA_TARGETS,
  ROOT,
  type ServerKind,
  startHttpServer,
  startTarget,
  type Target,
  TARGET_NAMES,
  type TargetName,
  targetNames,
  type TargetOptions,
  unsupported,
} from './lib/targets.js';

// ------------------------------------------------------------------------------------------ options

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    rounds: { type: 'string' },
    'round-ms': { type: 'string' },
    client: { type: 'string', default: 'raw' },
    out: { type: 'string' },
    'cpu-prof': { type: 'string' },
    'wait-quiet': { type: 'string' },
    baseline: { type: 'string' },
  },
  strict: true,
});

function positiveInt(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer (got ${text})`);
  return value;
}

function clientKind(value: string | undefined): ClientKind {
  if (value === 'raw' || value === 'sdk') return value;
  throw new Error(`--client must be raw or sdk`);
}
const quick = flags.quick;
const settings = {
  client: clientKind(flags.client),
  rounds: positiveInt(flags.rounds, '--rounds', quick ? 1 : 5),
  roundMs: positiveInt(flags['round-ms'], '--round-ms', quick ? 150 : 1500),
  /** Each cell starts with one warm-up turn per target. */
  warmupMs: quick ? 100 : 500,
  /**
   * Each target, once started, first serves 16 clients for this long, small and 100 KB results alternately:
   * V8 needs several seconds of this load before a gateway's calls per second settle (bench/README.md).
   */
  targetWarmupMs: quick ? 300 : 6000,
  concurrencies: quick ? [1, 16] : [1, 16, 64],
  idleSessions: quick ? 50 : 1000,
  /** supergateway starts a server process per session; more than this many would only measure node processes. */
  idleSessionsSupergateway: quick ? 4 : 20,
  tools: quick ? 1000 : 10_000,
  /** How long a process is left to settle before its memory is read. */
  settleMs: quick ? 300 : 1000,
};
const only = flags.only
  ?.split(',')
  .map((prefix) => prefix.trim())
  .filter(Boolean);
const selected = (cell: string) => !only || only.some((prefix) => cell.startsWith(prefix));
const gatewayNodeArgs = flags['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${flags['cpu-prof']}`] : [];
/** The other build (`--baseline DIR`), checked before anything starts. */
const baseline = flags.baseline === undefined ? undefined : baselineBuild(flags.baseline);
const TARGETS = targetNames(baseline !== undefined);
/** What every target gets started with, whatever the cell. */
const common = { client: settings.client, gatewayNodeArgs, ...(baseline ? { baseline: baseline.dir } : {}) };

const SIZES = {
  small: { tool: 'echo', args: { text: 'hello' } },
  '100kb': { tool: 'big', args: { kb: 100 } },
} as const;
type Size = keyof typeof SIZES;
const KINDS: ServerKind[] = ['stdio', 'http'];

const rows: Row[] = [];
const notes: string[] = [];
let failed = false;

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 200);
}

function fail(row: Omit<Row, 'error'>, error: unknown): void {
  failed = true;
  const message = errorText(error);
  log(`${row.cell} ${row.target}: ${message}`);
  rows.push({ ...row, error: message });
}

// ------------------------------------------------------------------------------------------ measuring

interface Sample {
  count: number;
  seconds: number;
  latencies: number[];
}

/** Every session issues calls back to back until the turn ends; each call's duration is kept. */
async function driveCalls(sessions: Session[], tool: string, args: Record<string, unknown>, ms: number) {
  const latencies: number[] = [];
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  await Promise.all(
    sessions.map(async (session) => {
      while (process.hrtime.bigint() < end) {
        const before = process.hrtime.bigint();
        await session.call(tool, args);
        latencies.push(Number(process.hrtime.bigint() - before) / 1e6);
      }
    }),
  );
  return { count: latencies.length, seconds: Number(process.hrtime.bigint() - start) / 1e9, latencies };
}

/** One client opens a session, lists the tools and closes it, again and again until the turn ends. */
async function driveSessions(target: Target, ms: number): Promise<Sample> {
  const latencies: number[] = [];
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  while (process.hrtime.bigint() < end) {
    const before = process.hrtime.bigint();
    const session = await target.openSession();
    await session.listTools();
    await session.close();
    latencies.push(Number(process.hrtime.bigint() - before) / 1e6);
  }
  return { count: latencies.length, seconds: Number(process.hrtime.bigint() - start) / 1e9, latencies };
}

/** The median over rounds of f(mine, theirs) in the same round. */
function paired(mine: number[], theirs: number[], f: (a: number, b: number) => number): number {
  return median(mine.map((value, i) => (i < theirs.length ? f(value, theirs[i]!) : Number.NaN)));
}

/**
 * Rows from alternating rounds: medians of the rounds, ratios to direct taken round by round, and for this build's
 * targets, ratios to the baseline build's counterpart taken round by round in the same way.
 */
function summarise(cell: string, unit: string, samples: Map<TargetName, Sample[]>): Row[] {
  const figures = (list: Sample[]) => ({
    rates: list.map((sample) => sample.count / sample.seconds),
    p50s: list.map((sample) => quantile(sample.latencies, 0.5)),
    p99s: list.map((sample) => quantile(sample.latencies, 0.99)),
  });
  const all = new Map([...samples].map(([target, list]) => [target, figures(list)]));
  const base = all.get('direct');
  const result: Row[] = [];
  for (const [target, own] of all) {
    const row: Row = {
      cell,
      target,
      unit,
      rate: median(own.rates),
      p50: median(own.p50s),
      p99: median(own.p99s),
    };
    if (base && target !== 'direct') {
      row.rateRatio = paired(own.rates, base.rates, (a, b) => a / b);
      row.p50Ratio = paired(own.p50s, base.p50s, (a, b) => a / b);
      row.p50Added = paired(own.p50s, base.p50s, (a, b) => a - b);
      row.p99Ratio = paired(own.p99s, base.p99s, (a, b) => a / b);
    }
    const counterpart = BASELINE_PAIRS.find(([ours]) => ours === target)?.[1];
    const theirs = counterpart && all.get(counterpart);
    if (theirs) {
      row.againstBaseline = {
        baseline: counterpart,
        rate: paired(own.rates, theirs.rates, (a, b) => a / b),
        p50: paired(own.p50s, theirs.p50s, (a, b) => a / b),
        p99: paired(own.p99s, theirs.p99s, (a, b) => a / b),
      };
    }
    result.push(row);
  }
  return result;
}

/**
 * Runs `turn` for every target in alternating rounds (direct, toolgate, mcp-proxy, supergateway, direct, …),
 * after one warm-up turn each, and adds the cell's rows. A target that fails drops out of the cell.
 */
async function alternate(
  cell: string,
  unit: string,
  targets: Target[],
  turn: (target: Target, ms: number) => Promise<Sample>,
): Promise<void> {
  const samples = new Map<TargetName, Sample[]>();
  const active = new Set<Target>();
  for (const target of targets) {
    try {
      await turn(target, settings.warmupMs);
      samples.set(target.name, []);
      active.add(target);
    } catch (error) {
      fail({ cell, target: target.name }, error);
    }
  }
  for (let round = 0; round < settings.rounds; round++) {
    for (const target of targets) {
      if (!active.has(target)) continue;
      try {
        samples.get(target.name)!.push(await turn(target, settings.roundMs));
      } catch (error) {
        active.delete(target);
        samples.delete(target.name);
        fail({ cell, target: target.name }, error);
      }
    }
  }
  const summary = summarise(cell, unit, samples);
  rows.push(...summary);
  log(
    `${cell}: ` +
      summary.map((row) => `${row.target} ${Math.round(row.rate!)} ${unit}, p50 ${row.p50!.toFixed(2)} ms`).join('; '),
  );
}

// ------------------------------------------------------------------------------------------ cells

function callCell(kind: ServerKind, size: Size, concurrency: number): string {
  return `calls.${kind}.${size}.c${concurrency}`;
}

/** Starts every target that can front a server of this kind; the others get n/a rows in each cell. */
async function startTargets(kind: ServerKind, options: TargetOptions): Promise<Map<TargetName, Target | string>> {
  const started = new Map<TargetName, Target | string>();
  for (const name of TARGETS) {
    const why = unsupported(name, kind);
    started.set(name, why ? `n/a: ${why}` : await startProbed(name, options));
  }
  return started;
}

/** Starts one target and checks it lists the bench tools under the names the bench will call; else why not. */
async function startProbed(name: TargetName, options: TargetOptions): Promise<Target | string> {
  let target: Target | undefined;
  try {
    target = await startTarget(name, options);
    const probe = await target.openSession();
    const names = await probe.listTools();
    await probe.close();
    for (const tool of ['echo', 'big'] as const) {
      if (!names.includes(target.tool(tool))) throw new Error(`${name} does not list ${target.tool(tool)}`);
    }
    return target;
  } catch (error) {
    await target?.stop();
    return `error: ${errorText(error)}`;
  }
}

/** 16 clients, small and 100 KB results in turn, for settings.targetWarmupMs. */
async function warmUp(target: Target): Promise<void> {
  const { sessions, close } = await target.openCallers(16);
  try {
    const slice = Math.max(50, Math.round(settings.targetWarmupMs / 4));
    for (let elapsed = 0; elapsed < settings.targetWarmupMs; elapsed += 2 * slice) {
      await driveCalls(sessions, target.tool('echo'), SIZES.small.args, slice);
      await driveCalls(sessions, target.tool('big'), SIZES['100kb'].args, slice);
    }
  } finally {
    await close();
  }
}

/** For each target that is not running: a row saying why, in this cell. */
function missingRows(cell: string, started: Map<TargetName, Target | string>): Target[] {
  const running: Target[] = [];
  for (const [name, entry] of started) {
    if (typeof entry === 'object') running.push(entry);
    else if (entry.startsWith('n/a: ')) rows.push({ cell, target: name, na: entry.slice(5) });
    else fail({ cell, target: name }, entry.slice(7));
  }
  return running;
}

async function runKind(kind: ServerKind): Promise<void> {
  const callCells = settings.concurrencies.flatMap((concurrency) =>
    (Object.keys(SIZES) as Size[]).map((size) => ({ id: callCell(kind, size, concurrency), size, concurrency })),
  );
  const wanted = callCells.filter((cell) => selected(cell.id));
  const setupCell = `setup.${kind}`;
  const wantSetup = selected(setupCell);
  if (wanted.length === 0 && !wantSetup) return;

  log(`starting the ${kind} targets`);
  const server = kind === 'http' ? await startHttpServer() : undefined;
  const started = await startTargets(kind, { ...common, kind, serverUrl: server?.url });
  try {
    for (const entry of started.values()) {
      if (typeof entry !== 'object') continue;
      try {
        await warmUp(entry);
      } catch (error) {
        await entry.stop();
        started.set(entry.name, `error: warming up: ${errorText(error)}`);
      }
    }
    for (const concurrency of settings.concurrencies) {
      const here = wanted.filter((cell) => cell.concurrency === concurrency);
      if (here.length === 0) continue;
      // The same N sessions per target serve every cell at this concurrency.
      const callers = new Map<Target, Session[]>();
      const closers: (() => Promise<void>)[] = [];
      const running = [...started.values()].filter((entry): entry is Target => typeof entry === 'object');
      const openFailures = new Map<TargetName, unknown>();
      for (const target of running) {
        try {
          const opened = await target.openCallers(concurrency);
          callers.set(target, opened.sessions);
          closers.push(opened.close);
        } catch (error) {
          openFailures.set(target.name, error);
        }
      }
      try {
        for (const cell of here) {
          const targets = missingRows(cell.id, started).filter((target) => {
            const error = openFailures.get(target.name);
            if (error !== undefined) fail({ cell: cell.id, target: target.name }, error);
            return error === undefined;
          });
          const { tool, args } = SIZES[cell.size];
          await alternate(cell.id, 'calls/s', targets, (target, ms) =>
            driveCalls(callers.get(target)!, target.tool(tool), args, ms),
          );
        }
      } finally {
        await Promise.all(closers.map((close) => close().catch(() => undefined)));
      }
    }
    if (wantSetup) {
      await alternate(setupCell, 'sessions/s', missingRows(setupCell, started), driveSessions);
    }
  } finally {
    for (const entry of started.values()) {
      if (typeof entry !== 'object') continue;
      if (entry.note !== undefined && !notes.includes(entry.note)) notes.push(entry.note);
      if (entry.child && entry.child.warnings.count > 0) {
        notes.push(
          `${entry.name} (${kind} server) printed ${entry.child.warnings.count} MaxListenersExceededWarning lines`,
        );
      }
      await entry.stop();
    }
    await server?.child.stop();
  }
}

/**
 * Replicas sharing PostgreSQL and Redis (the replicas cell): two gateways behind a round-robin balancer that
 * keeps each session on its replica, beside one gateway on the same stores (behind the balancer and not), one on
 * the embedded defaults, and direct; small results, 16 clients. n/a without PostgreSQL or Redis.
 */
async function replicasCell(): Promise<void> {
  const cell = 'replicas.http.small.c16';
  if (!selected(cell)) return;
  const missing = await sharedStoresMissing();
  log(`starting the replicas targets${missing === null ? '' : ` (${missing})`}`);
  const server = await startHttpServer();
  const stores: SharedStores[] = [];
  const started = new Map<TargetName, Target | string>();
  try {
    for (const name of ['direct', ...REPLICA_TARGETS] as const) {
      const shared = name !== 'direct' && name !== 'replica: sqlite';
      if (shared && missing !== null) {
        started.set(name, `n/a: ${missing}`);
        continue;
      }
      // Each target its own schema and key prefix: none writes into tables another has filled.
      const own = shared ? freshSharedStores() : undefined;
      if (own) stores.push(own);
      started.set(name, await startProbed(name, { ...common, kind: 'http', serverUrl: server.url, stores: own }));
    }
    for (const entry of started.values()) if (typeof entry === 'object') await warmUp(entry);
    const callers = new Map<Target, Session[]>();
    const closers: (() => Promise<void>)[] = [];
    try {
      const targets = missingRows(cell, started);
      for (const target of targets) {
        const opened = await target.openCallers(16);
        callers.set(target, opened.sessions);
        closers.push(opened.close);
      }
      const { tool, args } = SIZES.small;
      await alternate(cell, 'calls/s', targets, (target, ms) =>
        driveCalls(callers.get(target)!, target.tool(tool), args, ms),
      );
    } finally {
      await Promise.all(closers.map((close) => close().catch(() => undefined)));
    }
    const note =
      'replicas: every gateway serves the bench tools under one local policy that counts each call against a global ' +
      'limit of 10^9 a second; `replica: sqlite` keeps state and counters in a SQLite file (the defaults), the others ' +
      'in PostgreSQL (state, audit) and Redis (counters); the balancer is bench/balancer.ts (round robin for new ' +
      'sessions, each session kept on its replica by Mcp-Session-Id); the 16 sessions of `balancer, 2 replicas` are ' +
      'split between its two gateways, on the same 2 cores as everything else';
    if (missing === null && !notes.includes(note)) notes.push(note);
  } finally {
    for (const entry of started.values()) if (typeof entry === 'object') await entry.stop();
    await server.child.stop();
    for (const each of stores)
      await each.drop().catch((error: unknown) => log(`dropping ${each.postgres.schema}: ${errorText(error)}`));
  }
}

function pendingCells(): void {
  for (const kind of KINDS) {
    for (const gap of PIPELINE_GAPS) {
      const cell = `calls.${kind}.${gap.cell}`;
      if (selected(cell)) rows.push({ cell, target: 'toolgate+pipeline', na: gap.na });
    }
  }
}

async function decisionCells(): Promise<void> {
  const sizes = [10, 10_000].filter((rules) => selected(`decide.rules-${rules}`));
  if (sizes.length > 0) {
    try {
      const rates = await decisionRates(sizes, settings.rounds, settings.roundMs, settings.warmupMs);
      for (const [rules, list] of rates) {
        rows.push({ cell: `decide.rules-${rules}`, target: 'toolgate', unit: 'decisions/s', rate: median(list) });
      }
      log(`decide: ${[...rates].map(([rules, list]) => `${rules} rules ${Math.round(median(list))}/s`).join(', ')}`);
    } catch (error) {
      for (const rules of sizes) fail({ cell: `decide.rules-${rules}`, target: 'toolgate' }, error);
    }
  }
  const cell = 'audit.sustained';
  if (selected(cell)) {
    try {
      const rates: number[] = [];
      for (let round = 0; round < settings.rounds; round++) rates.push((await auditRate(settings.roundMs)).perSecond);
      rows.push({ cell, target: 'toolgate', unit: 'records/s', rate: median(rates) });
      log(`${cell}: ${Math.round(median(rates))} records/s`);
    } catch (error) {
      fail({ cell, target: 'toolgate' }, error);
    }
  }
}

/** The risk classifier alone: tools classified per second (issue 13). */
async function classificationCells(): Promise<void> {
  const tools = 10_000;
  const cell = `classify.tools-${tools}`;
  if (!selected(cell)) return;
  try {
    const rates = await classificationRates(tools, settings.rounds, settings.roundMs, settings.warmupMs);
    rows.push({ cell, target: 'toolgate', unit: 'tools/s', rate: median(rates) });
    log(`${cell}: ${Math.round(median(rates))} tools/s`);
  } catch (error) {
    fail({ cell, target: 'toolgate' }, error);
  }
}

const MB = 1024 * 1024;
const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

/** The memory cells' targets: these, and the baseline build right after this one's when there is one. */
function memoryTargets(names: TargetName[]): TargetName[] {
  return baseline ? names.flatMap((name) => (name === 'toolgate' ? [name, 'baseline' as const] : [name])) : names;
}

/** Memory of the process between client and server (and its children) per idle client session. */
async function idleSessionsCell(): Promise<void> {
  const cell = 'memory.sessions';
  if (!selected(cell)) return;
  rows.push({ cell, target: 'direct', na: 'no process between client and server' });
  for (const name of memoryTargets(['toolgate', 'mcp-proxy', 'supergateway'])) {
    const count = name === 'supergateway' ? settings.idleSessionsSupergateway : settings.idleSessions;
    let target: Target | undefined;
    const sessions: Session[] = [];
    try {
      target = await startTarget(name, { ...common, kind: 'stdio' });
      const warm = await target.openSession();
      for (let i = 0; i < 50; i++) await warm.call(target.tool('echo'), { text: 'warm' });
      await warm.close();
      await sleep(settings.settleMs);
      const before = treeRss(target.child!.pid);
      for (let i = 0; i < count; i += 16) {
        const batch = Math.min(16, count - i);
        sessions.push(
          ...(await Promise.all(Array.from({ length: batch }, () => target!.openSession({ listen: true })))),
        );
      }
      await sleep(settings.settleMs * 1.5);
      const after = treeRss(target.child!.pid);
      const perSession = (after - before) / count;
      rows.push({
        cell,
        target: name,
        value: `${(perSession / 1024).toFixed(1)} KB/session`,
        bytes: perSession,
        note:
          `${count.toLocaleString('en-US')} idle sessions (initialized, GET stream open): ${mb(before)} → ${mb(after)}, ` +
          `RSS of the process and its children` +
          (name === 'supergateway' ? '; a server process per session, so fewer sessions' : ''),
      });
      log(`${cell}: ${name} ${(perSession / 1024).toFixed(1)} KB/session over ${count}`);
    } catch (error) {
      fail({ cell, target: name }, error);
    } finally {
      await Promise.all(sessions.map((session) => session.close().catch(() => undefined)));
      await target?.stop();
    }
  }
}

/** Memory of the gateway process itself with many tools aggregated, beside the same with the bench's two. */
async function manyToolsCell(): Promise<void> {
  const cell = 'memory.tools';
  if (!selected(cell)) return;
  rows.push({ cell, target: 'direct', na: 'no process between client and server' });
  rows.push({ cell, target: 'supergateway', na: 'holds no catalog: each session has its own server process' });
  for (const name of memoryTargets(['toolgate', 'mcp-proxy'])) {
    try {
      const measure = async (tools: number): Promise<number> => {
        const target = await startTarget(name, {
          ...common,
          kind: 'stdio',
          serverArgs: tools > 0 ? ['--tools', String(tools)] : [],
        });
        try {
          const session = await target.openSession();
          const listed = await session.listTools();
          await session.close();
          if (listed.length !== tools + 2) throw new Error(`listed ${listed.length} tools, expected ${tools + 2}`);
          await sleep(settings.settleMs);
          return rssOf(target.child!.pid);
        } finally {
          await target.stop();
        }
      };
      const few = await measure(0);
      const many = await measure(settings.tools);
      rows.push({
        cell,
        target: name,
        value: `${mb(many)} (+${mb(many - few)})`,
        bytes: many,
        note: `RSS of the ${name} process after a client listed all ${(settings.tools + 2).toLocaleString('en-US')} tools; in brackets, beyond the same with 2 tools (${mb(few)})`,
      });
      log(`${cell}: ${name} ${mb(many)} with ${settings.tools} tools, ${mb(few)} with 2`);
    } catch (error) {
      fail({ cell, target: name }, error);
    }
  }
}

// ------------------------------------------------------------------------------------------ report

function version(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'not installed';
  }
}

/** CPU used by processes outside the bench during the run, on average, in cores: noise the rounds could not avoid. */
let cpuAtStart = cpuSnapshot();

function describeRun(started: Date, seconds: number): string[] {
  const cpuAtEnd = cpuSnapshot();
  const foreign = (cpuAtEnd.machineMs - cpuAtStart.machineMs - (cpuAtEnd.ownMs - cpuAtStart.ownMs)) / (seconds * 1000);
  const cpus = os.cpus();
  const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const lines = [
    `- date: ${started.toISOString().replace(/\.\d+Z$/, 'Z')}, ${quick ? 'quick' : 'full'} run${only ? ` of ${only.join(', ')}` : ''}, ${Math.round(seconds)} s`,
    `- machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown'}), ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`,
    `- versions: toolgate ${own.version} (${commitOf(ROOT)}), mcp-proxy ${version('mcp-proxy')}, supergateway ${version('supergateway')}, ` +
      `@modelcontextprotocol/client ${version('@modelcontextprotocol/client')}, @modelcontextprotocol/server ${version('@modelcontextprotocol/server')}`,
    `- other processes on the machine used ${Number.isFinite(foreign) ? Math.max(0, foreign).toFixed(2) : 'unknown'} cores on average during the run (the bench's own processes excluded)`,
    `- method: ${settings.rounds} alternating round(s) of ${settings.roundMs} ms per target after a ${settings.warmupMs} ms warm-up; ` +
      `figures are medians of rounds, ratios are to direct in the same round; ${settings.client} client (bench/README.md)`,
  ];
  if (baseline) {
    const theirs = JSON.parse(readFileSync(join(baseline.dir, 'package.json'), 'utf8')) as { version: string };
    lines.push(
      `- baseline: toolgate ${theirs.version} (${commitOf(baseline.dir)}) in ${baseline.dir}, started exactly as this build ` +
        `(\`baseline\` as \`toolgate\`, \`baseline+pipeline\` as \`toolgate+pipeline\`, its own CLI making the grant), ` +
        `each right after its counterpart in every round; its ratios are taken round by round too`,
    );
  }
  return lines;
}

/** The short commit of a checkout, with "+changes" when its tracked files differ from it. */
function commitOf(dir: string): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
    return git('rev-parse', '--short', 'HEAD') + (dirty ? '+changes' : '');
  } catch {
    return 'unknown';
  }
}

/** Rows in the order their cells ran, and within a cell in the order direct, toolgate, mcp-proxy, supergateway. */
function ordered(list: Row[]): Row[] {
  const cellOrder = new Map<string, number>();
  for (const row of list) if (!cellOrder.has(row.cell)) cellOrder.set(row.cell, cellOrder.size);
  const targetOrder = (name: string) => {
    const index = (TARGET_NAMES as readonly string[]).indexOf(name);
    return index === -1 ? TARGET_NAMES.length : index;
  };
  return [...list].sort(
    (a, b) => cellOrder.get(a.cell)! - cellOrder.get(b.cell)! || targetOrder(a.target) - targetOrder(b.target),
  );
}

function render(started: Date, seconds: number): string {
  const timing = ordered(rows.filter((row) => !row.cell.startsWith('memory.')));
  const memory = ordered(rows.filter((row) => row.cell.startsWith('memory.')));
  const parts = [`# Toolgate benchmark, ${started.toISOString().slice(0, 10)}`, '', ...describeRun(started, seconds)];
  if (timing.length > 0) parts.push('', '## Calls, sessions, decisions', '', timingTable(timing));
  if (memory.length > 0) parts.push('', '## Memory', '', memoryTable(memory));
  if (baseline) parts.push('', '## Against the baseline', '', baselineTable(ordered(rows)));
  parts.push('', '## Targets (issue: ratios in the same run on this machine)', '', ...targetsCheck(rows));
  if (baseline) parts.push(...baselineCheck(rows));
  if (notes.length > 0) parts.push('', '## Notes', '', ...notes.map((note) => `- ${note}`));
  return parts.join('\n') + '\n';
}

// ------------------------------------------------------------------------------------------ main

process.on('exit', killAllNow);
for (const name of ['SIGINT', 'SIGTERM'] as const) {
  process.once(name, () => {
    log(`${name}: stopping every child`);
    void stopAll().finally(() => process.exit(130));
  });
}

/** Waits until other processes use under a quarter of a core over 3 s, for at most `seconds`. */
async function waitQuiet(seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const before = cpuSnapshot();
    await sleep(3_000);
    const after = cpuSnapshot();
    const busy = (after.machineMs - before.machineMs) / 3_000;
    if (!(busy >= 0.25)) return log(`the machine is quiet (${busy.toFixed(2)} cores busy)`);
    if (Date.now() >= deadline) return log(`the machine is still busy (${busy.toFixed(2)} cores); starting anyway`);
    log(`waiting for the machine to be quiet: ${busy.toFixed(2)} cores busy`);
  }
}

async function main(): Promise<void> {
  if (flags['wait-quiet'] !== undefined) await waitQuiet(positiveInt(flags['wait-quiet'], '--wait-quiet', 0));
  const started = new Date();
  const clock = process.hrtime.bigint();
  cpuAtStart = cpuSnapshot();
  for (const kind of KINDS) {
    try {
      await runKind(kind);
    } catch (error) {
      fail({ cell: `calls.${kind}`, target: '(all)' }, error);
    }
  }
  try {
    await replicasCell();
  } catch (error) {
    fail({ cell: 'replicas.http', target: '(all)' }, error);
  }
  pendingCells();
  await decisionCells();
  await classificationCells();
  await idleSessionsCell();
  await manyToolsCell();
  await stopAll();
  httpAgent.destroy();

  if (rows.length === 0) throw new Error(`no cell matches --only ${flags.only}`);
  const seconds = Number(process.hrtime.bigint() - clock) / 1e9;
  const text = render(started, seconds);
  process.stdout.write(text);
  const folder = flags.out ?? join(ROOT, 'bench/results');
  mkdirSync(folder, { recursive: true });
  const file = join(
    folder,
    `${started.toISOString().slice(0, 10)}-${quick ? 'quick' : 'full'}${only ? '-partial' : ''}.md`,
  );
  writeFileSync(file, text);
  log(`wrote ${file}`);
  process.exitCode = failed ? 1 : 0;
}

main().catch(async (error: unknown) => {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await stopAll();
  process.exit(1);
});
