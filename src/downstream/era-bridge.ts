import { randomUUID } from 'node:crypto';
import { ErrorCode, GatewayError, toJsonRpcError } from '../errors.js';
import type { RawResult } from '../raw-result.js';
import { LocalReplicaRelay, ReplicaUnreachable, type ReplicaRelay } from '../sessions/replica-relay.js';

/** A server's request to the client (sampling, elicitation, roots) while a bridged call runs. */
interface ServerAsk {
  readonly key: string;
  readonly request: { method: string; params?: Record<string, unknown> };
  answer(result: RawResult): void;
  fail(error: Error): void;
}

/** Starts the server call, given the way to ask the client and the signal that cancels the call. */
export type StartCall = (
  ask: (request: { method: string; params?: Record<string, unknown> }) => Promise<RawResult>,
  signal: AbortSignal,
) => Promise<RawResult>;

/** What a bridged call did next: finished, or needs the client's input. */
type Step = { kind: 'done'; result: RawResult } | { kind: 'failed'; error: unknown } | { kind: 'ask'; ask: ServerAsk };

/**
 * The prefix of request states the bridge issues (`toolgate-bridge.<replicaId>.<uuid>`); anything else belongs to
 * a server and passes through.
 */
const STATE_PREFIX = 'toolgate-bridge.';

/**
 * Lets a 2026-07-28 client use a 2025-era server that sends requests mid-call. The modern client cannot receive
 * a server-to-client request; it receives an `input_required` result instead, and answers by retrying the call
 * with `inputResponses` and the `requestState` it was given. The bridge holds the server's call open between the
 * legs: it answers the first server request with an `input_required` result naming a state id, and when the
 * retry comes back with that id, hands the client's answer to the waiting server request and waits again.
 *
 * The held call lives in the process that started it, and its state names that replica: a retry that reaches
 * another replica is sent to it through the relay, and its answer comes back the same way. A call whose client
 * never retries is abandoned after `idleTimeoutMs`: the server's request fails and the call is cancelled.
 */
export class EraBridge {
  readonly #held = new Map<string, HeldCall>();
  readonly #idleTimeoutMs: number;
  readonly #relay: ReplicaRelay;

  constructor(idleTimeoutMs: number, relay: ReplicaRelay = new LocalReplicaRelay()) {
    this.#idleTimeoutMs = idleTimeoutMs;
    this.#relay = relay;
    // A retry another replica received, for a call held here: its failures go back as the client's JSON-RPC error.
    relay.onResume(async ({ requestState, owner, inputResponses }, signal) => {
      try {
        return await this.#resumeHere(requestState, owner, inputResponses, signal);
      } catch (error) {
        throw toJsonRpcError(error);
      }
    });
  }

  /** True when `requestState` is one this bridge issued. */
  owns(requestState: unknown): requestState is string {
    return typeof requestState === 'string' && requestState.startsWith(STATE_PREFIX);
  }

  /**
   * Starts a call. `start` receives the function through which the server's requests to the client are made,
   * and the signal that cancels the call on the server. `owner` names who asked and for what: only a retry with
   * the same owner resumes the call.
   */
  start(start: StartCall, owner: string, legSignal: AbortSignal): Promise<RawResult> {
    const held = new HeldCall(`${STATE_PREFIX}${this.#relay.replicaId}.${randomUUID()}`, owner);
    held.run(start);
    return this.#next(held, legSignal);
  }

  /**
   * Continues a held call with the client's answers. `owner` must be the one the call was started with (who asked,
   * and for what): anyone else is answered as for a state that does not exist, and the call stays held.
   */
  resume(
    requestState: string,
    owner: string,
    inputResponses: Record<string, unknown> | undefined,
    legSignal: AbortSignal,
  ): Promise<RawResult> {
    const replicaId = requestState.slice(STATE_PREFIX.length).split('.', 1)[0]!;
    if (replicaId === this.#relay.replicaId) return this.#resumeHere(requestState, owner, inputResponses, legSignal);
    return this.#relay.resume(replicaId, { requestState, owner, inputResponses }, legSignal).then(
      (result) => result as RawResult,
      (error: unknown) => {
        throw error instanceof ReplicaUnreachable ? unknownState() : error;
      },
    );
  }

