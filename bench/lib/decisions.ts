/**
 * The decision function alone: `decide()` of src/policy, as built in dist/, on policies of 10 and of 10,000
 * tool rules, without a store, a clock or any I/O (decide is pure, and names the charges without reading counters).
 *
 * Each policy has `rules` keys under `tools`: nine in ten exact names (`tool_17`, every tenth of them with a
 * rate limit, every tenth shifted by five with a `require` condition), one in ten globs (`g3_*`, `g3_x*`, …,
 * of different literal lengths), "default": "deny", and an `all_tools` limit that every call is counted against.
 * The calls cycle through 1,024 inputs: half name a tool with an exact rule, a quarter a tool only a glob
 * matches, a quarter a tool no rule names (decided by the default after every glob has been tried).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import type * as CompileModule from '../../src/policy/compile-policy.js';
import type * as DecideModule from '../../src/policy/decide.js';
import { ROOT } from './targets.js';

async function load<T>(path: string): Promise<T> {
  return (await import(pathToFileURL(join(ROOT, 'dist/src/policy', path)).href)) as T;
}

/** A policy document with `rules` tool rules, a tenth of them globs. */
function policyOf(rules: number): Record<string, unknown> {
  const globs = Math.max(1, Math.round(rules / 10));
  const tools: Record<string, unknown> = {};
  for (let i = 0; i < rules - globs; i++) {
    if (i % 10 === 0) tools[`tool_${i}`] = { rate_limit: { max: 1_000_000, window: 60 } };
    else if (i % 10 === 5) tools[`tool_${i}`] = { require: [{ path: 'args.n', op: 'lte', value: 1000 }] };
    else tools[`tool_${i}`] = {};
  }
  // Literal lengths differ, so the index has to order the globs by how specific they are.
  for (let g = 0; g < globs; g++) tools[`g${g}_${'x'.repeat(g % 4)}*`] = {};
  return {
    version: '1',
    default: 'deny',
    all_tools: { limits: [{ counter: 'all_calls', window: 'hour', max: 1_000_000_000, scope: 'grant' }] },
    tools,
  };
}

/** The calls decided, in a cycle: exact hits, glob hits and misses (see the header). */
function inputsOf(rules: number): DecideModule.DecisionInput[] {
  const globs = Math.max(1, Math.round(rules / 10));
  const exact = rules - globs;
  const inputs: DecideModule.DecisionInput[] = [];
  const grant = { id: 'grant-1', label: 'bench' };
  for (let i = 0; i < 1024; i++) {
    let tool: string;
    if (i % 4 < 2) tool = `tool_${(i * 7919) % exact}`;
    else if (i % 4 === 2) tool = `g${i % globs}_${'x'.repeat((i % globs) % 4)}call`;
    else tool = `unlisted_${i}`;
    inputs.push({ serverId: 'bench', tool, arguments: { n: i % 2000 }, grant, now: 1_700_000_000_000 });
  }
  return inputs;
}

/**
 * Decisions per second for each policy size, in alternating rounds of `roundMs`, after a warm-up; the median of
 * the rounds for each. Also checks that the inputs get the decisions the header says, so a broken policy cannot
 * pass as a fast one.
 */
export async function decisionRates(
  sizes: readonly number[],
  rounds: number,
  roundMs: number,
  warmupMs: number,
): Promise<Map<number, number[]>> {
  const { compilePolicy } = await load<typeof CompileModule>('compile-policy.js');
  const { decide } = await load<typeof DecideModule>('decide.js');

  const cases = sizes.map((rules) => {
    const policy = compilePolicy(policyOf(rules));
    const inputs = inputsOf(rules);
    const effects = inputs.map((input) => decide(policy, input).effect);
    const allowed = effects.filter((effect) => effect === 'allow').length;
    // Exact and glob hits are allowed (n ≤ 1000 holds for most), misses are denied by default.
    if (allowed < 512 || allowed > 768) throw new Error(`policy of ${rules} rules allowed ${allowed} of 1024 calls`);
    return { rules, policy, inputs };
  });

  const run = (policy: CompileModule.CompiledPolicy, inputs: DecideModule.DecisionInput[], ms: number) => {
    let decisions = 0;
    let allowed = 0;
    const start = process.hrtime.bigint();
    const end = start + BigInt(Math.round(ms * 1e6));
    let now = start;
    while (now < end) {
      for (let i = 0; i < 1024; i++) if (decide(policy, inputs[i]!).effect === 'allow') allowed++;
      decisions += 1024;
      now = process.hrtime.bigint();
    }
    if (allowed === 0) throw new Error('no call was allowed');
    return decisions / (Number(now - start) / 1e9);
  };

  for (const { policy, inputs } of cases) run(policy, inputs, warmupMs);
  const rates = new Map<number, number[]>(sizes.map((rules) => [rules, []]));
  for (let round = 0; round < rounds; round++) {
    for (const { rules, policy, inputs } of cases) rates.get(rules)!.push(run(policy, inputs, roundMs));
  }
  return rates;
}
