import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { newApproval } from '../../test/contract/approval-store.contract.js';
import type { Clock } from '../clock.js';
import { createLogger } from '../observability/log.js';
import { ApprovalService } from '../services/approval-service.js';
import { openStateDb } from '../state/state-db.js';
import { callFingerprint, type Approval } from './approval.js';
import { ApprovalQueue, type Settlement } from './approval-queue.js';
import type { ApprovalSignal } from './approval-signal.js';
import { SqliteApprovalStore, type NewApproval } from './approval-store.js';

const T0 = Date.UTC(2026, 4, 1);
const WAIT_MS = 30_000;

/**
 * The queue's clock reads the fake timers' time, so that moving the timers on moves the clock with them: a
 * waiting call's polls and its deadline keep in step, and no test sleeps.
 */
const fakeTimersClock: Clock = { now: () => Date.now(), elapsed: () => Date.now() - T0 };

function setUp(options: { waitMs?: number } = {}) {
  const store = new SqliteApprovalStore(openStateDb(':memory:'));
  const queue = new ApprovalQueue(
    store,
    { waitMs: options.waitMs ?? WAIT_MS, expireMs: 1_800_000, maxPendingPerGrant: 20, webhook: null },
    createLogger('silent'),
    fakeTimersClock,
  );
  return { store, queue, approvers: new ApprovalService(store, fakeTimersClock, queue) };
}

function call(overrides: Partial<NewApproval> = {}): NewApproval {
  return newApproval({ rule: '/tools/create_charge', expiresAt: T0 + 1_800_000, ...overrides });
}

/** Starts a held call and lets it reach its first wait; `outcome()` is what it settled on, once it has. */
async function hold(queue: ApprovalQueue, onWait: (approval: Approval) => void = () => undefined) {
  let settled: Settlement | undefined;
  const settling = queue.settle(call(), new AbortController().signal, onWait).then((outcome) => (settled = outcome));
  await vi.advanceTimersByTimeAsync(0);
  return { settling, outcome: () => settled };
}