  #resumeHere(
    requestState: string,
    owner: string,
    inputResponses: Record<string, unknown> | undefined,
    legSignal: AbortSignal,
  ): Promise<RawResult> {
    const held = this.#held.get(requestState);
    if (!held || held.owner !== owner) return Promise.reject(unknownState());
    this.#held.delete(requestState);
    clearTimeout(held.idleTimer);
    const ask = held.waiting;
    const answer = ask ? inputResponses?.[ask.key] : undefined;
    if (ask && answer !== undefined) ask.answer(answer as RawResult);
    else if (ask) ask.fail(new Error('The client retried without answering the request'));
    held.waiting = undefined;
    return this.#next(held, legSignal);
  }

  /** Ends every held call (gateway shutdown). */
  close(): void {
    for (const held of this.#held.values()) held.abandon();
    this.#held.clear();
  }

  /**
   * Waits for the call's next step. While the client waits on a leg, closing that leg cancels the call (the
   * 2026-07-28 way to cancel); between legs only the idle timeout does.
   */
  async #next(held: HeldCall, legSignal: AbortSignal): Promise<RawResult> {
    const cancel = () => held.abandon();
    if (legSignal.aborted) cancel();
    legSignal.addEventListener('abort', cancel, { once: true });
    let step: Step;
    try {
      step = await held.nextStep();
    } finally {
      legSignal.removeEventListener('abort', cancel);
    }
    switch (step.kind) {
      case 'done':
        return step.result;
      case 'failed':
        throw step.error;
      case 'ask': {
        held.waiting = step.ask;
        this.#held.set(held.state, held);
        held.idleTimer = setTimeout(() => {
          this.#held.delete(held.state);
          held.abandon();
        }, this.#idleTimeoutMs);
        held.idleTimer.unref();
        return {
          resultType: 'input_required',
          inputRequests: { [step.ask.key]: step.ask.request },
          requestState: held.state,
        };
      }
    }
  }
}

function unknownState(): GatewayError {
  return new GatewayError(
    ErrorCode.InvalidParams,
    'Unknown or expired requestState: the call it belonged to has ended; start it again',
  );
}

/** One server call held open across the client's legs. */
class HeldCall {
  readonly state: string;
  /** Who started the call, and with what request: the only one who may resume it. */
  readonly owner: string;
  waiting: ServerAsk | undefined;
  idleTimer: NodeJS.Timeout | undefined;
  readonly #abort = new AbortController();
  readonly #steps: Step[] = [];
  #wake: (() => void) | undefined;
  #asks = 0;

  constructor(state: string, owner: string) {
    this.state = state;
    this.owner = owner;
  }

  run(start: StartCall): void {
    const ask = (request: { method: string; params?: Record<string, unknown> }) =>
      new Promise<RawResult>((answer, fail) => {
        this.#push({ kind: 'ask', ask: { key: `request-${++this.#asks}`, request, answer, fail } });
      });
    start(ask, this.#abort.signal).then(
      (result) => this.#push({ kind: 'done', result }),
      (error: unknown) => this.#push({ kind: 'failed', error }),
    );
  }

  /** Resolves with the next thing the call did. */
  async nextStep(): Promise<Step> {
    while (this.#steps.length === 0) await new Promise<void>((wake) => (this.#wake = wake));
    return this.#steps.shift()!;
  }

  abandon(): void {
    this.waiting?.fail(new Error('The client did not answer in time'));
    this.waiting = undefined;
    this.#abort.abort(new Error('abandoned by the client'));
  }

  #push(step: Step): void {
    this.#steps.push(step);
    this.#wake?.();
    this.#wake = undefined;
  }
}
