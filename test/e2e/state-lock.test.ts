/**
 * The state database never stalls the gateway: while another process (a `toolgate` command, a backup) holds its
 * write lock, calls go on and their audit records and counter events wait in memory, to be stored once the lock
 * goes; only a call that cannot go on without a write (one held for approval) waits, on a timer, and then fails
 * with GW_STATE_UNAVAILABLE. A database that cannot be written at start-up stops `toolgate start` with an error
 * naming the file, unless `audit.required` is false.
 *
 * No timing is asserted: the lock is held until the test lets it go, so what must happen while it is held happens
 * while it is held. (Before, each write waited for the lock on the event loop, up to 5 s, and every call with it.)
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStateDb } from '../../src/state/state-db.js';
import { fixtureCommand } from '../fixtures/spawn-fixture.js';
import {
  connectHttp,
  eventually,
  GATEWAY_MAIN,
  holdStateLock,
  ROOT,
  startGatewayProcess,
  textOf,
  toolgate,
  writeConfig,
  type GatewayProcess,
} from './harness.js';

const stateFileOf = (config: string) => join(dirname(config), 'state.db');

/** The audit records `toolgate audit query` finds, read by another process (reads never wait for the lock). */
function auditedTexts(config: string): string[] {
  return toolgate('audit', 'query', '--json', '--oldest-first', '--tool', 'echo', '--config', config)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { arguments?: { text?: string } }).arguments?.text ?? '');
}

function storedCounterEvents(config: string): number {
  const db = openStateDb(stateFileOf(config), { whenLocked: 'wait' });
  try {
    return db
      .prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM counter_events WHERE counter_key LIKE '%echoes%'")
      .get()!.n;
  } finally {
    db.close();
  }
}

