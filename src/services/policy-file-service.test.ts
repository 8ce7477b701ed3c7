import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteGrantStore } from '../grants/grant-store.js';
import { SqlitePolicyVersionStore } from '../policy/sqlite-policy-version-store.js';
import { openStateDb } from '../state/state-db.js';
import { PolicyFileService } from './policy-file-service.js';
import { ServiceError } from './service-error.js';

describe('PolicyFileService', () => {
  it('makes a new policy that loads, beside the config, and refuses a name that is a path', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'toolgate-policies-'));
    const db = openStateDb(':memory:');
    const service = new PolicyFileService(
      new SqlitePolicyVersionStore(db),
      new SqliteGrantStore(db),
      { now: () => 1_000, elapsed: () => 0 },
      { file: path.join(dir, 'toolgate.json'), policy: null },
    );
    const file = await service.create('support-agents', 'amir');
    expect(file).toBe(path.join(dir, 'support-agents.json'));
    expect(service.check(readFileSync(file, 'utf8'))).toEqual([]);
    expect((await service.list()).map((entry) => [entry.name, entry.version])).toEqual([['support-agents', 1]]);
    await expect(service.create('../escape', 'amir')).rejects.toSatisfy(
      (error) => error instanceof ServiceError && error.code === 'invalid',
    );
  });
});
