import { describe, expect, it } from 'vitest';
import { SqliteMemberStore } from '../members/member-store.js';
import { SqliteConsoleSessionStore } from '../members/console-session.js';
import { openStateDb } from '../state/state-db.js';
import { MemberService } from './member-service.js';
import { ServiceError } from './service-error.js';

const service = () => {
  const db = openStateDb(':memory:');
  return new MemberService(
    new SqliteMemberStore(db),
    { now: () => 1_000, elapsed: () => 0 },
    new SqliteConsoleSessionStore(db),
  );
};
const refused = (code: ServiceError['code']) => expect.toSatisfy((e) => e instanceof ServiceError && e.code === code);

describe('MemberService', () => {
  it('signs in a member with their password, and nobody else', async () => {
    const members = service();
    await members.add('amir', 'admin', 'a long enough password');
    expect(await members.signIn('amir', 'a long enough password')).toEqual({
      name: 'amir',
      role: 'admin',
      createdAt: 1_000,
    });
    expect(await members.signIn('amir', 'a long enough passworD')).toBeUndefined();
    expect(await members.signIn('nobody', 'a long enough password')).toBeUndefined();
  });

  it('makes a password when none is given, shown once, that signs in', async () => {
    const members = service();
    const { madePassword } = await members.add('ops', 'approver');
    expect(madePassword).toMatch(/^[\w-]{24}$/);
    expect((await members.signIn('ops', madePassword!))?.role).toBe('approver');
  });

  it('refuses bad names, unknown roles, short passwords and taken names', async () => {
    const members = service();
    await expect(members.add('has space', 'viewer', 'password long enough')).rejects.toThrow(refused('invalid'));
    await expect(members.add('amir', 'root', 'password long enough')).rejects.toThrow(refused('invalid'));
    await expect(members.add('amir', 'viewer', 'short')).rejects.toThrow(refused('invalid'));
    await members.add('amir', 'viewer', 'password long enough');
    await expect(members.add('amir', 'admin', 'password long enough')).rejects.toThrow(refused('conflict'));
  });

  it('never removes the last admin', async () => {
    const members = service();
    await members.add('amir', 'admin', 'password long enough');
    await expect(members.remove('amir')).rejects.toThrow(refused('conflict'));
    await members.add('bea', 'admin', 'password long enough');
    expect((await members.remove('amir')).name).toBe('amir');
    await expect(members.remove('amir')).rejects.toThrow(refused('not_found'));
  });
});
