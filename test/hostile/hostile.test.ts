/**
 * The standing hostile-input suite (issue 12): at least 100,000 generated hostile or malformed messages per run,
 * across Streamable HTTP in both eras, legacy HTTP+SSE and `toolgate stdio` in both eras, against a real gateway
 * in front of real servers, one of them hostile (test/fixtures/hostile-server.ts). For every message: the gateway
 * answers within the deadline, as the protocol says; at the end: it never exited, its memory stayed bounded, and
 * no tool the policy denies or hides ever reached a server.
 *
 * The messages come from a fixed seed, printed at the start; `TOOLGATE_HOSTILE_SEED=N` replays another run, and
 * `TOOLGATE_HOSTILE_MESSAGES=N` changes how many are sent (the floor of 100,000 is only checked at the default), and
 * `TOOLGATE_HOSTILE_TIMEOUT_MS=N` how long each campaign may take.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_MAIN, ROOT } from '../e2e/harness.js';
import {
  legacyHttpCampaign,
  modernHttpCampaign,
  sseCampaign,
  stdioCampaign,
  type CampaignReport,
  type HttpTarget,
} from './campaign.js';
import fc from 'fast-check';
import { eventually } from '../e2e/harness.js';
import { errorProblems, isRefusedCall, responseProblems } from './answers.js';
import { exchange, headerValue, JSON_TYPES } from './campaign.js';
import { classify, lookAlikes, METHOD_TRICKS, REFUSED_TOOLS } from './grammar.js';
import { openStream, RawClient, responseOf, resultText } from './raw-client.js';
import {
  cpuSecondsOf,
  rssOf,
  startHostileGateway,
  stdioArgs,
  tripwireHits,
  type HostileSetup,
} from './hostile-gateway.js';

const DEFAULT_MESSAGES = 100_000;
const SEED = Number(process.env.TOOLGATE_HOSTILE_SEED ?? 20_261_202);
const MESSAGES = Number(process.env.TOOLGATE_HOSTILE_MESSAGES ?? DEFAULT_MESSAGES);
/** A generous ceiling: the gateway's resident memory must stay under it throughout. Not a measure of efficiency. */
const RSS_CEILING = 1024 * 1024 * 1024;
const MAX_BODY_BYTES = 256 * 1024;

/** Each campaign's share of the messages. */
const SHARE = { http2025: 0.35, http2026: 0.3, sse: 0.1, stdio2025: 0.15, stdio2026: 0.1 };
/** Generous for CI on two cores; `TOOLGATE_HOSTILE_TIMEOUT_MS` gives a busier machine longer. */
const CAMPAIGN_TIMEOUT_MS = Number(process.env.TOOLGATE_HOSTILE_TIMEOUT_MS ?? 240_000);

