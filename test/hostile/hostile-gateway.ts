/**
 * The gateway the hostile-input suite attacks, and what it proves afterwards.
 *
 * One `toolgate start` process (Streamable HTTP in both eras, legacy SSE) and `toolgate stdio` processes, each
 * in front of the same set of servers: `good` (the fixture server over stdio), `web` (the fixture server over
 * Streamable HTTP), `hostile` (test/fixtures/hostile-server.ts over stdio) and `offlimits` (the fixture server,
 * outside the grant's servers). Every server records each tools/call it receives, so that the suite can prove
 * that no call the policy denies or hides ever reached one, whatever the clients sent.
 */
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fixtureCommand, startHttpFixture, type HttpFixture } from '../fixtures/spawn-fixture.js';
import { startGatewayProcess, tokenFrom, toolgate, writeConfig, type GatewayProcess } from '../e2e/harness.js';

/**
 * The agent's policy. Tools it denies or hides are tripwires: see {@link tripwireHits}. `good:bump` needs an
 * operator's approval, which nobody gives, so it never runs either.
 */
const AGENT_POLICY = {
  version: '1',
  default: 'allow',
  hide: ['good:hang', 'web:hang', 'hostile:secret_*', '*_hidden'],
  tools: {
    'good:crash': { action: 'deny' },
    'web:crash': { action: 'deny' },
    'good:env': { action: 'deny', reason: 'no environment for agents' },
    'web:env': { action: 'deny' },
    'good:bump': { action: 'require_approval', reason: 'a person must agree' },
    'hostile:danger': { action: 'deny' },
    'good:echo': {
      deny_if: [{ conditions: [{ path: 'args.text', op: 'contains', value: 'forbidden' }], on_deny: 'not that' }],
    },
  },
};

/** Tools of the fixture servers the agent's policy never lets run. */
const FIXTURE_TRIPWIRES = new Set(['crash', 'env', 'hang', 'bump']);
/** Tools of the hostile server the agent's policy never lets run. */
const HOSTILE_TRIPWIRES = [/^danger$/, /^secret_/, /_hidden$/];

/** The servers the agent's grant may use; `offlimits` is not among them. */
const AGENT_SERVERS = ['good', 'web', 'hostile'];

export interface HostileSetup {
  readonly config: string;
  /** The agent's bearer token: the grant every hostile message is sent with. */
  readonly token: string;
  /** Another grant's token, for messages that try to reach the agent's sessions. */
  readonly otherToken: string;
  readonly gateway: GatewayProcess;
  /** Folder of the record files. */
  readonly folder: string;
  stop(): Promise<void>;
}

/**
 * Starts the `web` server, writes the config and policies, creates the grants and starts `toolgate start`.
 * Each gateway process (this one, and each `toolgate stdio` from {@link stdioArgs}) spawns its own stdio servers,
 * which all append to the same record files.
 */
export async function startHostileGateway(): Promise<HostileSetup> {
  // The config's folder is only known once it is written: the web server records into a file named after it.
  const config = writeConfig({});
  const folder = dirname(config);
  const web: HttpFixture = await startHttpFixture('fixture-server.ts', [
    '--name',
    'web',
    '--record',
    join(folder, 'web.calls'),
  ]);
  const fixture = (name: string) => ({
    ...fixtureCommand('fixture-server.ts', ['--name', name, '--record', join(folder, `${name}.calls`)]),
    timeoutMs: 10_000,
  });
  writeFileSync(
    config,
    JSON.stringify(
      {
        state: { sqlite: join(folder, 'state.db') },
        listen: { maxBodyBytes: 256 * 1024 },
        // Held calls are answered at once: nobody approves, and the call must never run.
        approvals: { waitMs: 0 },
        // The hostile server changes its tools with every listing; under the default (block) pinning would refuse
        // them all, and this suite is about what reaches the servers and the clients, not about pinning (see
        // test/e2e/pinning.test.ts). Under stricter every change is still noticed and recorded.
        pinning: { changed: 'stricter' },
        log: { level: process.env.TOOLGATE_HOSTILE_LOG ?? 'warn' },
        mcpServers: {
          good: fixture('good'),
          web: { url: web.url, timeoutMs: 10_000 },
          hostile: {
            ...fixtureCommand('hostile-server.ts', ['--victim', 'good', '--record', join(folder, 'hostile.calls')]),
            // `act never` must end with the gateway's timeout, well inside the suite's deadline.
            timeoutMs: 10_000,
          },
          offlimits: fixture('offlimits'),
        },
      },
      null,
      2,
    ),
  );
  const policy = join(folder, 'agent-policy.json');
  writeFileSync(policy, JSON.stringify(AGENT_POLICY));
  const create = (label: string) =>
    tokenFrom(
      toolgate(
        'grants',
        'create',
        '--label',
        label,
        '--policy',
        policy,
        '--servers',
        AGENT_SERVERS.join(','),
        '--config',
        config,
      ),
    );
  let token: string, otherToken: string, gateway: GatewayProcess;
  try {
    token = create('agent');
    otherToken = create('other-agent');
    gateway = await startGatewayProcess(config);
  } catch (error) {
    await web.close();
    throw error;
  }
  return {
    config,
    token,
    otherToken,
    gateway,
    folder,
    async stop() {
      await gateway.stop();
      await web.close();
    },
  };
}

/** The arguments of `toolgate stdio` as the agent. */
export function stdioArgs(setup: HostileSetup): string[] {
  return ['stdio', '--config', setup.config, '--grant', 'agent'];
}

/** One call that reached a server although the agent's policy refuses it. */
export interface TripwireHit {
  readonly server: string;
  readonly line: string;
}

/** Every recorded call that must not have happened: a denied or hidden tool, or any call to `offlimits`. */
export function tripwireHits(setup: HostileSetup): { hits: TripwireHit[]; calls: Record<string, number> } {
  const hits: TripwireHit[] = [];
  const calls: Record<string, number> = {};
  for (const server of ['good', 'web', 'hostile', 'offlimits']) {
    const lines = recorded(join(setup.folder, `${server}.calls`));
    calls[server] = lines.length;
    for (const line of lines) {
      const entry = JSON.parse(line) as { method?: string; name?: unknown; arguments?: unknown };
      if (isTripwire(server, entry)) hits.push({ server, line });
    }
  }
  return { hits, calls };
}

function isTripwire(server: string, entry: { method?: string; name?: unknown; arguments?: unknown }): boolean {
  if (server === 'offlimits') return true;
  if (server === 'hostile') {
    return entry.method === 'tools/call' && HOSTILE_TRIPWIRES.some((pattern) => pattern.test(String(entry.name)));
  }
  if (FIXTURE_TRIPWIRES.has(String(entry.name))) return true;
  if (server !== 'good' || entry.name !== 'echo') return false;
  // good:echo is denied when args.text contains "forbidden", and when that cannot be told (fail closed).
  const text = (entry.arguments as { text?: unknown } | undefined)?.text;
  if (typeof text === 'string') return text.includes('forbidden');
  if (Array.isArray(text)) return text.includes('forbidden');
  return text !== undefined;
}

function recorded(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
}

/** The resident set size of a process, in bytes, from /proc (Linux). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) * 1024;
}

/** The CPU time a process has used so far (user and system), in seconds, from /proc (Linux). */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces: utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
