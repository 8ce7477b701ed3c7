import { newDecisionId, type AuditRecord } from '../audit/audit-record.js';
import type { Clock } from '../clock.js';
import { acceptChanges } from '../pinning/accept-changes.js';
import { changeRecord } from '../pinning/change-record.js';
import { pinTarget, type PinChange, type PinRules } from '../pinning/pin.js';
import type { PinStore } from '../pinning/pin-store.js';
import { waitingChanges, type WaitingChange } from '../pinning/waiting-changes.js';
import { ServiceError } from './service-error.js';

/** One tool of one server (`SERVER:TOOL`), or every tool of a server and its instructions (`SERVER`). */
export interface PinTarget {
  readonly serverId: string;
  readonly tool: string | null;
}

/** The gateway's pins in this process, told when an operator accepts a change here (the admin API). */
export interface PinRefresh {
  refresh(serverId: string): Promise<void>;
}

/**
 * What operators do with pinned tool definitions, the same for the CLI, the admin API and the web console: see
 * the changes that wait (`tools diff`) and accept them (`tools accept`). An acceptance is stored, audited
 * (`change_accepted`), and reaches the gateway: at once in its own process (`pins`), within a second otherwise
 * (it looks at the store).
 */
export class PinService {
  readonly #store: PinStore;
  readonly #rules: PinRules;
  readonly #clock: Clock;
  readonly #record: (records: readonly AuditRecord[]) => Promise<void>;
  readonly #pins: PinRefresh | undefined;

  /**
   * @param record writes acceptances' audit records: to the gateway's audit sink, or straight to the store.
   * @param pins the gateway's pins when it runs in this process.
   */
  constructor(
    store: PinStore,
    rules: PinRules,
    clock: Clock,
    record: (records: readonly AuditRecord[]) => Promise<void>,
    pins?: PinRefresh,
  ) {
    this.#store = store;
    this.#rules = rules;
    this.#clock = clock;
    this.#record = record;
    this.#pins = pins;
  }

  /** The changes that wait for an operator: all of them, a server's, or one tool's. */
  async changes(target?: PinTarget): Promise<WaitingChange[]> {
    const servers =
      target === undefined
        ? (await this.#store.load()).servers
        : [await this.#store.get(target.serverId)].flatMap((pins) => (pins ? [pins] : []));
    return servers
      .flatMap((pins) => waitingChanges(pins, this.#rules))
      .filter((change) => target?.tool == null || change.tool === target.tool);
  }

  /**
   * Accepts what waits: one tool's change, or everything on a server. `by` names who (`cli:alice`), as the pins
   * and the audit trail keep it. Nothing to accept is a ServiceError (`not_found`), naming the target.
   */
  async accept(target: PinTarget, by: string): Promise<readonly PinChange[]> {
    const { serverId, tool } = target;
    const { changes } = await this.#store.update(serverId, (stored) =>
      acceptChanges(stored, tool, by, this.#clock.now()),
    );
    if (changes.length === 0) {
      throw new ServiceError('not_found', `Nothing to accept for ${pinTarget(serverId, tool)}: no change of it waits.`);
    }
    await this.#record(changes.map((change) => changeRecord(change, newDecisionId(change.at))));
    await this.#pins?.refresh(serverId);
    return changes;
  }
}

/** Reads `SERVER` or `SERVER:TOOL` (server ids cannot hold a colon; tool names may). */
export function parsePinTarget(text: string): PinTarget {
  const colon = text.indexOf(':');
  const serverId = colon === -1 ? text : text.slice(0, colon);
  const tool = colon === -1 ? null : text.slice(colon + 1);
  if (serverId === '' || tool === '') {
    throw new ServiceError('invalid', `Expected SERVER or SERVER:TOOL, got "${text}"`);
  }
  return { serverId, tool };
}

/** A waiting change as `tools diff --json` prints it and `GET /admin/pins` sends it: times in ISO 8601. */
export function waitingChangeJson(change: WaitingChange): Record<string, unknown> {
  return {
    server: change.serverId,
    tool: change.tool,
    kind: change.kind,
    since: new Date(change.since).toISOString(),
    state: change.state,
    classBefore: change.classBefore,
    classAfter: change.classAfter,
    fields: change.fields,
    before: change.before,
    after: change.after,
    accept: `toolgate tools accept ${pinTarget(change.serverId, change.kind === 'instructions' ? null : change.tool)}`,
  };
}

/** An acceptance as `POST /admin/pins/accept` sends it back. */
export function acceptedJson(change: PinChange): Record<string, unknown> {
  return {
    server: change.serverId,
    tool: change.tool,
    fields: change.fields,
    classBefore: change.classBefore,
    classAfter: change.classAfter,
    by: change.by ?? null,
    at: new Date(change.at).toISOString(),
  };
}
