/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, e.g. the gateway's under `bench/run.ts --cpu-prof DIR`):
 * where the busy time went, by package and by function.
 *
 *     node --import tsx bench/profile-summary.ts FILE.cpuprofile [--top N] [--match TEXT]
 *
 * Prints self time by package (node internals, each package under node_modules, Toolgate's own src/), the
 * functions with the most self time, and the functions with the most total time (self plus what they call,
 * each sample counted once per function however deep the recursion). With --match, the total-time list keeps
 * only functions whose name or file contains TEXT. Idle time is left out of every percentage.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values: flags, positionals } = parseArgs({
  options: { top: { type: 'string', default: '25' }, match: { type: 'string' } },
  allowPositionals: true,
  strict: true,
});
if (positionals.length !== 1) throw new Error('usage: profile-summary.ts FILE.cpuprofile [--top N] [--match TEXT]');
const top = Number(flags.top);
const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

/** Where a frame's code lives: a package, Toolgate's own code, Node itself, or a V8 pseudo-frame. */
function packageOf(frame: CallFrame): string {
  const url = frame.url;
  if (url === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1]!;
  const own = /\/dist\/(src\/[^/]+)/.exec(url);
  if (own) return `toolgate ${own[1]!.replace(/\.js$/, '')}`;
  return url;
}

function label(frame: CallFrame): string {
  const file = frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, '');
  return `${frame.functionName || '(anonymous)'} ${file}${file ? `:${frame.lineNumber + 1}` : ''}`;
}

const self = new Map<string, number>();
const selfByPackage = new Map<string, number>();
const total = new Map<string, number>();
let busy = 0;
let idle = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  const leaf = byId.get(profile.samples[i]!)!;
  if (leaf.callFrame.functionName === '(idle)') {
    idle += dt;
    continue;
  }
  busy += dt;
  const key = label(leaf.callFrame);
  self.set(key, (self.get(key) ?? 0) + dt);
  const where = packageOf(leaf.callFrame);
  selfByPackage.set(where, (selfByPackage.get(where) ?? 0) + dt);
  const seen = new Set<string>();
  for (let id: number | undefined = leaf.id; id !== undefined; id = parentOf.get(id)) {
    const name = label(byId.get(id)!.callFrame);
    if (seen.has(name)) continue;
    seen.add(name);
    total.set(name, (total.get(name) ?? 0) + dt);
  }
}

const pct = (value: number) => `${((100 * value) / busy).toFixed(1).padStart(5)}%`;
const list = (entries: Map<string, number>, count: number, keep: (name: string) => boolean = () => true) =>
  [...entries]
    .filter(([name]) => keep(name))
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, value]) => `${pct(value)}  ${name}`)
    .join('\n');

console.log(`busy ${(busy / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s (percentages are of busy time)\n`);
console.log(`self time by package\n${list(selfByPackage, top)}\n`);
console.log(`self time by function\n${list(self, top)}\n`);
const match = flags.match;
console.log(
  `total time by function${match ? ` matching "${match}"` : ''}\n` +
    list(total, top, (name) => !name.startsWith('(root)') && (match === undefined || name.includes(match))),
);
