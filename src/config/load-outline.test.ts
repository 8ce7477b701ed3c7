import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, parseConfigOutline } from './load.js';

const FILE = path.resolve('/srv/gateway/toolgate.json');

const CONFIG = JSON.stringify({
  listen: { port: 9000, sessionKeys: ['${env:TOOLGATE_SESSION_KEY}'] },
  state: { sqlite: 'data/state.db' },
  namespacing: { separator: '.' },
  pinning: { added: 'hold' },
  policy: 'policy.json',
  admin: { token: '${env:TOOLGATE_ADMIN_TOKEN}' },
  approvals: { webhook: { url: '${env:HOOK_URL}', secret: '${env:HOOK_SECRET}' } },
  mcpServers: {
    github: { command: 'npx', env: { GITHUB_TOKEN: '${env:GITHUB_TOKEN}' } },
    remote: { url: '${env:REMOTE_URL}' },
    off: { command: 'never', disabled: true },
  },
});

describe('parseConfigOutline', () => {
  it('reads the settings without variables, whichever variables are unset', () => {
    expect(() => parseConfig(CONFIG, FILE, {})).toThrow(ConfigError);
    expect(parseConfigOutline(CONFIG, FILE)).toEqual({
      file: FILE,
      listen: expect.objectContaining({ host: '127.0.0.1', port: 9000, sessionKeys: [] }),
      state: {
        sqlite: path.resolve('/srv/gateway/data/state.db'),
        lockWaitMs: 5000,
        postgres: null,
        redis: null,
        counters: 'sqlite',
      },
      namespacing: { mode: 'prefix', separator: '.' },
      policy: path.resolve('/srv/gateway/policy.json'),
      pinning: { changed: 'block', added: 'hold' },
      serverIds: ['github', 'remote'],
    });
  });

  it('still reports every other problem with its place', () => {
    const broken = JSON.stringify({ listen: { prot: 1 }, admin: { token: '${env:UNSET}' }, mcpServers: {} });
    try {
      parseConfigOutline(broken, FILE);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues.map((issue) => issue.path)).toEqual(['$.listen.prot']);
    }
  });

  it('expands the stores’ URLs, which every command needs, and names an unset one', () => {
    const config = JSON.stringify({
      state: {
        postgres: { url: '${env:PG_URL}', schema: 'gw' },
        redis: { url: '${env:REDIS_URL}' },
      },
      mcpServers: { github: { command: 'npx', env: { GITHUB_TOKEN: '${env:GITHUB_TOKEN}' } } },
    });
    const env = { PG_URL: 'postgres://gw:pw@db:5432/toolgate', REDIS_URL: 'redis://cache:6379' };
    expect(parseConfigOutline(config, FILE, env).state).toEqual({
      sqlite: path.resolve('/srv/gateway/toolgate.db'),
      lockWaitMs: 5000,
      postgres: { url: 'postgres://gw:pw@db:5432/toolgate', schema: 'gw', maxConnections: 10 },
      redis: { url: 'redis://cache:6379', keyPrefix: 'toolgate:', failOpen: false },
      counters: 'redis',
    });
    try {
      parseConfigOutline(config, FILE, { REDIS_URL: 'redis://cache:6379' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const issues = (error as ConfigError).issues;
      expect(issues.map((issue) => issue.path)).toEqual(['$.state.postgres.url']);
      expect(issues[0]!.message).toMatch(/PG_URL/);
    }
  });
});
