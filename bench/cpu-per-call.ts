/**
 * CPU time the process in the middle spends per call: a figure that machine noise moves much less than calls
 * per second (other processes take wall time, not this process's CPU time).
 *
 *     node --import tsx bench/cpu-per-call.ts [--target toolgate|toolgate+pipeline|mcp-proxy|supergateway]
 *         [--kind stdio|http] [--clients 16] [--seconds 5] [--tool echo|big] [--cpu-prof DIR]
 *     node --import tsx bench/cpu-per-call.ts --target baseline|baseline+pipeline --baseline DIR [...]
 *
 * `--baseline DIR` is another build (bench/baseline.sh), started as `toolgate` and `toolgate+pipeline` are: run
 * this build and the baseline alternately, several times each, and compare the medians.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stopAll } from './lib/procs.js';
import { startHttpServer, startTarget, type ServerKind, type TargetName } from './lib/targets.js';

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'toolgate' },
    kind: { type: 'string', default: 'stdio' },
    clients: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '5' },
    tool: { type: 'string', default: 'echo' },
    'cpu-prof': { type: 'string' },
    baseline: { type: 'string' },
  },
});
if (values.target?.startsWith('baseline') && values.baseline === undefined) {
  console.error(
    `--target ${values.target} needs --baseline DIR, a built checkout of another commit (bench/baseline.sh)`,
  );
  process.exit(2);
}
if (values.target === 'toolgate stdio') {
  // A process per client session, started by each client: there is no one process in the middle to read.
  console.error('--target "toolgate stdio" cannot be measured here: each client starts its own gateway process');
  process.exit(2);
}
const kind = values.kind as ServerKind;
const clients = Number(values.clients);
const server = kind === 'http' ? await startHttpServer() : undefined;
const target = await startTarget(values.target as TargetName, {
  kind,
  client: 'raw',
  ...(server ? { serverUrl: server.url } : {}),
  ...(values.baseline === undefined ? {} : { baseline: values.baseline }),
  ...(values['cpu-prof'] ? { gatewayNodeArgs: ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']] } : {}),
});
const args = values.tool === 'big' ? { kb: 100 } : { text: 'hello' };
const tool = target.tool(values.tool as 'echo' | 'big');

/** utime + stime of a process, in ms (clock ticks are 10 ms on Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
const pid = target.child!.pid;
const { sessions, close } = await target.openCallers(clients);
async function run(ms: number): Promise<number> {
  const end = Date.now() + ms;
  let calls = 0;
  await Promise.all(
    sessions.map(async (session) => {
      while (Date.now() < end) {
        await session.call(tool, args);
        calls++;
      }
    }),
  );
  return calls;
}
await run(6_000); // V8 settles under load first
const before = cpuMs(pid);
const t0 = performance.now();
const calls = await run(Number(values.seconds) * 1000);
const wall = performance.now() - t0;
const used = cpuMs(pid) - before;
console.log(
  `${values.target} ${kind} ${values.tool} c${clients}: ${Math.round(calls / (wall / 1000))} calls/s, ` +
    `${((used * 1000) / calls).toFixed(1)} µs CPU per call in the process in the middle`,
);
await close();
await target.stop();
await server?.child.stop();
await stopAll();
