import pg from 'pg';
import { newApproval } from '../../test/contract/approval-store.contract.js';
import { afterEach, expect, it } from 'vitest';
import { describePostgres, freshPostgres, freshSchema, POSTGRES_URL } from '../../test/support/postgres.js';
import { systemClock } from '../clock.js';
import { createLogger } from '../observability/log.js';
import type { Approval } from './approval.js';
import { ApprovalQueue } from './approval-queue.js';
import type { ApprovalSignal } from './approval-signal.js';
import type { NewApproval } from './approval-store.js';
import { PostgresApprovalSignal } from './postgres-approval-signal.js';
import { PostgresApprovalStore } from './postgres-approval-store.js';

const log = createLogger('silent');
const signals: PostgresApprovalSignal[] = [];
afterEach(async () => void (await Promise.all(signals.splice(0).map((signal) => signal.close()))));

/** A signal on this machine's PostgreSQL, named apart so that a test can find its connection. */
async function listen(): Promise<{ signal: PostgresApprovalSignal; name: string }> {
  const name = `toolgate-test-${Math.random().toString(16).slice(2, 10)}`;
  const signal = new PostgresApprovalSignal({ url: POSTGRES_URL, applicationName: name }, log);
  signals.push(signal);
  await signal.listening();
  return { signal, name };
}

/**
 * What happened, in order: `events` records each subscription to the signal, each id it delivered, and what the
 * test did; `subscribed()` resolves at the next subscription.
 */
function observed(signal: ApprovalSignal, events: string[]) {
  let onSubscribed: () => void = () => undefined;
  return {
    signal: {
      subscribe(onSettled: (approvalId: string) => void) {
        events.push('subscribed');
        const unsubscribe = signal.subscribe((approvalId) => {
          events.push(`signal ${approvalId}`);
          onSettled(approvalId);
        });
        onSubscribed();
        return unsubscribe;
      },
    } satisfies ApprovalSignal,
    subscribed: () => new Promise<void>((resolve) => (onSubscribed = resolve)),
  };
}

/**
 * The events about approval `id`: other tests running meanwhile resolve approvals on the same database, and
 * PostgreSQL tells every listener of those too.
 */
function about(events: readonly string[], id: string): string[] {
  return events.filter((event) => !event.startsWith('signal ') || event === `signal ${id}`);
}

/** A queue that never looks at the store while the test runs: only the signal can wake its calls. */
function queueOn(store: PostgresApprovalStore, signal: ApprovalSignal): ApprovalQueue {
  const options = { waitMs: 600_000, expireMs: 600_000, maxPendingPerGrant: 20, webhook: null, pollMs: 3_600_000 };
  return new ApprovalQueue(store, options, log, systemClock, signal);
}

function call(): NewApproval {
  return newApproval({ rule: '/tools/create_charge', expiresAt: Date.now() + 600_000 });
}

async function replicas(): Promise<[PostgresApprovalStore, PostgresApprovalStore]> {
  const schema = freshSchema();
  return [
    new PostgresApprovalStore(await freshPostgres(schema)),
    new PostgresApprovalStore(await freshPostgres(schema)),
  ];
}

describePostgres('PostgresApprovalSignal', () => {
  it('wakes a call held on one replica when an approver on another resolves it, and the call runs once', async () => {
    const [a, b] = await replicas();
    const events: string[] = [];
    const { signal } = await listen();
    const watched = observed(signal, events);
    const queue = queueOn(a, watched.signal);
    const subscribed = watched.subscribed();
    const settling = queue.settle(call(), new AbortController().signal, () => undefined);
    await subscribed;
    const [pending] = await b.list('pending');
    events.push('resolved on b');
    expect((await b.resolve(pending!.id, 'approve', 'admin-api:alice', null, Date.now())).kind).toBe('resolved');
    const settled = await settling;
    events.push(`settled ${settled.kind}`);
    expect(about(events, pending!.id)).toEqual([
      'subscribed',
      'resolved on b',
      `signal ${pending!.id}`,
      'settled approved',
    ]);
    if (settled.kind !== 'approved') throw new Error(`expected approved, got ${settled.kind}`);
    // The call is released once: this replica's claim and another's race, and one wins.
    const claims = await Promise.all([queue.claim(settled.approval), b.consume(pending!.id, Date.now())]);
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it('wakes the same call held on two replicas, and lets exactly one of them run it', async () => {
    const [a, b] = await replicas();
    const events: string[] = [];
    const [onA, onB] = [observed((await listen()).signal, events), observed((await listen()).signal, events)];
    const [queueA, queueB] = [queueOn(a, onA.signal), queueOn(b, onB.signal)];
    const subscribedA = onA.subscribed();
    const heldOnA = queueA.settle(call(), new AbortController().signal, () => undefined);
    await subscribedA;
    const subscribedB = onB.subscribed();
    const heldOnB = queueB.settle(call(), new AbortController().signal, () => undefined);
    await subscribedB;
    // A retry on another replica finds the same approval rather than opening one.
    const [pending, ...others] = await a.list();
    expect(others).toEqual([]);
    // Straight to the store, as the CLI does: no queue in this process is told.
    await a.resolve(pending!.id, 'approve', 'cli:alice', null, Date.now());
    const settled = await Promise.all([heldOnA, heldOnB]);
    expect(settled.map((outcome) => outcome.kind)).toEqual(['approved', 'approved']);
    expect(about(events, pending!.id).filter((event) => event.startsWith('signal'))).toEqual([
      `signal ${pending!.id}`,
      `signal ${pending!.id}`,
    ]);
    const approved = (settled[0] as { approval: Approval }).approval;
    expect((await Promise.all([queueA.claim(approved), queueB.claim(approved)])).filter(Boolean)).toHaveLength(1);
  });

  it('tells of expiries too', async () => {
    const [a] = await replicas();
    const { signal } = await listen();
    const created = await a.create({ ...call(), expiresAt: 2000 }, 1000, 20);
    if (created.kind !== 'created') throw new Error(`expected an approval, got ${created.kind}`);
    const { id } = created.approval;
    const told = new Promise<void>((resolve) => signal.subscribe((approvalId) => approvalId === id && resolve()));
    expect((await a.expire(2000)).map((approval) => approval.id)).toEqual([id]);
    await told;
  });

  it('listens again after its connection is cut, and wakes calls as before', async () => {
    const [a, b] = await replicas();
    const { signal, name } = await listen();
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    try {
      const backend = async () =>
        (
          await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [name])
        ).rows.map((row) => row.pid);
      const [cut] = await backend();
      expect(cut).toBeDefined();
      await admin.query('SELECT pg_terminate_backend($1)', [cut]);
      // Its next connection (a new backend) appears once it has noticed; then it listens on it.
      for (let pids = await backend(); pids.length === 0 || pids.includes(cut!); pids = await backend()) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await signal.listening();
      const events: string[] = [];
      const watched = observed(signal, events);
      const queue = queueOn(a, watched.signal);
      const subscribed = watched.subscribed();
      const settling = queue.settle(call(), new AbortController().signal, () => undefined);
      await subscribed;
      const [pending] = await b.list('pending');
      await b.resolve(pending!.id, 'deny', 'cli:bob', 'Not today', Date.now());
      expect(await settling).toMatchObject({ kind: 'denied', approval: { decisionReason: 'Not today' } });
      expect(about(events, pending!.id)).toEqual(['subscribed', `signal ${pending!.id}`]);
    } finally {
      await admin.end();
    }
  });
});
