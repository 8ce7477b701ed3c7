/**
 * Child processes of the benchmark: started with a deadline for their "ready" line, tracked, and all killed at
 * the end (their descendants too: supergateway starts a server process per session, mcp-proxy one per proxy),
 * even when the run fails.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** A started child: its process, the lines it wrote so far, and how to stop it with everything it started. */
export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly pid: number;
  /** The last lines of stdout and stderr, for error messages. */
  readonly output: string[];
  /** How many stderr lines matched a MaxListenersExceededWarning (an SDK client leak, see README). */
  readonly warnings: { count: number };
  stop(): Promise<void>;
}

const live = new Set<Child>();

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** A line (on stdout or stderr) that says the child is ready; its first capture group is returned. */
  ready?: RegExp;
  timeoutMs?: number;
  /** Keep stdin open as a pipe (for a stdio server the bench talks to itself). */
  stdin?: boolean;
}

const KEEP_LINES = 40;

/** Starts a child and, with `ready`, waits for its ready line; returns the child and the line's first group. */
export async function startChild(options: StartOptions): Promise<{ child: Child; match: string | undefined }> {
  const spawnOptions: SpawnOptions = {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  };
  const proc = spawn(options.command, options.args, spawnOptions);
  if (proc.pid === undefined) {
    await new Promise((resolve) => proc.once('error', resolve));
    throw new Error(`${options.name}: could not start ${options.command}`);
  }
  const output: string[] = [];
  const warnings = { count: 0 };
  const child: Child = {
    name: options.name,
    process: proc,
    pid: proc.pid,
    output,
    warnings,
    stop: () => stopTree(child),
  };
  live.add(child);
  const remember = (line: string) => {
    if (line.includes('MaxListenersExceededWarning')) warnings.count++;
    output.push(line);
    if (output.length > KEEP_LINES) output.shift();
  };
  const readyLine = options.ready;
  let onLine: ((line: string) => void) | undefined;
  // stdout of a stdio server is the protocol: the caller reads it, so only stderr is read here.
  const streams = options.stdin ? [proc.stderr!] : [proc.stdout!, proc.stderr!];
  for (const stream of streams) {
    createInterface({ input: stream }).on('line', (line) => {
      remember(line);
      onLine?.(line);
    });
  }
  if (!readyLine) return { child, match: undefined };
  const timeoutMs = options.timeoutMs ?? 30_000;
  try {
    const match = await new Promise<string | undefined>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${options.name} was not ready in ${timeoutMs} ms:\n${output.join('\n')}`)),
        timeoutMs,
      );
      onLine = (line) => {
        const found = readyLine.exec(line);
        if (found) {
          clearTimeout(timer);
          onLine = undefined;
          resolve(found[1]);
        }
      };
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${options.name} exited (${code ?? signal}) before it was ready:\n${output.join('\n')}`));
      });
    });
    return { child, match };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

/** Stops a child and every process it started: SIGTERM to all of them, then SIGKILL to whatever is left. */
async function stopTree(child: Child): Promise<void> {
  live.delete(child);
  const pids = [child.pid, ...descendants(child.pid)];
  const proc = child.process;
  const exited =
    proc.exitCode !== null || proc.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  for (const pid of pids) signal(pid, 'SIGTERM');
  const timer = new Promise<void>((resolve) => setTimeout(resolve, 3_000).unref());
  await Promise.race([exited, timer]);
  // Give the others a moment, then make sure.
  await sleep(50);
  for (const pid of pids) if (alive(pid)) signal(pid, 'SIGKILL');
  proc.stdin?.destroy();
  proc.stdout?.destroy();
  proc.stderr?.destroy();
}

/** Stops every child still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((child) => child.stop()));
}

/** Last resort on a synchronous exit: SIGKILL every known child and its descendants. */
export function killAllNow(): void {
  for (const child of live) {
    for (const pid of [child.pid, ...descendants(child.pid)]) signal(pid, 'SIGKILL');
  }
  live.clear();
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Every process whose parent chain leads to `root`, read from /proc (Linux). */
function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...; comm may contain spaces and parentheses, so split after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parentOf.set(Number(entry), Number(fields[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const parent = frontier.pop()!;
    for (const [pid, ppid] of parentOf) {
      if (ppid === parent) {
        found.push(pid);
        frontier.push(pid);
      }
    }
  }
  return found;
}

/** Resident memory of one process in bytes (VmRSS from /proc/PID/status), 0 if it is gone. */
export function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident memory of a process and all its descendants, in bytes. */
export function treeRss(pid: number): number {
  return [pid, ...descendants(pid)].reduce((sum, each) => sum + rssOf(each), 0);
}

/** CPU time, in ms, used by the whole machine and by this process with the children it has reaped. */
export function cpuSnapshot(): { machineMs: number; ownMs: number } {
  const TICK_MS = 10; // USER_HZ is 100 on Linux
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
    const busy = fields.slice(0, 8).reduce((sum, value, i) => (i === 3 || i === 4 ? sum : sum + value), 0);
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const own = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the command: state(0) … utime(11) stime(12) cutime(13) cstime(14).
    const children = (Number(own[13]) + Number(own[14])) * TICK_MS;
    const self = process.cpuUsage();
    return { machineMs: busy * TICK_MS, ownMs: children + (self.user + self.system) / 1000 };
  } catch {
    return { machineMs: Number.NaN, ownMs: Number.NaN };
  }
}
