import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { ClientCapabilities, Implementation } from '@modelcontextprotocol/server';

/**
 * What any replica needs to serve a 2025-era HTTP session it did not open: whose it is, and the client's half of
 * the `initialize` handshake, replayed locally to recreate the session without asking the client again.
 */
export interface SealedSession {
  /** The grant the session is bound to; null for the local operator. */
  readonly grantId: string | null;
  /** The protocol version the client asked for in `initialize` (the replay negotiates the same one). */
  readonly protocolVersion: string;
  readonly capabilities: ClientCapabilities;
  readonly clientInfo: Implementation;
  /** Milliseconds since the epoch. */
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** Why a session could not be sealed: the client declared more than a session id can carry. */
export class SealTooLarge extends Error {}

/** Session ids this format issues start with this; the version lets the format change with no guessing. */
const FORMAT = 'tg1';
/** Node's default limit on a request's headers is 16 KiB: a session id must leave room for the rest. */
const MAX_PAYLOAD_BYTES = 6 * 1024;
const IV_BYTES = 12;
const TAG_BYTES = 16;

interface SealKey {
  /** Names the key in every id it seals, so that a replica opens an id with the right one of its keys. */
  readonly id: string;
  readonly key: Buffer;
}

/**
 * Seals 2025-era session ids: the `Mcp-Session-Id` is the session itself, encrypted and authenticated with
 * AES-256-GCM, so that every replica holding the same keys can serve it. The first key seals; every key opens,
 * so a new key goes first and an old one stays listed until the sessions it sealed have expired. Without keys,
 * a random key is drawn for this process: its sessions then open on this replica only.
 */
export class SessionSeal {
  readonly #keys: readonly SealKey[];

  /** @param secrets the operator's secrets (listen.sessionKeys), first one sealing; empty: a random key. */
  constructor(secrets: readonly string[]) {
    const material = secrets.length > 0 ? secrets.map((secret) => Buffer.from(secret, 'utf8')) : [randomBytes(32)];
    this.#keys = material.map(deriveKey);
  }

  /** The session id that carries `session`. @throws SealTooLarge when the client declared too much to carry. */
  seal(session: SealedSession): string {
    const payload = Buffer.from(
      JSON.stringify([
        session.grantId,
        session.protocolVersion,
        session.capabilities,
        session.clientInfo,
        session.issuedAt,
        session.expiresAt,
      ]),
      'utf8',
    );
    if (payload.length > MAX_PAYLOAD_BYTES) {
      throw new SealTooLarge(
        `the client's capabilities and clientInfo take ${payload.length} bytes, more than the ${MAX_PAYLOAD_BYTES} a session id may carry`,
      );
    }
    const { id, key } = this.#keys[0]!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(additionalData(id));
    const sealed = Buffer.concat([iv, cipher.update(payload), cipher.final(), cipher.getAuthTag()]);
    return `${FORMAT}.${id}.${sealed.toString('base64url')}`;
  }

  /**
   * The session an id carries, if one of the keys sealed it, nobody changed it since, and it has not expired at
   * `now`; else undefined. Whose session it is stays the caller's to check.
   */
  open(sessionId: string, now: number): SealedSession | undefined {
    const [format, keyId, body, extra] = sessionId.split('.');
    if (format !== FORMAT || body === undefined || extra !== undefined) return undefined;
    const key = this.#keys.find((candidate) => candidate.id === keyId);
    const sealed = Buffer.from(body, 'base64url');
    if (!key || sealed.length < IV_BYTES + TAG_BYTES) return undefined;
    let payload: unknown;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, sealed.subarray(0, IV_BYTES));
      decipher.setAAD(additionalData(key.id));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]);
      payload = JSON.parse(plain.toString('utf8'));
    } catch {
      return undefined;
    }
    const session = sessionOf(payload);
    return session && now < session.expiresAt ? session : undefined;
  }
}

/** An AES key of 32 bytes from a secret of any length, and its id: neither reveals the secret. */
function deriveKey(secret: Buffer): SealKey {
  const key = Buffer.from(hkdfSync('sha256', secret, 'toolgate', 'toolgate session id, aes-256-gcm', 32));
  const id = createHash('sha256').update('toolgate session key id').update(key).digest('base64url').slice(0, 8);
  return { id, key };
}

function additionalData(keyId: string): Buffer {
  return Buffer.from(`${FORMAT}.${keyId}`, 'utf8');
}

/** The payload as a session, when it has the shape this format seals (anything else came from elsewhere). */
function sessionOf(payload: unknown): SealedSession | undefined {
  if (!Array.isArray(payload) || payload.length !== 6) return undefined;
  const [grantId, protocolVersion, capabilities, clientInfo, issuedAt, expiresAt] = payload as unknown[];
  if (grantId !== null && typeof grantId !== 'string') return undefined;
  if (typeof protocolVersion !== 'string' || typeof issuedAt !== 'number' || typeof expiresAt !== 'number') {
    return undefined;
  }
  if (!isObject(capabilities) || !isObject(clientInfo)) return undefined;
  return {
    grantId,
    protocolVersion,
    capabilities: capabilities,
    clientInfo: clientInfo as Implementation,
    issuedAt,
    expiresAt,
  };
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
