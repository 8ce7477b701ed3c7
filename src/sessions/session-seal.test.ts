import { describe, expect, it } from 'vitest';
import { SealTooLarge, SessionSeal, type SealedSession } from './session-seal.js';

const KEY_1 = 'k'.repeat(32);
const KEY_2 = 'a second key of thirty-two chars!';

const session: SealedSession = {
  grantId: 'grant-a',
  protocolVersion: '2025-06-18',
  capabilities: { elicitation: {}, roots: { listChanged: true } },
  clientInfo: { name: 'agent', version: '1.0.0' },
  issuedAt: 1_000,
  expiresAt: 61_000,
};

/** The id with one character of its sealed part changed. */
function tampered(id: string, at: number): string {
  const chars = [...id];
  chars[at] = chars[at] === 'A' ? 'B' : 'A';
  return chars.join('');
}

describe('SessionSeal', () => {
  it('opens what it sealed, on another instance with the same key', () => {
    const id = new SessionSeal([KEY_1]).seal(session);
    expect(id).toMatch(/^tg1\.[\w-]{8}\.[\w-]+$/);
    expect(new SessionSeal([KEY_1]).open(id, 2_000)).toEqual(session);
  });

  it('seals the same session into different ids', () => {
    const seal = new SessionSeal([KEY_1]);
    expect(seal.seal(session)).not.toBe(seal.seal(session));
  });

  it('opens nothing that was changed: the sealed part, the key id or the format', () => {
    const seal = new SessionSeal([KEY_1]);
    const id = seal.seal(session);
    for (const at of [id.length - 1, id.length - 20, 14, 5]) expect(seal.open(tampered(id, at), 2_000)).toBeUndefined();
    expect(seal.open(id.replace(/^tg1/, 'tg2'), 2_000)).toBeUndefined();
    expect(seal.open(`${id}.more`, 2_000)).toBeUndefined();
    expect(seal.open('a-random-uuid-from-before', 2_000)).toBeUndefined();
  });

  it('opens nothing sealed with another key, nor with a key of no explicit secret', () => {
    const id = new SessionSeal([KEY_1]).seal(session);
    expect(new SessionSeal([KEY_2]).open(id, 2_000)).toBeUndefined();
    expect(new SessionSeal([]).open(id, 2_000)).toBeUndefined();
    const random = new SessionSeal([]);
    expect(random.open(random.seal(session), 2_000)).toEqual(session);
  });

  it('rotates: the first key seals, every key opens, a key taken out opens nothing', () => {
    const old = new SessionSeal([KEY_1]).seal(session);
    const rotated = new SessionSeal([KEY_2, KEY_1]);
    expect(rotated.open(old, 2_000)).toEqual(session);
    const fresh = rotated.seal(session);
    expect(new SessionSeal([KEY_2]).open(fresh, 2_000)).toEqual(session);
    expect(new SessionSeal([KEY_1]).open(fresh, 2_000)).toBeUndefined();
    expect(new SessionSeal([KEY_2]).open(old, 2_000)).toBeUndefined();
  });

  it('opens nothing at or after its expiry', () => {
    const seal = new SessionSeal([KEY_1]);
    const id = seal.seal(session);
    expect(seal.open(id, 60_999)).toEqual(session);
    expect(seal.open(id, 61_000)).toBeUndefined();
  });

  it("carries the grant, so that the caller can refuse another grant's session", () => {
    const seal = new SessionSeal([KEY_1]);
    expect(seal.open(seal.seal(session), 2_000)?.grantId).toBe('grant-a');
    expect(seal.open(seal.seal({ ...session, grantId: null }), 2_000)?.grantId).toBeNull();
  });

  it('refuses to seal more than a header can carry', () => {
    const big = { ...session, capabilities: { experimental: { blob: { text: 'x'.repeat(8_000) } } } };
    expect(() => new SessionSeal([KEY_1]).seal(big)).toThrow(SealTooLarge);
  });
});
