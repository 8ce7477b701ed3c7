import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureCommand, startHttpFixture, type HttpFixture } from '../fixtures/spawn-fixture.js';
import type { ServerConfig } from '../../src/config/load.js';
import { ErrorCode } from '../../src/errors.js';
import { createLogger } from '../../src/observability/log.js';
import type { RawResult } from '../../src/raw-result.js';
import { Upstream } from '../../src/upstream/upstream.js';

const KIB = 1024;
const MIB = 1024 * KIB;

/** How each transport is set up: the fixture it needs, and the server entry that reaches it. */
const TRANSPORTS = {
  stdio: async () => ({
    config: { transport: 'stdio', ...fixtureCommand('fixture-server.ts', ['--name', 'big']), env: {} },
    close: async () => undefined,
  }),
  'Streamable HTTP, 2025 era': () => httpFixture(['--era', 'legacy'], 'http'),
  'Streamable HTTP, 2026-07-28 era': () => httpFixture(['--era', 'modern'], 'http'),
  'legacy HTTP+SSE': () => httpFixture(['--era', 'legacy', '--sse'], 'sse'),
} as const;

async function httpFixture(args: string[], transport: 'http' | 'sse') {
  const fixture: HttpFixture = await startHttpFixture('fixture-server.ts', ['--name', 'big', ...args]);
  return { config: { transport, url: fixture.url, headers: {} }, close: () => fixture.close() };
}

/**
 * A server's message larger than its `maxResultBytes` fails the one call it answers, with a gateway error that
 * names the bound; the connection to the server, and every other call on it, go on (issue 12, item 11). Over
 * every transport, against the fixture's `big` tool (`kb` KiB of text in one result).
 */
describe.each(Object.keys(TRANSPORTS) as (keyof typeof TRANSPORTS)[])('a result over maxResultBytes, %s', (name) => {
  let upstream: Upstream;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const transport = await TRANSPORTS[name]();
    close = transport.close;
    const config = {
      id: 'big',
      ...transport.config,
      timeoutMs: 30_000,
      startTimeoutMs: 20_000,
      maxResultBytes: 256 * KIB,
    } as ServerConfig;
    upstream = new Upstream(config, { catalogChanged: () => undefined, notification: () => undefined }, SILENT);
    upstream.start();
    await upstream.settled();
    expect(upstream.state).toBe('up');
  });

  afterAll(async () => {
    await upstream?.close();
    await close?.();
  });

  const call = (tool: string, args: Record<string, unknown> = {}, signal?: AbortSignal) =>
    upstream.request(undefined, 'tools/call', { name: tool, arguments: args }, signal ? { signal } : {});

  it('fails that call with GW_SERVER_FAILED naming the bound, and keeps the connection and the calls in flight', async () => {
    const upSince = upstream.health().since;
    const controller = new AbortController();
    const inFlight = trackSettling(call('hang', {}, controller.signal));

    await expect(call('big', { kb: 1024 })).rejects.toMatchObject({
      code: ErrorCode.ServerFailed,
      message: expect.stringMatching(/more than its maxResultBytes \(262144 bytes\)/),
      data: { maxResultBytes: 256 * KIB },
    });
    // The same connection answers the next call, and a result within the bound passes whole.
    expect(textOf(await call('big', { kb: 200 }))).toHaveLength(200 * KIB);
    expect(upstream.health()).toMatchObject({ state: 'up', since: upSince });
    // A call that was in flight is still waiting for its answer: the connection did not break under it.
    expect(inFlight.settled).toBe(false);
    controller.abort();
    await expect(inFlight.promise).rejects.not.toMatchObject({ code: ErrorCode.ServerFailed });
  });
});

/**
 * The default bound (10 MiB) on stdio: there the SDK's own read buffer held the line to 10 MB, then dropped the
 * server's connection and every call in flight on it.
 */
describe('a stdio result over the default bound', () => {
  let upstream: Upstream;

  beforeAll(async () => {
    const config = {
      id: 'big',
      transport: 'stdio',
      ...fixtureCommand('fixture-server.ts', ['--name', 'big']),
      env: {},
      timeoutMs: 30_000,
      startTimeoutMs: 20_000,
      maxResultBytes: 10 * MIB,
    } as ServerConfig;
    upstream = new Upstream(config, { catalogChanged: () => undefined, notification: () => undefined }, SILENT);
    upstream.start();
    await upstream.settled();
  });

  afterAll(async () => {
    await upstream?.close();
  });

  it('fails only the call it answers', async () => {
    const call = (tool: string, args: Record<string, unknown>, signal?: AbortSignal) =>
      upstream.request(undefined, 'tools/call', { name: tool, arguments: args }, signal ? { signal } : {});
    const controller = new AbortController();
    const inFlight = trackSettling(call('hang', {}, controller.signal));
    await expect(call('big', { kb: 11 * 1024 })).rejects.toMatchObject({ code: ErrorCode.ServerFailed });
    expect(textOf(await call('echo', { text: 'still here' }))).toBe('still here');
    expect(inFlight.settled).toBe(false);
    controller.abort();
    await expect(inFlight.promise).rejects.not.toMatchObject({ code: ErrorCode.ServerFailed });
  });
});

const SILENT = createLogger('silent');

function textOf(result: RawResult): string {
  return (result.content as { text: string }[])[0]!.text;
}

/** A promise and whether it has settled yet (its rejection is handled: the test looks at it later, if at all). */
function trackSettling<T>(promise: Promise<T>): { promise: Promise<T>; readonly settled: boolean } {
  const tracked = { promise, settled: false };
  promise.then(
    () => (tracked.settled = true),
    () => (tracked.settled = true),
  );
  return tracked;
}
