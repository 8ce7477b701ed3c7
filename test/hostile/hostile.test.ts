/**
 * The standing hostile-input suite (issue 12): at least 100,000 generated hostile or malformed messages per run,
 * across Streamable HTTP in both eras, legacy HTTP+SSE and `toolgate stdio` in both eras, against a real gateway
 * in front of real servers, one of them hostile (test/fixtures/hostile-server.ts). For every message: the gateway
 * answers within the deadline, as the protocol says; at the end: it never exited, its memory stayed bounded, and
 * no tool the policy denies or hides ever reached a server.
 *
 * The messages come from a fixed seed, printed at the start; `TOOLGATE_HOSTILE_SEED=N` replays another run, and
 * `TOOLGATE_HOSTILE_MESSAGES=N` changes how many are sent (the floor of 100,000 is only checked at the default).
 */
import type { ChildProcess } from 'node:child_process';
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
import { rssOf, startHostileGateway, stdioArgs, tripwireHits, type HostileSetup } from './hostile-gateway.js';

const DEFAULT_MESSAGES = 100_000;
const SEED = Number(process.env.TOOLGATE_HOSTILE_SEED ?? 20_261_202);
const MESSAGES = Number(process.env.TOOLGATE_HOSTILE_MESSAGES ?? DEFAULT_MESSAGES);
/** A generous ceiling: the gateway's resident memory must stay under it throughout. Not a measure of efficiency. */
const RSS_CEILING = 1024 * 1024 * 1024;
const MAX_BODY_BYTES = 256 * 1024;

/** Each campaign's share of the messages. */
const SHARE = { http2025: 0.35, http2026: 0.3, sse: 0.1, stdio2025: 0.15, stdio2026: 0.1 };
const CAMPAIGN_TIMEOUT_MS = 240_000;

describe('hostile input', () => {
  let setup: HostileSetup;
  let target: HttpTarget;
  const reports: CampaignReport[] = [];
  const started = Date.now();
  /** The highest resident memory seen per process, sampled from /proc while the suite runs. */
  const peakRss = new Map<string, number>();
  const watched = new Map<string, ChildProcess>();
  let sampler: NodeJS.Timeout | undefined;

  const watch = (label: string, child: ChildProcess) => watched.set(label, child);
  const sample = () => {
    for (const [label, child] of watched) {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
      try {
        peakRss.set(label, Math.max(peakRss.get(label) ?? 0, rssOf(child.pid)));
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
          .join(', ')}), ${r.answered} answered, ${r.failures.length + r.moreFailures} failures, ${(r.ms / 1000).toFixed(1)} s`,
    );
    const total = reports.reduce((sum, r) => sum + r.sent, 0);
    console.log(
      [
        `hostile-input suite: seed ${SEED}, ${total} messages in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        ...lines,
        ...reports.flatMap((r) => [`  slowest of ${r.name}:`, ...r.slowest.map(([ms, what]) => `    ${ms} ms ${what}`)]),
        ...reports.flatMap((r) => r.leaks.slice(0, 10).map((leak) => `  ${r.name}: ${leak}`)),
        '  gateway log, by message:',
        ...logSummary(setup?.gateway.log ?? []),
        `  peak RSS: ${[...peakRss].map(([label, bytes]) => `${label} ${mb(bytes)}`).join(', ')}`,
      ].join('\n'),
    );
  });

  /** Fails with every kept failure in full, so that the seed, index and bytes are in the test's output. */
  const expectClean = (report: CampaignReport) => {
    reports.push(report);
    const failures = report.failures.map(
      (f) => `#${f.index} [${f.variant}] ${f.bytes}\n    ${f.problems.join('\n    ')}`,
    );
    expect(
      failures,
      `${report.name}: ${report.failures.length + report.moreFailures} failures (seed ${SEED})`,
    ).toEqual([]);
  };

  it(`Streamable HTTP, 2025 era: every message answered as the protocol says`, async () => {
    expectClean(await legacyHttpCampaign(target, SEED, Math.round(MESSAGES * SHARE.http2025), 32));
  }, CAMPAIGN_TIMEOUT_MS);

  it('Streamable HTTP, 2026-07-28 era: every message answered as the protocol says', async () => {
    expectClean(await modernHttpCampaign(target, SEED, Math.round(MESSAGES * SHARE.http2026), 32));
  }, CAMPAIGN_TIMEOUT_MS);

  it('legacy HTTP+SSE: every message answered as the protocol says', async () => {
    expectClean(await sseCampaign(target, SEED, Math.round(MESSAGES * SHARE.sse), 24));
  }, CAMPAIGN_TIMEOUT_MS);

  for (const era of ['legacy', 'modern'] as const) {
    it(`toolgate stdio, ${era === 'legacy' ? '2025' : '2026-07-28'} era: every line answered as the protocol says`, async () => {
      const share = era === 'legacy' ? SHARE.stdio2025 : SHARE.stdio2026;
      const command = { command: process.execPath, args: [GATEWAY_MAIN, ...stdioArgs(setup)], cwd: ROOT };
      expectClean(
        await stdioCampaign(command, era, SEED, Math.round(MESSAGES * share), 64, (child) =>
          watch(`toolgate stdio (${era})`, child),
        ),
      );
    }, CAMPAIGN_TIMEOUT_MS);
  }

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
      const entry = JSON.parse(line) as { msg?: string; level?: number };
      key = `${entry.level} ${entry.msg ?? ''}`.slice(0, 160);
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