describe('another process holding the state database write lock', () => {
  let config: string;
  let gateway: GatewayProcess;
  let client: Client;

  beforeAll(async () => {
    config = writeConfig(
      {
        mcpServers: { alpha: fixtureCommand('fixture-server.ts', ['--name', 'alpha']) },
        audit: { arguments: 'values', flushMs: 10 },
        // How long a call held for approval waits for the lock; the lock below is held until the test lets go.
        state: { sqlite: 'state.db', lockWaitMs: 300 },
      },
      {
        version: '1',
        default: 'deny',
        tools: {
          echo: { limits: [{ counter: 'echoes', window: 'hour', max: 1000, scope: 'global' }] },
          slow: { action: 'require_approval' },
        },
      },
    );
    gateway = await startGatewayProcess(config);
    client = await connectHttp(gateway.url);
    await client.callTool({ name: 'alpha__echo', arguments: { text: 'before' } });
    await eventually(() => expect(auditedTexts(config)).toEqual(['before']));
    await eventually(() => expect(storedCounterEvents(config)).toBe(1));
  });

  afterAll(async () => {
    await client?.close();
    await gateway?.stop();
  });

  it('serves calls while the lock is held, and stores their records and counters once it goes', async () => {
    const holder = await holdStateLock(stateFileOf(config));
    // A call that must store its approval before it can go on waits for the lock up to state.lockWaitMs, then fails
    // with its own code; the server never sees it. (Before, it stopped the whole gateway for 5 s, then failed as
    // GW_INTERNAL.)
    const held = await client.callTool({ name: 'alpha__slow', arguments: { ms: 1 } }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(held).toMatchObject({ data: { code: 'GW_STATE_UNAVAILABLE' } });
    // Calls that only need to be recorded go on; each write the gateway tries meanwhile waits on a timer. (Before,
    // each one stopped the gateway for up to 5 s, every call with it.)
    const texts = Array.from({ length: 10 }, (_, n) => `while locked ${n}`);
    for (const text of texts) {
      expect(textOf(await client.callTool({ name: 'alpha__echo', arguments: { text } }))).toContain(text);
    }
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('alpha__echo');
    // Nothing of these calls is stored while the lock is held: it waits in the gateway's memory.
    expect(auditedTexts(config)).toEqual(['before']);
    const metrics = await (await fetch(gateway.url.replace(/\/mcp$/, '/metrics'))).text();
    expect(Number(/^toolgate_audit_records_pending (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(texts.length);
    await holder.release();
    await eventually(() => expect(auditedTexts(config)).toEqual(['before', ...texts]));
    await eventually(() => expect(storedCounterEvents(config)).toBe(1 + texts.length));
    expect(
      gateway.log.some((line) => line.includes('GW_STATE_UNAVAILABLE') || line.includes('cannot be written')),
    ).toBe(true);
  });
});

/** `toolgate start` run until it listens or exits: its exit code (null while it listens) and what it wrote. */
async function startOrExit(config: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [GATEWAY_MAIN, 'start', '--config', config, '--port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines: string[] = [];
  const code = await new Promise<number | null>((resolve) => {
    createInterface({ input: child.stderr }).on('line', (line) => {
      lines.push(line);
      if (line.includes('listening on')) resolve(null);
    });
    child.once('exit', (exitCode) => resolve(exitCode));
  });
  if (code === null) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  return { code, stderr: lines.join('\n') };
}

/** A state database with its schema, created as `toolgate grants create` would, for the start-up cases. */
function existingStateDb(config: string): string {
  const file = stateFileOf(config);
  openStateDb(file, { whenLocked: 'wait' }).close();
  return file;
}

/**
 * Makes `file` impossible to write for this process, however privileged, and returns how to undo it; undefined
 * where this machine cannot. Not root: its mode (0444). Root ignores modes: the immutable attribute (chattr +i),
 * where the file system and the container allow it.
 */
function makeReadOnly(file: string): (() => void) | undefined {
  const undo =
    process.getuid?.() === 0
      ? tryRun(['chattr', '+i', file], ['chattr', '-i', file])
      : (chmodSync(file, 0o444), () => chmodSync(file, 0o644));
  if (!undo) return undefined;
  try {
    closeSync(openSync(file, 'r+'));
  } catch {
    return undo;
  }
  undo();
  return undefined;
}

function tryRun(command: string[], undo: string[]): (() => void) | undefined {
  try {
    execFileSync(command[0]!, command.slice(1), { stdio: 'ignore' });
    return () => execFileSync(undo[0]!, undo.slice(1), { stdio: 'ignore' });
  } catch {
    return undefined;
  }
}

/** Whether makeReadOnly works here, asked once on a scratch file. */
const readOnlyFilesPossible = (() => {
  const folder = mkdtempSync(join(tmpdir(), 'toolgate-readonly-probe-'));
  const file = join(folder, 'probe');
  writeFileSync(file, '');
  const undo = makeReadOnly(file);
  undo?.();
  rmSync(folder, { recursive: true, force: true });
  return undo !== undefined;
})();

describe('a state database that cannot be written at start-up', () => {
  const server = { alpha: fixtureCommand('fixture-server.ts', ['--name', 'alpha']) };

  it('stops toolgate start at once, naming the file and the process holding its lock', async () => {
    const config = writeConfig({ mcpServers: server, state: { sqlite: 'state.db', lockWaitMs: 200 } });
    const holder = await holdStateLock(existingStateDb(config));
    try {
      const { code, stderr } = await startOrExit(config);
      expect(code).toBe(1);
      expect(stderr).toContain(`Cannot write the state database ${stateFileOf(config)}`);
      expect(stderr).toContain('another process holds its write lock');
      expect(stderr).toContain('audit.required');
    } finally {
      await holder.release();
    }
  });

  it.runIf(readOnlyFilesPossible)('stops toolgate start when the file is read-only', async () => {
    const config = writeConfig({ mcpServers: server });
    const undo = makeReadOnly(existingStateDb(config))!;
    try {
      const { code, stderr } = await startOrExit(config);
      expect(code).toBe(1);
      expect(stderr).toContain(`Cannot write the state database ${stateFileOf(config)}`);
      expect(stderr).toMatch(/readonly|read-only/);
    } finally {
      undo();
    }
  });

  it('stops toolgate start when the file cannot even be opened, naming it', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'toolgate-not-a-folder-'));
    writeFileSync(join(folder, 'plain-file'), '');
    const file = join(folder, 'plain-file', 'state.db');
    const { code, stderr } = await startOrExit(writeConfig({ mcpServers: server, state: { sqlite: file } }));
    expect(code).toBe(1);
    expect(stderr).toContain(`Cannot open the state database ${file}`);
  });

  // Starts a gateway and its server inside the test, hence the hook's timeout.
  it(
    'serves without a durable audit trail when audit.required is false, and says so',
    { timeout: 60_000 },
    async () => {
      const config = writeConfig({
        mcpServers: server,
        state: { sqlite: 'state.db', lockWaitMs: 200 },
        audit: { required: false, arguments: 'values', flushMs: 10 },
      });
      const holder = await holdStateLock(existingStateDb(config));
      let gateway: GatewayProcess | undefined;
      let client: Client | undefined;
      try {
        gateway = await startGatewayProcess(config);
        expect(gateway.log.some((line) => line.includes('serving without a durable audit trail'))).toBe(true);
        client = await connectHttp(gateway.url);
        expect(textOf(await client.callTool({ name: 'alpha__echo', arguments: { text: 'anyway' } }))).toContain(
          'anyway',
        );
        // The database was only locked: once it is free, the record kept in memory is stored after all.
        await holder.release();
        await eventually(() => expect(auditedTexts(config)).toEqual(['anyway']));
      } finally {
        await holder.release();
        await client?.close();
        await gateway?.stop();
      }
    },
  );
});
