import type { Clock } from '../clock.js';
import type { ConfigOutline } from '../config/load.js';
import type { GrantStore } from '../grants/grant-store.js';
import { decide, type Decision, type DecisionInput } from '../policy/decide.js';
import { loadPolicy } from '../policy/load-policy.js';
import { PolicyError } from '../policy/policy-error.js';
import { ServiceError } from './service-error.js';
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
}

/** What the gateway would answer a call right now, and why. `presence` is there when the server was checked. */
export type Explanation =
  /** The gateway would answer "Unknown tool" before any policy is asked. */
  | { readonly kind: 'unknown_tool'; readonly why: string; readonly presence?: ToolPresence }
  /** No grant and no policy in the config: a local caller may call every tool. */
  | { readonly kind: 'unrestricted'; readonly presence?: ToolPresence }
  | { readonly kind: 'decided'; readonly decision: Decision; readonly presence?: ToolPresence };

/**
 * Explains calls with the same `decide()` the gateway runs, on the grant's policy (or the config's) and the
 * counters in the state database: "what would happen right now".
 */
export class PolicyService {
  readonly #grants: GrantStore;
  readonly #counters: () => DecisionInput['counters'];
  readonly #clock: Clock;
  readonly #config: Pick<ConfigOutline, 'file' | 'policy' | 'serverIds'>;

  /** @param counters read only when a policy decides: reading them loads every counter event stored. */
  constructor(
    grants: GrantStore,
    counters: () => DecisionInput['counters'],
    clock: Clock,
    config: Pick<ConfigOutline, 'file' | 'policy' | 'serverIds'>,
  ) {
    this.#grants = grants;
    this.#counters = counters;
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
    if (file === null && !grant) return { kind: 'unrestricted', ...checked };
    const decision = decide(file === null ? null : loadable(file), {
      serverId,
      tool,
      arguments: request.arguments,
      ...(grant ? { grant: { id: grant.id, label: grant.label } } : {}),
      now: this.#clock.now(),
      counters: this.#counters(),
    });
    return { kind: 'decided', decision, ...checked };
  }
}

function loadable(file: string) {
  try {
    return loadPolicy(file);
  } catch (error) {
    if (error instanceof PolicyError) throw new ServiceError('invalid', error.message);
    throw error;
  }
}