describe('ApprovalQueue', () => {
  beforeEach(() => void vi.useFakeTimers({ now: T0 }));
  afterEach(() => void vi.useRealTimers());

  it('wakes a waiting call at once when a verdict is given in this process', async () => {
    const { queue, approvers } = setUp();
    const held = await hold(queue);
    const [pending] = await approvers.list('pending');
    expect((await approvers.resolve(pending!.id, 'approve', 'admin-api:alice', null)).kind).toBe('resolved');
    // No time passes: the verdict itself woke the call.
    await vi.advanceTimersByTimeAsync(0);
    expect(held.outcome()).toMatchObject({
      kind: 'approved',
      approval: { id: pending!.id, decidedBy: 'admin-api:alice' },
    });
  });

  it('sees a verdict given by another process (the CLI) at its next look at the store', async () => {
    const { store, queue } = setUp();
    const held = await hold(queue);
    const [pending] = await store.list('pending');
    // Straight to the store, as the CLI's process does: nothing here is woken.
    await store.resolve(pending!.id, 'deny', 'cli:bob', 'Not today', Date.now());
    await vi.advanceTimersByTimeAsync(1);
    expect(held.outcome()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(250);
    expect(held.outcome()).toMatchObject({ kind: 'denied', approval: { decisionReason: 'Not today' } });
    // A denial told to the agent is reported once: the next identical call asks again.
    expect((await store.get(pending!.id))?.reportedAt).toBe(T0 + 250);
  });

  it('answers "pending" when nobody decides in time, keeping the client alive every 5 s meanwhile', async () => {
    const { queue } = setUp({ waitMs: 12_000 });
    const keptAlive: number[] = [];
    const held = await hold(queue, () => keptAlive.push(Date.now() - T0));
    await vi.advanceTimersByTimeAsync(11_999);
    expect(held.outcome()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(held.outcome()).toMatchObject({ kind: 'pending' });
    expect(keptAlive).toEqual([5_000, 10_000]);
  });

  it('finds the same approval for a retry of the same call, and lets one call claim it', async () => {
    const { queue, approvers } = setUp({ waitMs: 1_000 });
    const first = await hold(queue);
    await vi.advanceTimersByTimeAsync(1_000);
    const retry = await hold(queue);
    expect(await approvers.list()).toHaveLength(1);
    const [approval] = await approvers.list();
    await approvers.resolve(approval!.id, 'approve', 'cli:alice', null);
    await vi.advanceTimersByTimeAsync(0);
    const outcome = retry.outcome();
    expect(first.outcome()?.kind).toBe('pending');
    if (outcome?.kind !== 'approved') throw new Error(`expected approved, got ${outcome?.kind}`);
    expect(await queue.claim(outcome.approval)).toBe(true);
    expect(await queue.claim(outcome.approval)).toBe(false);
  });

  it('looks at the store a fixed number of times a tick, however many calls it holds', async () => {
    const store = new SqliteApprovalStore(openStateDb(':memory:'));
    let looks = 0;
    // The real store, counting the queue's calls into it.
    const counted = new Proxy(store, {
      get(target, key, receiver) {
        const member: unknown = Reflect.get(target, key, receiver);
        if (typeof member !== 'function') return member;
        return (...args: unknown[]) => {
          looks++;
          return (member as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const queue = new ApprovalQueue(
      counted,
      { waitMs: WAIT_MS, expireMs: 1_800_000, maxPendingPerGrant: 100, webhook: null },
      createLogger('silent'),
      fakeTimersClock,
    );
    const settlements: Promise<Settlement>[] = [];
    for (let index = 0; index < 50; index++) {
      const args = { amount: index };
      const fingerprint = callFingerprint('g1', 'stripe', 'create_charge', args);
      settlements.push(queue.settle(call({ arguments: args, fingerprint }), new AbortController().signal, () => {}));
    }
    await vi.advanceTimersByTimeAsync(0);
    looks = 0;
    await vi.advanceTimersByTimeAsync(1_000);
    // Four ticks of a quarter of a second: each one expiry sweep and one read, whether 1 call waits or 50.
    expect(looks).toBeLessThanOrEqual(8);
    // Verdicts given elsewhere (the CLI) still reach every one of them at the next tick.
    for (const approval of await store.list('pending'))
      await store.resolve(approval.id, 'deny', 'cli:bob', null, Date.now());
    await vi.advanceTimersByTimeAsync(250);
    expect((await Promise.all(settlements)).map((settled) => settled.kind)).toEqual(Array(50).fill('denied'));
  });

  it('expires approvals past their time and wakes their calls', async () => {
    const { store, queue } = setUp({ waitMs: 60_000 });
    const settling = queue.settle(call({ expiresAt: T0 + 10_000 }), new AbortController().signal, () => undefined);
    await vi.advanceTimersByTimeAsync(10_000);
    await queue.expireDue();
    await vi.advanceTimersByTimeAsync(0);
    expect(await settling).toMatchObject({ kind: 'expired' });
    expect(await store.list('expired')).toHaveLength(1);
  });

  it('subscribes to its signal while calls wait, and a signal wakes them without waiting for a look', async () => {
    const store = new SqliteApprovalStore(openStateDb(':memory:'));
    const subscribers = new Set<(approvalId: string) => void>();
    const signal: ApprovalSignal = {
      subscribe(onSettled) {
        subscribers.add(onSettled);
        return () => void subscribers.delete(onSettled);
      },
    };
    const queue = new ApprovalQueue(
      store,
      { waitMs: WAIT_MS, expireMs: 1_800_000, maxPendingPerGrant: 20, webhook: null, pollMs: 3_600_000 },
      createLogger('silent'),
      fakeTimersClock,
      signal,
    );
    expect(subscribers.size).toBe(0);
    const held = await hold(queue);
    expect(subscribers.size).toBe(1);
    const [pending] = await store.list('pending');
    // As another replica does: the verdict goes straight to the store, and only the signal says so.
    await store.resolve(pending!.id, 'approve', 'cli:alice', null, Date.now());
    await vi.advanceTimersByTimeAsync(0);
    expect(held.outcome()).toBeUndefined();
    for (const subscriber of subscribers) subscriber(pending!.id);
    await vi.advanceTimersByTimeAsync(0);
    expect(held.outcome()).toMatchObject({ kind: 'approved', approval: { id: pending!.id } });
    expect(subscribers.size).toBe(0);
  });
});
