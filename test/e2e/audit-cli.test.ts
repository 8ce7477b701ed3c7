/**
 * `toolgate audit tail|query|export`, run as a user runs them, on a state database the audit sink wrote.
 */
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit/audit-record.js';
import { SqliteAuditSink } from '../../src/audit/sqlite-audit-sink.js';
import { openStateDb } from '../../src/state/state-db.js';
import { recordingLogger, sampleRecord } from '../contract/audit-sink.contract.js';
import { ROOT, stopProcess, writeConfig, GATEWAY_MAIN } from './harness.js';

const AUDIT_CLI = GATEWAY_MAIN;
const MINUTE = 60_000;

function toolgate(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [AUDIT_CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

async function store(config: string, records: readonly AuditRecord[]): Promise<void> {
  const db = openStateDb(join(dirname(config), 'state.db'));
  const sink = new SqliteAuditSink(db, { logger: recordingLogger() });
  for (const record of records) sink.write(record);
  await sink.close();
  db.close();
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('toolgate audit', () => {
  const now = Date.now();
  let config: string;

  beforeAll(async () => {
    config = writeConfig({ mcpServers: {} });
    // Six calls over the last five hours: two grants, two servers, refusals and a timeout.
    await store(config, [
      sampleRecord({ time: now - 5 * 60 * MINUTE, requestId: 'r1', decision: 'allow', outcome: 'ok' }),
      sampleRecord({
        time: now - 4 * 60 * MINUTE,
        requestId: 'r2',
        decision: 'deny',
        outcome: 'refused',
        rule: '(default deny)',
        serverLatencyMs: null,
      }),
      sampleRecord({
        time: now - 3 * 60 * MINUTE,
        requestId: 'r3',
        grantLabel: 'ops',
        grantId: 'id-ops',
        serverId: 'stripe',
        tool: 'create_charge',
        decision: 'rate_limited',
        outcome: 'refused',
      }),
      sampleRecord({
        time: now - 60 * MINUTE,
        requestId: 'r4',
        grantLabel: 'ops',
        grantId: 'id-ops',
        serverId: 'stripe',
        tool: 'create_charge',
        outcome: 'timeout',
      }),
      sampleRecord({
        time: now - 30 * MINUTE,
        requestId: 'r5',
        grantLabel: null,
        grantId: null,
        decision: 'unrestricted',
      }),
      sampleRecord({ time: now - 10 * MINUTE, requestId: 'r6', decision: 'deny', outcome: 'refused' }),
    ]);
  });

  it('query: a table, newest first, with a header', () => {
    const run = toolgate('audit', 'query', '-c', config);
    expect(run.status).toBe(0);
    const [header, ...rows] = run.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^TIME\s+GRANT\s+SERVER\s+TOOL\s+DECISION\s+OUTCOME\s+GATEWAY_MS\s+SERVER_MS\s+RULE$/);
    expect(rows).toHaveLength(6);
    // Times as people read them: UTC to the second.
    expect(rows[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+ci-runner\s+github\s+create_issue\s+deny\s+refused\s+/);
    expect(rows[1]).toContain('(local)');
    expect(rows[4]).toContain('(default deny)');
  });

  it('query: filters by grant, server, tool, decision and outcome, as JSON Lines', () => {
    const ids = (...filters: string[]) => {
      const run = toolgate('audit', 'query', '--json', '-c', config, ...filters);
      expect(run.status).toBe(0);
      return jsonLines(run.stdout).map((record) => record.requestId);
    };
    expect(ids('--grant', 'ops')).toEqual(['r4', 'r3']);
    expect(ids('--grant', 'id-ops', '--decision', 'rate_limited')).toEqual(['r3']);
    expect(ids('--server', 'github', '--decision', 'deny,unrestricted')).toEqual(['r6', 'r5', 'r2']);
    expect(ids('--tool', 'create_charge', '--outcome', 'timeout')).toEqual(['r4']);
    expect(ids('--oldest-first', '--limit', '2')).toEqual(['r1', 'r2']);
    const [first] = jsonLines(toolgate('audit', 'query', '--json', '--limit', '1', '-c', config).stdout);
    expect(first).toMatchObject({ requestId: 'r6', timeIso: new Date(now - 10 * MINUTE).toISOString() });
  });

  it('query: a time range, as ages or ISO 8601', () => {
    const ids = (...filters: string[]) =>
      jsonLines(toolgate('audit', 'query', '--json', '-c', config, ...filters).stdout).map(
        (record) => record.requestId,
      );
    expect(ids('--since', '2h')).toEqual(['r6', 'r5', 'r4']);
    expect(ids('--since', '250m', '--until', '45m')).toEqual(['r4', 'r3', 'r2']);
    expect(ids('--until', new Date(now - 4 * 60 * MINUTE + 1).toISOString())).toEqual(['r2', 'r1']);
  });

  it('query: says when more match than were shown, and when nothing matches', () => {
    const more = toolgate('audit', 'query', '--limit', '2', '-c', config);
    expect(more.stderr).toContain('More records match');
    const none = toolgate('audit', 'query', '--grant', 'nobody', '-c', config);
    expect(none.status).toBe(0);
    // The header alone, so that an empty answer still shows what it would hold.
    expect(none.stdout.trimEnd().split('\n')).toEqual([expect.stringMatching(/^TIME +GRANT +SERVER +TOOL +DECISION/)]);
    expect(none.stderr).toContain('No audit records match.');
  });

  it('refuses filters it cannot read, saying what it expected', () => {
    const since = toolgate('audit', 'query', '--since', 'yesterday', '-c', config);
    expect(since.status).toBe(1);
    expect(since.stderr).toContain('--since: "yesterday" is not a time');
    const decision = toolgate('audit', 'export', '--decision', 'allow,maybe', '-c', config);
    expect(decision.status).toBe(1);
    expect(decision.stderr).toContain('unknown: maybe');
  });

  it('export: every matching record, oldest first, as JSON Lines, across many pages', async () => {
    const big = writeConfig({ mcpServers: {} });
    const start = now - 60 * MINUTE;
    await store(
      big,
      Array.from({ length: 2500 }, (_, index) =>
        sampleRecord({
          time: start + index,
          requestId: String(index),
          serverId: index % 5 === 0 ? 'stripe' : 'github',
        }),
      ),
    );
    const all = toolgate('audit', 'export', '-c', big);
    expect(all.status).toBe(0);
    const records = jsonLines(all.stdout);
    expect(records).toHaveLength(2500);
    expect(records.map((record) => record.requestId)).toEqual(
      Array.from({ length: 2500 }, (_, index) => String(index)),
    );
    expect(new Set(records.map((record) => record.decisionId)).size).toBe(2500);
    const stripe = jsonLines(toolgate('audit', 'export', '--server', 'stripe', '-c', big).stdout);
    expect(stripe).toHaveLength(500);
    expect(stripe.every((record) => record.serverId === 'stripe')).toBe(true);
  });

  it('tail: the last records; --follow prints new ones as they are stored, until interrupted', async () => {
    const last = toolgate('audit', 'tail', '-n', '2', '--json', '-c', config);
    expect(jsonLines(last.stdout).map((record) => record.requestId)).toEqual(['r5', 'r6']);

    const follow = spawn(
      process.execPath,
      [AUDIT_CLI, 'audit', 'tail', '-f', '--json', '-n', '1', '--interval', '50', '--grant', 'ci-runner', '-c', config],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const seen: string[] = [];
    const waiters: (() => void)[] = [];
    createInterface({ input: follow.stdout }).on('line', (line) => {
      seen.push(String((JSON.parse(line) as Record<string, unknown>).requestId));
      for (const wake of waiters.splice(0)) wake();
    });
    const until = async (count: number) => {
      const deadline = Date.now() + 10_000;
      while (seen.length < count && Date.now() < deadline) {
        await new Promise<void>((wake) => {
          waiters.push(wake);
          setTimeout(wake, 100);
        });
      }
    };
    try {
      await until(1);
      expect(seen).toEqual(['r6']);
      await store(config, [
        sampleRecord({ time: Date.now(), requestId: 'n1' }),
        sampleRecord({ time: Date.now(), requestId: 'other', grantLabel: 'ops', grantId: 'id-ops' }),
        sampleRecord({ time: Date.now(), requestId: 'n2' }),
      ]);
      await until(3);
      expect(seen).toEqual(['r6', 'n1', 'n2']);
      const exited = new Promise<number | null>((done) => follow.once('exit', (code) => done(code)));
      follow.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      await stopProcess(follow);
    }
  });
});
