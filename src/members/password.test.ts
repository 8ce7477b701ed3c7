import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './password.js';

describe('password hashes', () => {
  it('verify the password they were made from, and no other', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(stored).toMatch(/^scrypt\$65536\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('salt each hash, so that one password stored twice reads differently', async () => {
    const [a, b] = await Promise.all([hashPassword('same password!'), hashPassword('same password!')]);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same password!', b)).toBe(true);
  });

  it('read the cost from the hash: the same key under another cost does not verify', async () => {
    const [scheme, , r, p, salt, key] = (await hashPassword('raised later')).split('$');
    expect(await verifyPassword('raised later', [scheme, 16384, r, p, salt, key].join('$'))).toBe(false);
    expect(await verifyPassword('raised later', [scheme, 65536, r, p, salt, key].join('$'))).toBe(true);
  });

  it('never take a malformed hash for a match', async () => {
    for (const stored of ['', 'scrypt', 'bcrypt$x$y', 'scrypt$a$b$c$d$e', 'scrypt$65536$8$1$']) {
      expect(await verifyPassword('anything', stored), stored).toBe(false);
    }
  });
});
