/**
 * The state database never stalls the gateway: while another process (a `toolgate` command, a backup) holds its
 * write lock, calls go on and their audit records and counter events wait in memory, to be stored once the lock
 * goes; only a call that cannot go on without a write (one held for approval) waits, on a timer, and then fails
 * with GW_STATE_UNAVAILABLE.
 *
 * No timing is asserted: the lock is held until the test lets it go, so what must happen while it is held happens
 * while it is held. (Before, each write waited for the lock on the event loop, up to 5 s, and every call with it.)
 */
import { dirname, join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStateDb } from '../../src/state/state-db.js';
import { fixtureCommand } from '../fixtures/spawn-fixture.js';
import {
  connectHttp,
  eventually,
  holdStateLock,
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
