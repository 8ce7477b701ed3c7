import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A grant: one agent's (or machine's) access to the gateway, named by a label and proved by a bearer token.
 * Only a hash of the token's secret is ever stored.
 */
export interface Grant {
  readonly id: string;
  readonly label: string;
  /** The policy file that decides this grant's calls; `null`: the grant is denied everything. */
  readonly policy: string | null;
  /** The servers this grant may see; `null`: all of them. */
  readonly servers: readonly string[] | null;
  readonly createdAt: number;
  readonly rotatedAt: number | null;
  readonly revokedAt: number | null;
}

/** A new token, and the hash of its secret that is stored. */
export interface IssuedToken {
  readonly token: string;
  readonly secretHash: Buffer;
}

const TOKEN_PREFIX = 'tg_';
const TOKEN_PATTERN = /^tg_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** A fresh grant id: 16 hex characters. */
export function newGrantId(): string {
  return randomBytes(8).toString('hex');
}

/**
 * Issues a token for a grant: `tg_<grant id>_<secret>`, the secret being 256 random bits. The id lets the
 * gateway find the grant without searching by secret; the secret is what proves it.
 */
export function issueToken(grantId: string): IssuedToken {
  const secret = randomBytes(32).toString('base64url');
  return { token: `${TOKEN_PREFIX}${grantId}_${secret}`, secretHash: hashSecret(secret) };
}

/** Splits a token into its grant id and secret; `undefined` for anything that is not a Toolgate token. */
export function parseToken(token: string): { grantId: string; secret: string } | undefined {
  const match = TOKEN_PATTERN.exec(token);
  return match ? { grantId: match[1]!, secret: match[2]! } : undefined;
}

/**
 * True when `secret` hashes to `secretHash`. The comparison takes the same time wherever the hashes differ, so
 * response timing tells an attacker nothing about how close a guess was. A fast hash is enough: the secret is
 * 256 random bits, not a password.
 */
export function secretMatches(secret: string, secretHash: Buffer): boolean {
  const candidate = hashSecret(secret);
  return candidate.length === secretHash.length && timingSafeEqual(candidate, secretHash);
}

function hashSecret(secret: string): Buffer {
  // The one-shot hash: it runs on every request, and a Hash object per call costs a third more.
  return hash('sha256', secret, 'buffer');
}
