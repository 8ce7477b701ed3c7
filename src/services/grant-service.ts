import type { Clock } from '../clock.js';
import { GrantError, type GrantChanges, type GrantStore, type GrantWithToken } from '../grants/grant-store.js';
import type { Grant } from '../grants/grant.js';
import { loadServicePolicy } from './service-policy.js';
import { ServiceError } from './service-error.js';

/** A grant to create. */
export interface GrantDraft {
  readonly label: string;
  /** The absolute path of its policy file; absent: it is denied everything. */
  readonly policy?: string;
  /** The server ids it may use; absent: all of them. */
  readonly servers?: readonly string[];
}

/** What to change of a grant; what is absent stays. `servers: null` gives it every server. */
export interface GrantEdit {
  readonly label?: string;
  /** The absolute path of its new policy file. */
  readonly policy?: string;
  readonly servers?: readonly string[] | null;
}

/** A grant as people and tools read it (`grants list --json`, the admin API): never a token or a hash. */
export interface GrantView {
  readonly id: string;
  readonly label: string;
  readonly status: 'active' | 'revoked';
  readonly policy: string | null;
  readonly servers: readonly string[] | null;
  /** ISO 8601; null when it has not happened. */
  readonly createdAt: string;
  readonly rotatedAt: string | null;
  readonly revokedAt: string | null;
}

/**
 * What operators do with grants, the same for the CLI, the admin API and the web console. It refuses what the
 * store would take but the gateway could not use: a policy file that does not load (the grant would be denied
 * everything) or a server the config does not name.
 */
export class GrantService {
  readonly #store: GrantStore;
  readonly #clock: Clock;
  readonly #serverIds: readonly string[];

  /** @param serverIds the servers the config names: a grant may only be given those. */
  constructor(store: GrantStore, clock: Clock, serverIds: readonly string[]) {
    this.#store = store;
    this.#clock = clock;
    this.#serverIds = serverIds;
  }

  async create(draft: GrantDraft): Promise<GrantWithToken> {
    const policy = draft.policy === undefined ? null : checkedPolicy(draft.policy);
    const servers = draft.servers === undefined ? null : this.#known(draft.servers);
    const created = await storeCall(() =>
      this.#store.create({ label: draft.label, policy, servers }, this.#clock.now()),
    );
    return created;
  }

  /** Every grant, revoked ones included, oldest first. */
  list(): Promise<Grant[]> {
    return this.#store.list();
  }

  /** The active grant with this label or id. */
  find(labelOrId: string): Promise<Grant | undefined> {
    return this.#store.find(labelOrId);
  }

  async update(labelOrId: string, edit: GrantEdit): Promise<Grant> {
    const changes: GrantChanges = {
      ...(edit.label === undefined ? {} : { label: edit.label }),
      ...(edit.policy === undefined ? {} : { policy: checkedPolicy(edit.policy) }),
      ...(edit.servers === undefined ? {} : { servers: edit.servers === null ? null : this.#known(edit.servers) }),
    };
    return storeCall(() => this.#store.update(labelOrId, changes));
  }

  /** A new token for an active grant; the old one stops working at once. */
  rotate(labelOrId: string): Promise<GrantWithToken> {
    return storeCall(() => this.#store.rotate(labelOrId, this.#clock.now()));
  }

  /** Revokes an active grant; its token stops working at once. */
  revoke(labelOrId: string): Promise<Grant> {
    return storeCall(() => this.#store.revoke(labelOrId, this.#clock.now()));
  }

  #known(ids: readonly string[]): readonly string[] {
    const unknown = ids.filter((id) => !this.#serverIds.includes(id));
    if (unknown.length > 0) {
      const known = this.#serverIds.length === 0 ? 'the config names none' : `known: ${this.#serverIds.join(', ')}`;
      throw new ServiceError('invalid', `Unknown server ids: ${unknown.join(', ')} (${known})`);
    }
    return ids;
  }
}

/** A grant as `grants list --json` prints it and the admin API sends it. */
export function grantView(grant: Grant): GrantView {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: grant.id,
    label: grant.label,
    status: grant.revokedAt === null ? 'active' : 'revoked',
    policy: grant.policy,
    servers: grant.servers,
    createdAt: iso(grant.createdAt)!,
    rotatedAt: iso(grant.rotatedAt),
    revokedAt: iso(grant.revokedAt),
  };
}

async function storeCall<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof GrantError)) throw error;
    throw new ServiceError(error.code === 'not_found' ? 'not_found' : 'conflict', error.message);
  }
}

/**
 * The policy file, as the gateway would load it; one that does not load is refused with the problems `toolgate
 * policy check` reports, so that no grant is made that would be denied everything.
 */
function checkedPolicy(path: string): string {
  loadServicePolicy(path);
  return path;
}
