import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpFixture, type HttpFixture } from '../fixtures/spawn-fixture.js';
import type { HttpServerConfig } from '../../src/config/load.js';
import { ErrorCode } from '../../src/errors.js';
import { createLogger } from '../../src/observability/log.js';
import type { RawResult } from '../../src/raw-result.js';
import type { Caller } from '../../src/upstream/caller.js';
import { Upstream, type CatalogKind } from '../../src/upstream/upstream.js';

/**
 * An `Upstream` against a Streamable HTTP server of each era, through the HTTP client stack the gateway uses (the
 * SDK's transport on `createNodeFetch`): what the gateway relies on per call, beyond the endpoint's e2e tests,
 * which reach timeouts and cancellation only on stdio servers.
 */
describe.each(['legacy', 'modern'] as const)('an upstream over Streamable HTTP, %s server', (era) => {
  let fixture: HttpFixture;
  let upstream: Upstream;
  const changes: Set<CatalogKind>[] = [];

  beforeAll(async () => {
    fixture = await startHttpFixture('fixture-server.ts', ['--name', 'web', '--era', era]);
    const config: HttpServerConfig = {
      id: 'web',
      transport: 'http',
      url: fixture.url,
      headers: { 'X-Api-Key': 'static-key', Accept: 'text/plain' },
      timeoutMs: 1000,
      startTimeoutMs: 10_000,
      maxResultBytes: 10 * 1024 * 1024,
      sessions: 'per-grant',
      maxSessions: 32,
      sessionIdleMs: 30 * 60_000,
    };
    const listener = {
      catalogChanged: (_: Upstream, kinds: ReadonlySet<CatalogKind>) => changes.push(new Set(kinds)),
      notification: () => undefined,
    };
    upstream = new Upstream(config, listener, createLogger('silent'));
    upstream.start();
    await upstream.settled();
    expect(upstream.state).toBe('up');
  });

  afterAll(async () => {
    await upstream?.close();
    await fixture?.close();
  });

  const call = (
    name: string,
    args: Record<string, unknown> = {},
    options: { signal?: AbortSignal; onprogress?: () => void } = {},
  ) => upstream.request(undefined, 'tools/call', { name, arguments: args }, options);
  const textOf = (result: RawResult) => (result.content as { text: string }[])[0]!.text;

  it('sends the configured headers, under the protocol’s own', async () => {
    const headers = JSON.parse(textOf(await call('headers'))) as Record<string, string>;
    expect(headers['x-api-key']).toBe('static-key');
    expect(headers.accept).toContain('text/event-stream');
  });

  it('answers calls made together, each with its own result', async () => {
    const texts = await Promise.all(Array.from({ length: 20 }, (_, i) => call('echo', { text: `n${i}` }).then(textOf)));
    expect(texts).toEqual(Array.from({ length: 20 }, (_, i) => expect.stringContaining(`n${i}`)));
  });

  it('lets a call that reports progress run past timeoutMs', async () => {
    expect(textOf(await call('slow', { ms: 1800, steps: 6 }))).toBe('done after 1800ms');
  });

  it('fails a call that hangs past timeoutMs with a timeout naming the server', async () => {
    await expect(call('hang')).rejects.toMatchObject({ code: ErrorCode.ServerTimeout });
  });

  it('cancels the call on the server when the caller aborts', async () => {
    const before = Number(textOf(await call('cancellations')));
    const controller = new AbortController();
    // Aborted once the server reports progress: the call is running there, so there is something to cancel.
    let running!: () => void;
    const started = new Promise<void>((resolve) => (running = resolve));
    const pending = call('slow', { ms: 5000, steps: 50 }, { signal: controller.signal, onprogress: () => running() });
    await started;
    controller.abort();
    await expect(pending).rejects.toThrow();
    await expect.poll(async () => Number(textOf(await call('cancellations'))), { timeout: 5000 }).toBe(before + 1);
  });

  it(`opens a session per grant only when the server keeps sessions (${era === 'legacy' ? 'it does' : 'it does not'})`, async () => {
    const callerOf = (grantId: string): Caller => ({
      sessionId: `session-of-${grantId}`,
      capabilities: {},
      principal: { via: 'grant', id: grantId, label: grantId, policy: null, servers: null },
      request: () => Promise.reject(new Error('no requests')),
      notify: async () => undefined,
    });
    const remember = (caller: Caller, value: string) =>
      upstream.request(caller, 'tools/call', { name: 'remember', arguments: { value } }, {});
    const recall = async (caller: Caller) =>
      textOf(await upstream.request(caller, 'tools/call', { name: 'recall', arguments: {} }, {}));
    await remember(callerOf('a'), 'A’s');
    // A 2025-era session keeps B apart; a stateless 2026-07-28 server keeps nothing per session, so one is enough.
    expect(await recall(callerOf('b'))).toBe(era === 'legacy' ? '(nothing)' : 'A’s');
    expect(upstream.health().sessions).toBe(era === 'legacy' ? 2 : 1);
  });

  it('hears of list changes on the server’s stream', async () => {
    changes.length = 0;
    await call('add_tool', { name: `added_${era}` });
    await expect
      .poll(() => upstream.catalog.tools.some((tool) => tool.name === `added_${era}`), { timeout: 5000 })
      .toBe(true);
    expect(changes.some((kinds) => kinds.has('tools'))).toBe(true);
  });
});