describe('hostile input', () => {
  let setup: HostileSetup;
  let target: HttpTarget;
  const reports: CampaignReport[] = [];
  const started = Date.now();
  /** The highest resident memory seen per process, sampled from /proc while the suite runs. */
  const peakRss = new Map<string, number>();
  /** The CPU time each process had used when last sampled. */
  const cpu = new Map<string, number>();
  const watched = new Map<string, ChildProcess>();
  let sampler: NodeJS.Timeout | undefined;

  const watch = (label: string, child: ChildProcess) => watched.set(label, child);
  const sample = () => {
    for (const [label, child] of watched) {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
      try {
        peakRss.set(label, Math.max(peakRss.get(label) ?? 0, rssOf(child.pid)));
        cpu.set(label, cpuSecondsOf(child.pid));
      } catch {
        // The process ended between the check and the read.
      }
    }
  };

  beforeAll(async () => {
    console.log(`hostile-input suite: seed ${SEED} (replay with TOOLGATE_HOSTILE_SEED=${SEED}), ${MESSAGES} messages`);
    setup = await startHostileGateway();
    target = { url: setup.gateway.url, token: setup.token, otherToken: setup.otherToken, maxBodyBytes: MAX_BODY_BYTES };
    watch('toolgate start', setup.gateway.process);
    sampler = setInterval(sample, 250);
  }, 120_000);

  afterAll(async () => {
    clearInterval(sampler);
    await setup?.stop();
    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
    const lines = reports.map(
      (r) =>
        `  ${r.name.padEnd(12)} ${String(r.sent).padStart(7)} messages (${Object.entries(r.kinds)
          .map(([kind, n]) => `${n} ${kind}`)
          .join(
            ', ',
          )}), ${r.answered} answered, ${r.failures.length + r.moreFailures} failures, ${(r.ms / 1000).toFixed(1)} s`,
    );
    const total = reports.reduce((sum, r) => sum + r.sent, 0);
    console.log(
      [
        `hostile-input suite: seed ${SEED}, ${total} messages in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        ...lines,
        ...reports.flatMap((r) => [
          `  slowest of ${r.name}:`,
          ...r.slowest.map(([ms, what]) => `    ${ms} ms ${what}`),
        ]),
        ...reports.flatMap((r) => r.leaks.slice(0, 10).map((leak) => `  ${r.name}: ${leak}`)),
        '  gateway log, by message:',
        ...logSummary(setup?.gateway.log ?? []),
        `  peak RSS: ${[...peakRss].map(([label, bytes]) => `${label} ${mb(bytes)}`).join(', ')}`,
        `  CPU: this test process ${(process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6).toFixed(1)} s, ${[
          ...cpu,
        ]
          .map(([label, seconds]) => `${label} ${seconds.toFixed(1)} s`)
          .join(', ')}`,
      ].join('\n'),
    );
  });

  /** Fails with every kept failure in full, so that the seed, index and bytes are in the test's output. */
  const expectClean = (report: CampaignReport) => {
    reports.push(report);
    const failures = report.failures.map(
      (f) => `#${f.index} [${f.variant}] ${f.bytes}\n    ${f.problems.join('\n    ')}`,
    );
    expect(failures, `${report.name}: ${report.failures.length + report.moreFailures} failures (seed ${SEED})`).toEqual(
      [],
    );
  };

  it(
    `Streamable HTTP, 2025 era: every message answered as the protocol says`,
    async () => {
      expectClean(await legacyHttpCampaign(target, SEED, Math.round(MESSAGES * SHARE.http2025), 32));
    },
    CAMPAIGN_TIMEOUT_MS,
  );

  it(
    'Streamable HTTP, 2026-07-28 era: every message answered as the protocol says',
    async () => {
      expectClean(await modernHttpCampaign(target, SEED, Math.round(MESSAGES * SHARE.http2026), 32));
    },
    CAMPAIGN_TIMEOUT_MS,
  );

  it(
    'legacy HTTP+SSE: every message answered as the protocol says',
    async () => {
      expectClean(await sseCampaign(target, SEED, Math.round(MESSAGES * SHARE.sse), 24));
    },
    CAMPAIGN_TIMEOUT_MS,
  );

  for (const era of ['legacy', 'modern'] as const) {
    it(
      `toolgate stdio, ${era === 'legacy' ? '2025' : '2026-07-28'} era: every line answered as the protocol says`,
      async () => {
        const share = era === 'legacy' ? SHARE.stdio2025 : SHARE.stdio2026;
        const command = { command: process.execPath, args: [GATEWAY_MAIN, ...stdioArgs(setup)], cwd: ROOT };
        expectClean(
          await stdioCampaign(command, era, SEED, Math.round(MESSAGES * share), 64, (child) =>
            watch(`toolgate stdio (${era})`, child),
          ),
        );
      },
      CAMPAIGN_TIMEOUT_MS,
    );
  }

  /** Fails when any call the policy refuses has reached a server so far. */
  const expectNoTripwire = () => expect(tripwireHits(setup).hits).toEqual([]);

  describe('hostile servers', () => {
    let client: RawClient;
    beforeAll(() => {
      client = new RawClient(target);
    });
    const act = (behaviour: string, more: Record<string, unknown> = {}, meta?: Record<string, unknown>) => ({
      jsonrpc: '2.0',
      id: `act-${behaviour}`,
      method: 'tools/call',
      params: { name: 'hostile__act', arguments: { behaviour, ...more }, ...(meta ? { _meta: meta } : {}) },
    });

    it('a server that answers twice, with the wrong id, or garbage first, gives the client exactly one answer', async () => {
      for (const era of ['legacy', 'modern'] as const) {
        const send = (body: Record<string, unknown>) => (era === 'legacy' ? client.legacy(body) : client.modern(body));
        expect(resultText(responseOf(await send(act('twice'))))).toBe('first');
        expect(resultText(responseOf(await send(act('wrong-id'))))).toBe('right id');
        expect(resultText(responseOf(await send(act('garbage', { n: 500 }))))).toBe('garbage 500');
        // The server still serves after all that: its connection was not dropped for the noise.
        expect(
          resultText(
            responseOf(
              await send({ ...act('x'), params: { name: 'hostile__echo', arguments: { text: 'still here' } } }),
            ),
          ),
        ).toBe('still here');
      }
    });

    // A result the SDK client cannot read as JSON-RPC is dropped, so such a call ends with the server's timeout
    // ("did not answer in time", though it did): slow and misleading, but answered.
    it('a malformed result or error from a server reaches the client as a valid JSON-RPC answer', async () => {
      const calls = [0, 1, 2, 3, 4].flatMap((n) =>
        ['bad-result', 'bad-error'].map((behaviour) => ({ ...act(behaviour, { n }), id: `${behaviour}-${n}` })),
      );
      const answers = await Promise.all(calls.map((call) => client.legacy(call)));
      answers.forEach((answer, i) => {
        const call = calls[i]!;
        const response = responseOf(answer);
        expect(response.id).toBe(call.id);
        expect(responseProblems(classify(Buffer.from(JSON.stringify(call)), 'tools/call'), response)).toEqual([]);
      });
    }, 60_000);

    it('a server that never answers is cut off by its timeout, with an error naming it', async () => {
      const response = responseOf(await client.modern(act('never')));
      expect(errorProblems(response.error)).toEqual([]);
      expect(JSON.stringify(response.error)).toContain('hostile');
    });

    it('a 4 MB result arrives whole', async () => {
      const text = resultText(responseOf(await client.legacy(act('huge', { kb: 4 * 1024 }))));
      expect(text.length).toBe(4 * 1024 * 1024);
    });

    it('a flood of progress for tokens a call never carried reaches no client, only its own token', async () => {
      const [mine, theirs] = await Promise.all([
        client.legacy(act('flood', { n: 300 }, { progressToken: 'mine' })),
        new RawClient(target).legacy(act('flood', { n: 300 }, { progressToken: 'theirs' })),
      ]);
      for (const [answer, token] of [
        [mine, 'mine'],
        [theirs, 'theirs'],
      ] as const) {
        expect(resultText(responseOf(answer))).toBe('flooded 300');
        const tokens = answer.messages
          .filter((message) => message.method === 'notifications/progress')
          .map((message) => (message.params as { progressToken?: unknown }).progressToken);
        expect(new Set(tokens)).toEqual(new Set(tokens.length === 0 ? [] : [token]));
      }
    });

    it("a server's requests to the gateway (sampling, elicitation, roots, even tools/call) never run a tool", async () => {
      for (let n = 0; n < 5; n++) expect(responseOf(await client.legacy(act('ask', { n }))).id).toBe('act-ask');
      expectNoTripwire();
    });

    it('a tool list that changes on every listing, with look-alike names, never lets a refused tool through', async () => {
      const seen = new Set<string>();
      for (let listing = 0; listing < 16; listing++) {
        responseOf(await client.legacy(act('changed')));
        // The gateway re-lists the server when it says its list changed; the next list shows the new one.
        const tools = (
          responseOf(await client.legacy({ jsonrpc: '2.0', id: `list-${listing}`, method: 'tools/list' })).result as {
            tools: Array<{ name: string }>;
          }
        ).tools.map((tool) => tool.name);
        for (const name of tools.filter((tool) => tool.startsWith('hostile__'))) {
          seen.add(name);
          const response = responseOf(
            await client.legacy({
              jsonrpc: '2.0',
              id: `call-${name}`,
              method: 'tools/call',
              params: { name, arguments: {} },
            }),
          );
          if (
            isRefusedCall(
              classify(
                Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name } })),
                'tools/call',
              ),
            )
          ) {
            expect(
              responseProblems(
                classify(
                  Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name } })),
                  'tools/call',
                ),
                response,
              ),
            ).toEqual([]);
          }
        }
      }
      // Hidden tools are never listed; look-alikes were (`secret key` as `hostile__secret_key-<hash>`, since the
      // hidden tool keeps its own exposed name), and ran on the hostile server under their own names.
      expect(seen).not.toContain('hostile__secret_key');
      expect(seen).not.toContain('hostile__report_hidden');
      expect(seen.size).toBeGreaterThan(6);
      expectNoTripwire();
    });

    // Issue 12, item 12: a server's resources/updated for a URI another server serves reached that resource's
    // subscribers.
    it("resources/updated from one server for another server's resource reaches no subscriber", async () => {
      await client.legacy({
        jsonrpc: '2.0',
        id: 'sub-victim',
        method: 'resources/subscribe',
        params: { uri: 'fixture://good/counter' },
      });
      await client.legacy({
        jsonrpc: '2.0',
        id: 'sub-own',
        method: 'resources/subscribe',
        params: { uri: 'hostile://hostile/doc' },
      });
      const stream = await openStream(target, await client.session());
      try {
        // Updates i = 2 and 8 name the victim's URIs, i = 4 and 10 the hostile server's own: once the second of
        // its own has arrived, anything sent before it has too.
        responseOf(await client.legacy(act('flood', { n: 12 })));
        await eventually(() => expect(stream.updates.filter((uri) => uri === 'hostile://hostile/doc').length).toBe(2));
        expect(stream.updates.filter((uri) => uri.startsWith('fixture://good/'))).toEqual([]);
      } finally {
        stream.close();
      }
    });
  });

  describe('sessions', () => {
    it('an initialize without an id (a notification) opens no session', async () => {
      const initialize = {
        jsonrpc: '2.0',
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'no-id', version: '1' } },
      };
      const headers = { ...JSON_TYPES, authorization: `Bearer ${target.token}` };
      const reply = await exchange(target.url, 'POST', headers, Buffer.from(JSON.stringify(initialize)));
      if (typeof reply === 'string') throw new Error(reply);
      expect(reply.headers['mcp-session-id']).toBeUndefined();
      expect(reply.status).toBe(400);
    });
  });

  describe('toolgate stdio', () => {
    // Found by this suite: the SDK's stdio transport dropped a line that is not JSON, or not a JSON-RPC message,
    // without a word, so a client waited for ever for the answer to a request it got slightly wrong. JSON-RPC 2.0
    // says they must be answered, with the request's id when it can be read and null otherwise.
    it('answers a line that is no JSON-RPC message with a JSON-RPC error, as HTTP does', async () => {
      const child = spawn(process.execPath, [GATEWAY_MAIN, ...stdioArgs(setup)], {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      const answers: Array<Record<string, unknown>> = [];
      createInterface({ input: child.stdout }).on('line', (line) =>
        answers.push(JSON.parse(line) as Record<string, unknown>),
      );
      const initialize = {
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
      };
      try {
        child.stdin.write(`${JSON.stringify(initialize)}\n`);
        await eventually(() => expect(answers.some((answer) => answer.id === 0)).toBe(true), 30_000);
        child.stdin.write('not json\n');
        child.stdin.write('{"jsonrpc":"2.0","id":"bad-params","method":"tools/call","params":[]}\n');
        child.stdin.write('{"jsonrpc":"1.0","id":"bad-version","method":"ping"}\n');
        // Nested past any depth a config allows: refused before it is parsed, with the id read from the text.
        child.stdin.write(
          `{"jsonrpc":"2.0","id":"deep","method":"tools/call","params":{"arguments":${'['.repeat(100_000)}\n`,
        );
        child.stdin.write('{"jsonrpc":"2.0","id":"after","method":"ping"}\n');
        // Lines are handled in order: once "after" is answered, the three before it have been too, or never will.
        await eventually(() => expect(answers.some((answer) => answer.id === 'after')).toBe(true), 30_000);
        const errors = answers.filter((answer) => 'error' in answer);
        expect(errors.map((answer) => answer.id)).toEqual([null, 'bad-params', 'bad-version', 'deep']);
      } finally {
        child.kill();
      }
    }, 90_000);
  });

  describe('bypass: routes to a tool other than tools/call', () => {
    let client: RawClient;
    beforeAll(() => {
      client = new RawClient(target);
    });
    const both = async (body: Record<string, unknown>) => [await client.legacy(body), await client.modern(body)];

    it("prompts/get, completion/complete, resources/read and resources/subscribe with a refused tool's name run nothing", async () => {
      let id = 0;
      for (const name of REFUSED_TOOLS) {
        const bare = name.split('__')[1]!;
        const bodies = [
          { method: 'prompts/get', params: { name, arguments: {} } },
          { method: 'prompts/get', params: { name: bare } },
          {
            method: 'completion/complete',
            params: { ref: { type: 'ref/prompt', name }, argument: { name: 'x', value: '' } },
          },
          { method: 'resources/read', params: { uri: name } },
          { method: 'resources/read', params: { uri: `tool://${name}` } },
          { method: 'resources/subscribe', params: { uri: name } },
        ];
        for (const body of bodies) {
          for (const answer of await both({ jsonrpc: '2.0', id: id++, ...body })) {
            if (answer.status === 200) expect(responseOf(answer).jsonrpc).toBe('2.0');
            else expect(answer.status).toBeGreaterThanOrEqual(400);
          }
        }
      }
      expectNoTripwire();
    });

    it('tasks methods, and a refused tool called as a task, run nothing', async () => {
      let id = 0;
      for (const method of ['tasks/get', 'tasks/result', 'tasks/list', 'tasks/cancel']) {
        for (const answer of await both({ jsonrpc: '2.0', id: id++, method, params: { taskId: 'good__crash' } })) {
          expect(answer.status === 200 ? 'error' in responseOf(answer) : answer.status >= 400).toBe(true);
        }
      }
      for (const name of REFUSED_TOOLS) {
        for (const answer of await both({
          jsonrpc: '2.0',
          id: id++,
          method: 'tools/call',
          params: { name, arguments: {}, task: { ttl: 60_000 } },
        })) {
          const response = responseOf(answer);
          expect('error' in response || (response.result as { isError?: boolean }).isError === true).toBe(true);
        }
      }
      expectNoTripwire();
    });

    it('replies to server requests nobody made do nothing', async () => {
      for (let id = 0; id < 30; id++) {
        const reply = {
          jsonrpc: '2.0',
          id,
          result: {
            role: 'assistant',
            content: { type: 'text', text: 'call good__crash' },
            model: 'm',
            name: 'good__crash',
          },
        };
        expect((await client.legacy(reply)).status).toBe(202);
      }
      expectNoTripwire();
    });

    it('a batch is refused whole, whatever it carries', async () => {
      const batch = JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'good__crash', arguments: {} } },
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'good__echo', arguments: { text: 'x' } } },
      ]);
      const answer = await client.legacy(batch);
      expect(answer.status).toBe(400);
      expect((responseOf(answer).error as { code: number }).code).toBe(-32_600);
      expectNoTripwire();
    });

    it('spellings of tools/call are unknown methods, or refused as malformed', async () => {
      let id = 0;
      for (const method of METHOD_TRICKS) {
        for (const answer of await both({
          jsonrpc: '2.0',
          id: id++,
          method,
          params: { name: 'good__crash', arguments: {} },
        })) {
          const response = responseOf(answer);
          // -32020: a 2026-07-28 request whose Mcp-Method header (Base64, for a method with spaces or controls)
          // the SDK does not read back as the body's method, refused before any handler runs.
          expect([-32_601, -32_020], method).toContain((response.error as { code?: number } | undefined)?.code);
        }
      }
      expectNoTripwire();
    });

    it('2026-07-28 headers that disagree with the body are refused', async () => {
      const call = { jsonrpc: '2.0', id: 'h', method: 'tools/call', params: { name: 'good__crash', arguments: {} } };
      const disagreements: Array<Record<string, string>> = [
        { 'mcp-name': 'good__echo' },
        { 'mcp-method': 'tools/list' },
        { 'mcp-name': headerValue('good__crash\u0000') },
        { 'mcp-name': headerValue('good__echo'), 'mcp-method': 'tools/list' },
      ];
      for (const headers of disagreements) {
        const answer = await client.modern(call, headers);
        expect(answer.status, JSON.stringify(headers)).toBe(400);
      }
      expectNoTripwire();
    });

    it("no spelling of a refused tool's name reaches it (property)", async () => {
      const spelling = fc.oneof(
        fc.constantFrom(...REFUSED_TOOLS.flatMap((name) => [name, ...lookAlikes(name)])),
        fc
          .tuple(
            fc.constantFrom(...REFUSED_TOOLS),
            fc.nat(40),
            fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }),
          )
          .map(([name, at, insert]) => `${name.slice(0, at)}${insert}${name.slice(at)}`),
      );
      let id = 0;
      await fc.assert(
        fc.asyncProperty(spelling, fc.boolean(), async (name, modern) => {
          const body = { jsonrpc: '2.0', id: id++, method: 'tools/call', params: { name, arguments: { text: 'x' } } };
          const answer = modern ? await client.modern(body) : await client.legacy(body);
          expect(answer.status).toBeLessThan(500);
        }),
        { seed: SEED, numRuns: 300 },
      );
      // Read once, at the end: the servers' records are long by now.
      expectNoTripwire();
    }, 120_000);
  });

  it('never exits, stays under 1 GB, and no denied or hidden tool ever reaches a server', async () => {
    sample();
    const total = reports.reduce((sum, r) => sum + r.sent, 0);
    if (MESSAGES === DEFAULT_MESSAGES) expect(total).toBeGreaterThanOrEqual(100_000);
    expect(setup.gateway.process.exitCode).toBeNull();
    expect(setup.gateway.process.signalCode).toBeNull();
    for (const [label, bytes] of peakRss) expect(bytes, `${label} peak RSS`).toBeLessThan(RSS_CEILING);
    const { hits, calls } = tripwireHits(setup);
    expect(hits).toEqual([]);
    // The records are read from the same files the servers write: allowed calls are there, so the check can fail.
    expect(calls.good).toBeGreaterThan(0);
    expect(calls.hostile).toBeGreaterThan(0);
    console.log(`calls that reached each server: ${JSON.stringify(calls)}`);
  });
});

/** The gateway's log lines counted by message, most frequent first. */
function logSummary(lines: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const line of lines) {
    let key = line.slice(0, 120);
    try {
      const entry = JSON.parse(line) as { msg?: string; level?: number; serverId?: string; err?: string };
      const about = entry.serverId === undefined ? '' : ` (${entry.serverId}${entry.err ? `: ${entry.err}` : ''})`;
      key = `${entry.level} ${entry.msg ?? ''}${about}`.slice(0, 200);
    } catch {
      // Not a JSON log line: counted by its start.
    }
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([key, n]) => `    ${n} × ${key}`);
}
