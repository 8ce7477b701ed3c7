/**
 * Servers that crash, hang, vanish or forget their sessions never take the gateway down: their calls fail with
 * an error naming them, the other servers keep working, and the gateway reconnects. Long calls that report
 * progress survive the timeout; cancellation reaches the server.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureCommand, startHttpFixture, type HttpFixture } from '../fixtures/spawn-fixture.js';
import { connectHttp, startGatewayProcess, writeConfig, type GatewayProcess, textOf, eventually } from './harness.js';

async function health(gateway: GatewayProcess): Promise<Record<string, string>> {
  const response = await fetch(gateway.url.replace(/\/mcp$/, '/healthz'));
  const body = (await response.json()) as { servers: { id: string; state: string }[] };
  return Object.fromEntries(body.servers.map((server) => [server.id, server.state]));
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a server that crashes', () => {
  let gateway: GatewayProcess;
  let client: Client;

  beforeAll(async () => {
    gateway = await startGatewayProcess(
      writeConfig({
        mcpServers: {
          fragile: fixtureCommand('fixture-server.ts', ['--name', 'fragile']),
          steady: fixtureCommand('fixture-server.ts', ['--name', 'steady']),
        },
      }),
    );
    client = await connectHttp(gateway.url);
  });

  afterAll(async () => {
    await client?.close();
    await gateway?.stop();
  });

  it('fails its own calls with an error naming it, leaves the others working, and comes back', async () => {
    await expect(client.callTool({ name: 'fragile__crash', arguments: {} })).rejects.toThrow(/fragile/);
    expect(textOf(await client.callTool({ name: 'steady__whoami', arguments: {} }))).toBe('steady');
    // Its tools stay listed while it is down, so agents do not see them flicker.
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('fragile__whoami');
    await eventually(async () => expect((await health(gateway)).fragile).toBe('up'));
    expect(textOf(await client.callTool({ name: 'fragile__whoami', arguments: {} }))).toBe('fragile');
    expect(
      gateway.log.some((line) => line.includes('"serverId":"fragile"') && line.includes('"stream":"stderr"')),
    ).toBe(true);
  });
});

describe('a server that cannot be reached', () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGatewayProcess(
      writeConfig({
        mcpServers: {
          missing: { url: `http://127.0.0.1:${await closedPort()}/mcp`, startTimeoutMs: 2000 },
          steady: fixtureCommand('fixture-server.ts', ['--name', 'steady']),
        },
      }),
    );
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('does not stop the gateway from starting or the other servers from working', async () => {
    expect(await health(gateway)).toEqual({ missing: 'down', steady: 'up' });
    const client = await connectHttp(gateway.url);
    try {
      expect(textOf(await client.callTool({ name: 'steady__whoami', arguments: {} }))).toBe('steady');
    } finally {
      await client.close();
    }
  });
});

describe('timeouts and cancellation', () => {
  let gateway: GatewayProcess;
  let client: Client;

  beforeAll(async () => {
    gateway = await startGatewayProcess(
      writeConfig({
        mcpServers: {
          quick: { ...fixtureCommand('fixture-server.ts', ['--name', 'quick']), timeoutMs: 1000 },
          capped: {
            ...fixtureCommand('fixture-server.ts', ['--name', 'capped']),
            timeoutMs: 1000,
            maxTotalTimeoutMs: 1500,
          },
        },
      }),
    );
    client = await connectHttp(gateway.url);
  });

  afterAll(async () => {
    await client?.close();
    await gateway?.stop();
  });

  it('fails a call that hangs past timeoutMs with an error naming the server', async () => {
    await expect(client.callTool({ name: 'quick__hang', arguments: {} })).rejects.toThrow(
      /quick.*did not answer in time/,
    );
    expect(textOf(await client.callTool({ name: 'quick__whoami', arguments: {} }))).toBe('quick');
  });

  it('lets a call that reports progress run past timeoutMs', async () => {
    const result = await client.callTool({ name: 'quick__slow', arguments: { ms: 2500, steps: 10 } });
    expect(textOf(result)).toBe('done after 2500ms');
  });

  it('cuts off at maxTotalTimeoutMs whatever the progress', async () => {
    await expect(client.callTool({ name: 'capped__slow', arguments: { ms: 3000, steps: 12 } })).rejects.toThrow(
      /capped.*did not answer in time/,
    );
  });

  it('cancels the call on the server when the client cancels', async () => {
    const before = Number(textOf(await client.callTool({ name: 'quick__cancellations', arguments: {} })));
    const controller = new AbortController();
    const call = client.callTool(
      { name: 'quick__slow', arguments: { ms: 5000, steps: 50 } },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error('changed my mind')), 300);
    await expect(call).rejects.toThrow();
    await eventually(async () =>
      expect(Number(textOf(await client.callTool({ name: 'quick__cancellations', arguments: {} })))).toBe(before + 1),
    );
  });
});

describe('an HTTP server that restarts and forgets its sessions', () => {
  let fixture: HttpFixture;
  let gateway: GatewayProcess;

  afterAll(async () => {
    await gateway?.stop();
    await fixture?.close();
  });

  it('is reconnected on a new session without the client noticing', async () => {
    fixture = await startHttpFixture('fixture-server.ts', ['--name', 'phoenix', '--era', 'legacy']);
    const port = new URL(fixture.url).port;
    gateway = await startGatewayProcess(writeConfig({ mcpServers: { phoenix: { url: fixture.url } } }));
    const client = await connectHttp(gateway.url);
    try {
      expect(textOf(await client.callTool({ name: 'phoenix__whoami', arguments: {} }))).toBe('phoenix');
      await fixture.close();
      fixture = await startHttpFixture('fixture-server.ts', ['--name', 'phoenix', '--era', 'legacy', '--port', port]);
      await eventually(async () =>
        expect(textOf(await client.callTool({ name: 'phoenix__whoami', arguments: {} }))).toBe('phoenix'),
      );
    } finally {
      await client.close();
    }
  });
});

describe('shutting down', () => {
  it('ends every stdio server process with the gateway', async () => {
    const marker = `shutdown-${randomUUID()}`;
    const gateway = await startGatewayProcess(
      writeConfig({ mcpServers: { child: fixtureCommand('fixture-server.ts', ['--name', marker]) } }),
    );
    const running = () =>
      execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.includes(marker));
    expect(running().length).toBeGreaterThan(0);
    await gateway.stop();
    await eventually(() => expect(running()).toEqual([]));
  });
});
