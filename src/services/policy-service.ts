import type { Clock } from '../clock.js';
import type { ConfigOutline } from '../config/load.js';
import type { GrantStore } from '../grants/grant-store.js';
import type { LimitStore } from '../limits/limit-store.js';
import { decide, limitDenial, type Decision } from '../policy/decide.js';
import type { UsageOf } from '../policy/explain.js';
import { loadServicePolicy } from './service-policy.js';
import { ServiceError } from './service-error.js';
import { parsePolicy } from '../policy/parse-policy.js';
import { PolicyError } from '../policy/policy-error.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import type { ToolClass } from '../risk/classification.js';
import { findTool, type ToolPresence } from './tool-presence.js';

/** A call to explain. */
export interface ExplainRequest {
  readonly serverId: string;
  /** The tool's name as its server gives it. */
  readonly tool: string;
  readonly arguments: Record<string, unknown>;
  /** The label or id of the grant making the call; absent: a local caller, under the config's policy. */
  readonly grant?: string;
  /** Start the tool's server to check that it lists the tool (and is up at all). */
  readonly checkServer: boolean;
  /** A policy's text to decide by instead of the grant's saved file (the console's unsaved draft). */
  readonly policyText?: string;
  /** The tool's class, when the caller knows it (the running gateway's inventory); else from checkServer. */
  readonly toolClass?: ToolClass;
}

/** What the gateway would answer a call right now, and why. `presence` is there when the server was checked. */
export type Explanation =
  /** The gateway would answer "Unknown tool" before any policy is asked. */
  | { readonly kind: 'unknown_tool'; readonly why: string; readonly presence?: ToolPresence }
  /** No grant and no policy in the config: a local caller may call every tool. */
  | { readonly kind: 'unrestricted'; readonly presence?: ToolPresence }
  | {
      readonly kind: 'decided';
      /** The decision, with the limit step's refusal when a limit would refuse the call now. */
      readonly decision: Decision;
      /** How much of each charged counter's window is used now. */
      readonly usage: UsageOf;
      readonly presence?: ToolPresence;
    };

/** A policy not saved yet, compiled as a file would be; its problems are the caller's mistake. */
function draftPolicy(text: string): CompiledPolicy {
  try {
    return parsePolicy(text, '(draft)');
  } catch (error) {
    if (error instanceof PolicyError) {
      throw new ServiceError('invalid', `The draft policy does not load: ${error.message}`, { problems: error.issues });
    }
    throw error;
  }
}

/**
 * Explains calls with the same `decide()` the gateway runs, on the grant's policy (or the config's), then asks
 * the state database's counters about the call's charges only, as the gateway's limit step would: "what would
 * happen right now".
 */
export class PolicyService {
  readonly #grants: GrantStore;
  readonly #limits: () => LimitStore;
  readonly #clock: Clock;
  readonly #config: Pick<ConfigOutline, 'file' | 'policy' | 'serverIds'>;

  /** @param limits opened when a decision charges counters, to read those counters only; closed after. */
  constructor(
    grants: GrantStore,
    limits: () => LimitStore,
    clock: Clock,
    config: Pick<ConfigOutline, 'file' | 'policy' | 'serverIds'>,
  ) {
    this.#grants = grants;
    this.#limits = limits;
    this.#clock = clock;
    this.#config = config;
  }

  /**
   * @throws ServiceError `not_found` when no active grant has that label or id; `invalid` when the policy that
   * would decide does not load.
   */
  async explain(request: ExplainRequest): Promise<Explanation> {
    const { serverId, tool } = request;
    const grant = request.grant === undefined ? undefined : await this.#grants.find(request.grant);
    if (request.grant !== undefined && !grant) {
      throw new ServiceError('not_found', `No active grant labelled "${request.grant}"`);
    }
    if (!this.#config.serverIds.includes(serverId)) {
      return { kind: 'unknown_tool', why: `no server "${serverId}" in the config` };
    }
    if (grant?.servers && !grant.servers.includes(serverId)) {
      const allowed = grant.servers.map((id) => `"${id}"`).join(', ');
      return { kind: 'unknown_tool', why: `grant "${grant.label}" may use only ${allowed}` };
    }
    const presence = request.checkServer ? await findTool(this.#config.file ?? '', serverId, tool) : undefined;
    const checked = presence === undefined ? {} : { presence };
    if (presence?.kind === 'not_listed') {
      const why = `server "${serverId}" lists ${presence.tools} tools, none named ${JSON.stringify(tool)}`;
      return { kind: 'unknown_tool', why, ...checked };
    }
    const file = grant ? grant.policy : this.#config.policy;
    if (file === null && !grant && request.policyText === undefined) return { kind: 'unrestricted', ...checked };
    const now = this.#clock.now();
    const policy =
      request.policyText !== undefined
        ? draftPolicy(request.policyText)
        : file === null
          ? null
          : loadServicePolicy(file);
    // Only a tool its server lists has a class: without it (--offline) no categories/risks rule applies.
    const toolClass = presence?.kind === 'listed' ? presence.toolClass : request.toolClass;
    const decision = decide(policy, {
      serverId,
      tool,
      ...(toolClass === undefined ? {} : { toolClass }),
      arguments: request.arguments,
      ...(grant ? { grant: { id: grant.id, label: grant.label } } : {}),
      now,
    });
    const usage = new Map<string, number>();
    const usageOf: UsageOf = (counterKey, windowMs) => usage.get(`${windowMs} ${counterKey}`) ?? 0;
    if (!((decision.effect === 'allow' && !decision.shadow) || decision.effect === 'require_approval')) {
      return { kind: 'decided', decision, usage: usageOf, ...checked };
    }
    // Reads the charged counters alone, never the whole table; never takes or writes anything.
    const limits = this.#limits();
    try {
      for (const charge of decision.charges) {
        for (const { windowMs } of charge.limits) {
          usage.set(`${windowMs} ${charge.counterKey}`, await limits.usage(charge.counterKey, windowMs, now));
        }
      }
      const refusal = await limits.peek(decision.charges, now);
      const decided = refusal === null ? decision : limitDenial(decision, refusal);
      return { kind: 'decided', decision: decided, usage: usageOf, ...checked };
    } finally {
      await limits.close();
    }
  }
}
