/**
 * CPU time of the state database's work on the call path, through the stores of src/ as built in dist/: an audit
 * record stored (the audit.sustained cell's workload), a counted call stored, a grant check in a new event-loop
 * turn (the one that asks `PRAGMA data_version`). CPU time of this one process, so other processes on a shared
 * machine move it much less than rates; use it to compare two builds, or two SQLite bindings, alternating runs.
 *
 *     node --import tsx bench/state-cpu.ts [--rounds 3] [--round-ms 2000]
 *
 * The binding is the one the gateway would pick on this Node (node:sqlite on 22.13 and later, else libsql);
 * TOOLGATE_SQLITE_BINDING=libsql or node:sqlite picks one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import type * as LimitModule from '../src/limits/sqlite-limit-store.js';
import type * as GrantModule from '../src/grants/grant-store.js';
import type * as StateModule from '../src/state/state-db.js';
import { auditRate } from './lib/audit.js';
import { median } from './lib/stats.js';
import { ROOT } from './lib/targets.js';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, 'round-ms': { type: 'string', default: '2000' } },
});
const rounds = Number(values.rounds);
const roundMs = Number(values['round-ms']);

async function load<T>(path: string): Promise<T> {
  return (await import(pathToFileURL(join(ROOT, 'dist/src', path)).href)) as T;
}
const { openStateDb } = await load<typeof StateModule>('state/state-db.js');
const { SqliteLimitStore } = await load<typeof LimitModule>('limits/sqlite-limit-store.js');
const { SqliteGrantStore } = await load<typeof GrantModule>('grants/grant-store.js');

/** µs of CPU (user + system) this process spent in `run`, divided by the count it returns. */
async function cpuPer(run: () => Promise<number>): Promise<number> {
  const before = process.cpuUsage();
  const count = await run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

const folder = mkdtempSync(join(tmpdir(), 'toolgate-bench-state-'));
const db = openStateDb(join(folder, 'state.db'));
const audit: number[] = [];
const rates: number[] = [];
const counter: number[] = [];
const grant: number[] = [];
try {
  await auditRate(500); // warm-up
  const counters = new SqliteLimitStore(db);
  const grants = new SqliteGrantStore(db);
  const { token } = await grants.create({ label: 'bench', policy: null, servers: null }, Date.now());
  const charge = {
    counterKey: 'grant:bench:calls',
    amount: 1,
    limits: [
      { rule: '/r', windowMs: 1_000, max: 1e9, rank: 0, onDeny: null, reached: 'Rate limit', terms: 'at most 1e9' },
    ],
    subject: '"bench"',
  };
  let at = Date.now();
  for (let round = 0; round < rounds; round++) {
    audit.push(
      await cpuPer(async () => {
        const { perSecond, written } = await auditRate(roundMs);
        rates.push(perSecond);
        return written;
      }),
    );
    counter.push(
      await cpuPer(async () => {
        const calls = 50_000;
        for (let call = 0; call < calls; call++) {
          const taken = await counters.take([charge], at++);
          if (taken.ok) await counters.commit(taken.reservation);
          if (call % 100 === 99) await nextTurn();
        }
        await counters.flush();
        return calls;
      }),
    );
    // A check in each turn, less the turns themselves.
    const checks = 20_000;
    const withChecks = await cpuPer(async () => {
      for (let check = 0; check < checks; check++) {
        await grants.authenticate(token);
        await nextTurn();
      }
      return checks;
    });
    const turnsAlone = await cpuPer(async () => {
      for (let check = 0; check < checks; check++) await nextTurn();
      return checks;
    });
    grant.push(withChecks - turnsAlone);
  }
  await counters.close();
} finally {
  db.close();
  rmSync(folder, { recursive: true, force: true });
}
const us = (list: number[]) => `${median(list).toFixed(1)} µs`;
console.log(
  `audit record stored: ${us(audit)} CPU (${Math.round(median(rates))} records/s); ` +
    `counted call stored: ${us(counter)}; grant check in a new turn: ${us(grant)} (medians of ${rounds} rounds)`,
);
