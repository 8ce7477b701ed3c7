import { localPrincipal, grantPrincipal, type Principal } from './principal.js';
import type { GrantStore } from './grant-store.js';

/** Why a request proved no one. */
type AuthenticationFailure =
  /** No `Authorization: Bearer` header, where one is needed. */
  | 'missing_token'
  /** A token that is malformed, unknown, rotated away or revoked. */
  | 'invalid_token';

export type Authentication =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly failure: AuthenticationFailure };

export interface AuthenticatorOptions {
  /**
   * The operator's explicit choice (listen.allowTokenless, loopback only): a caller without a token is the local
   * operator. Never inferred from the grant table, so revoking every grant cannot open the gateway.
   */
  readonly allowTokenless: boolean;
  /** The config's policy file, which decides the local operator's calls; null: none configured. */
  readonly localPolicy: string | null;
}

/**
 * The first step of every request: the `Authorization` header to a principal, or why not. The only place that
 * knows how a caller proves who it is, so that another way (OAuth) is one more branch here.
 */
export class Authenticator {
  readonly #grants: GrantStore;
  readonly #options: AuthenticatorOptions;

  constructor(grants: GrantStore, options: AuthenticatorOptions) {
    this.#grants = grants;
    this.#options = options;
  }

  async authenticate(authorization: string | undefined): Promise<Authentication> {
    const token = bearerToken(authorization);
    if (token !== undefined) {
      // A token that proves nothing is refused, whatever else holds: it never makes its bearer the operator.
      const grant = await this.#grants.authenticate(token);
      return grant ? { ok: true, principal: grantPrincipal(grant) } : { ok: false, failure: 'invalid_token' };
    }
    if (this.#options.allowTokenless) {
      return { ok: true, principal: localPrincipal(this.#options.localPolicy) };
    }
    return { ok: false, failure: 'missing_token' };
  }
}

/** The token of an `Authorization: Bearer <token>` header; undefined for any other header or none. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
}
