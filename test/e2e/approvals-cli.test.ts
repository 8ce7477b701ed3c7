/**
 * `toolgate approvals list|show`, run as a user runs them, on approvals stored in the state database: a table
 * with a header and times people read, and JSON with ISO 8601 times.
 */
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SqliteApprovalStore } from '../../src/approvals/approval-store.js';
import { openStateDb } from '../../src/state/state-db.js';
import { runToolgate, writeConfig } from './harness.js';

// Hours and a half apart, so that the ages the table shows stay the same however slowly the CLI starts.
const HOUR = 3_600_000;

describe('toolgate approvals', () => {
  const now = Date.now();
  let config: string;
  let pending: string;
  let denied: string;

  beforeAll(async () => {
    config = writeConfig({ mcpServers: {} });
    const db = openStateDb(join(dirname(config), 'state.db'));
    const store = new SqliteApprovalStore(db);
    const call = async (tool: string, created: number, expires: number) => {
      const creation = await store.create(
        {
          grantId: 'g1',
          grantLabel: 'ci-runner',
          serverId: 'stripe',
          tool,
          arguments: { amount: 900 },
          hidden: [],
          secrets: [],
          fingerprint: `${tool}-${created}`,
          rule: `/tools/${tool}`,
          reason: 'Charges over 500 need a person',
          expiresAt: expires,
        },
        created,
        20,
      );
      if (creation.kind !== 'created') throw new Error('expected an approval');
      return creation.approval;
    };
    denied = (await call('refund', now - 10.5 * HOUR, now + HOUR)).id;
    await store.resolve(denied, 'deny', 'cli:alice', 'Not today', now - 8.5 * HOUR);
    pending = (await call('create_charge', now - 3.5 * HOUR, now + 5.5 * HOUR)).id;
    db.close();
  });

  it('list: a table, newest first, with a header and readable times', () => {
    const run = runToolgate('approvals', 'list', '-c', config);
    expect(run.status).toBe(0);
    const [header, ...rows] = run.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+STATUS\s+TOOL\s+GRANT\s+CREATED\s+DECIDED\s+REASON$/);
    expect(rows).toHaveLength(2);
    const time = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ`;
    expect(rows[0]).toMatch(
      new RegExp(
        `^${pending}\\s+pending\\s+stripe:create_charge\\s+ci-runner\\s+${time} \\(3h ago\\)\\s+expires in 5h\\s+Charges over 500`,
      ),
    );
    expect(rows[1]).toMatch(
      new RegExp(`^${denied}\\s+denied\\s+stripe:refund\\s+.*\\(10h ago\\)\\s+8h ago by cli:alice\\s`),
    );
    expect(run.stdout).not.toMatch(/\b1\d{12}\b/);
  });

  it('list --json and show: ISO 8601 times, null for what has not happened', () => {
    const run = runToolgate('approvals', 'list', '--json', '-c', config);
    expect(run.status).toBe(0);
    const lines = run.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => line.id)).toEqual([pending, denied]);
    expect(lines[0]).toMatchObject({
      status: 'pending',
      createdAt: new Date(now - 3.5 * HOUR).toISOString(),
      expiresAt: new Date(now + 5.5 * HOUR).toISOString(),
      decidedAt: null,
    });
    const shown = JSON.parse(runToolgate('approvals', 'show', denied, '-c', config).stdout) as Record<string, unknown>;
    expect(shown).toMatchObject({ status: 'denied', decidedAt: new Date(now - 8.5 * HOUR).toISOString() });
  });
});
