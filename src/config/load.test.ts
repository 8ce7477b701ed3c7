import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, loadConfig, parseConfig, resolveConfigPath, type ConfigIssue } from './load.js';

// Relative paths in a config resolve against this file's folder.
const FILE = path.resolve('/srv/gateway/toolgate.json');
const DIR = path.dirname(FILE);

function issuesOf(text: string, env: NodeJS.ProcessEnv = {}): ConfigIssue[] {
  try {
    parseConfig(text, FILE, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** `line:column path message`, compact enough to compare whole lists at once. */
function brief(issues: ConfigIssue[]): string[] {
  return issues.map((issue) => `${issue.line}:${issue.column} ${issue.path} ${issue.message}`);
}

const STDIO_KEYS =
  'type, command, args, env, cwd, disabled, timeoutMs, maxTotalTimeoutMs, startTimeoutMs, maxResultBytes, sessions, maxSessions, sessionIdleMs';

describe('parseConfig: valid files', () => {
  it('loads the documented shapes and normalises them', () => {
    const config = parseConfig(
      JSON.stringify({
        $schema: './schema/toolgate.schema.json',
        listen: { host: '0.0.0.0', port: 0, allowedHosts: ['GW.example.com:8787'], maxBodyBytes: 1024 },
        state: { sqlite: 'data/state.db' },
        log: { level: 'debug' },
        namespacing: { mode: 'conflicts', separator: '.' },
        policy: 'policies/local.json',
        mcpServers: {
          everything: {
            type: 'stdio',
            command: 'npx',
            args: ['-y', '@modelcontextprotocol/server-everything'],
            env: { API_KEY: '${env:API_KEY}' },
            cwd: './servers',
          },
          remote: {
            type: 'streamable-http',
            url: 'http://127.0.0.1:3001/mcp',
            headers: { Authorization: 'Bearer ${env:REMOTE_TOKEN}' },
            timeoutMs: 5000,
            maxTotalTimeoutMs: 30000,
            startTimeoutMs: 2000,
            maxResultBytes: 65536,
            sessions: 'shared',
            maxSessions: 4,
            sessionIdleMs: 60_000,
          },
          old: { type: 'sse', url: 'http://127.0.0.1:3002/sse', headers: {} },
          untyped_http: { url: 'https://mcp.example.com/mcp' },
          camel: { type: 'streamableHttp', url: 'https://mcp.example.com/mcp' },
          off: { command: 'never-run', disabled: true },
        },
      }),
      FILE,
      { API_KEY: 'k-123', REMOTE_TOKEN: 't-456' },
    );

    expect(config).toEqual({
      file: FILE,
      listen: {
        host: '0.0.0.0',
        port: 0,
        allowedHosts: ['gw.example.com:8787'],
        allowedOrigins: [],
        allowTokenless: false,
        maxBodyBytes: 1024,
        maxNameLength: 256,
        maxUriLength: 4096,
        maxArgumentDepth: 64,
        sessionIdleMs: 1_800_000,
        maxSessionsPerGrant: 64,
        sessionKeys: [],
        sessionMaxAgeMs: 86_400_000,
      },
      state: {
        sqlite: path.join(DIR, 'data', 'state.db'),
        lockWaitMs: 5000,
        postgres: null,
        redis: null,
        counters: 'sqlite',
      },
      log: { level: 'debug' },
      namespacing: { mode: 'conflicts', separator: '.' },
      approvals: { waitMs: 30_000, expireMs: 1_800_000, maxPendingPerGrant: 20, webhook: null },
      audit: {
        arguments: 'keys',
        redact: [],
        retentionDays: 30,
        file: null,
        batchSize: 100,
        flushMs: 200,
        maxPending: 10_000,
        acknowledge: 'stored',
        required: true,
      },
      pinning: { changed: 'block', added: 'allow' },
      admin: {
        token: null,
        console: true,
        host: '127.0.0.1',
        port: null,
        allowedHosts: [],
        sessionMs: 43_200_000,
        secureCookies: null,
      },
      policy: path.join(DIR, 'policies', 'local.json'),
      servers: [
        {
          id: 'everything',
          transport: 'stdio',
          command: 'npx',
          args: ['-y', '@modelcontextprotocol/server-everything'],
          env: { API_KEY: 'k-123' },
          cwd: path.join(DIR, 'servers'),
          timeoutMs: 60000,
          startTimeoutMs: 120000,
          maxResultBytes: 10_485_760,
          sessions: 'per-grant',
          maxSessions: 32,
          sessionIdleMs: 1_800_000,
        },
        {
          id: 'remote',
          transport: 'http',
          url: 'http://127.0.0.1:3001/mcp',
          headers: { Authorization: 'Bearer t-456' },
          timeoutMs: 5000,
          maxTotalTimeoutMs: 30000,
          startTimeoutMs: 2000,
          maxResultBytes: 65536,
          sessions: 'shared',
          maxSessions: 4,
          sessionIdleMs: 60_000,
        },
        {
          id: 'old',
          transport: 'sse',
          url: 'http://127.0.0.1:3002/sse',
          headers: {},
          timeoutMs: 60000,
          startTimeoutMs: 120000,
          maxResultBytes: 10_485_760,
          sessions: 'per-grant',
          maxSessions: 32,
          sessionIdleMs: 1_800_000,
        },
        {
          id: 'untyped_http',
          transport: 'http',
          url: 'https://mcp.example.com/mcp',
          headers: {},
          timeoutMs: 60000,
          startTimeoutMs: 120000,
          maxResultBytes: 10_485_760,
          sessions: 'per-grant',
          maxSessions: 32,
          sessionIdleMs: 1_800_000,
        },
        {
          id: 'camel',
          transport: 'http',
          url: 'https://mcp.example.com/mcp',
          headers: {},
          timeoutMs: 60000,
          startTimeoutMs: 120000,
          maxResultBytes: 10_485_760,
          sessions: 'per-grant',
          maxSessions: 32,
          sessionIdleMs: 1_800_000,
        },
      ],
    });
  });

  it('fills in every default', () => {
    const config = parseConfig('{ "mcpServers": { "s": { "command": "node" } } }', FILE, {});
    expect(config.listen).toEqual({
      host: '127.0.0.1',
      port: 8787,
      allowedHosts: [],
      allowedOrigins: [],
      allowTokenless: false,
      maxBodyBytes: 4 * 1024 * 1024,
      maxNameLength: 256,
      maxUriLength: 4096,
      maxArgumentDepth: 64,
      sessionIdleMs: 1_800_000,
      maxSessionsPerGrant: 64,
      sessionKeys: [],
      sessionMaxAgeMs: 86_400_000,
    });
    expect(config.state.sqlite).toBe(path.join(DIR, 'toolgate.db'));
    expect(config.log.level).toBe('info');
    expect(config.namespacing).toEqual({ mode: 'prefix', separator: '__' });
    expect(config.servers).toEqual([
      {
        id: 's',
        transport: 'stdio',
        command: 'node',
        args: [],
        env: {},
        timeoutMs: 60000,
        startTimeoutMs: 120000,
        maxResultBytes: 10 * 1024 * 1024,
        sessions: 'per-grant',
        maxSessions: 32,
        sessionIdleMs: 1_800_000,
      },
    ]);
  });

  it('accepts an empty mcpServers', () => {
    expect(parseConfig('{"mcpServers":{}}', FILE, {}).servers).toEqual([]);
  });

  it('keeps servers in file order, integer-like ids included', () => {
    const config = parseConfig(
      '{"mcpServers":{"zeta":{"command":"z"},"2":{"command":"b"},"1":{"command":"a"}}}',
      FILE,
      {},
    );
    expect(config.servers.map((server) => server.id)).toEqual(['zeta', '2', '1']);
  });

  it('resolves relative cwd and state.sqlite against the folder of the file, and keeps absolute ones', () => {
    const absolute = path.resolve('/var/lib/toolgate/state.db');
    const config = parseConfig(
      JSON.stringify({
        state: { sqlite: absolute },
        mcpServers: { a: { command: 'x', cwd: '../tools' }, b: { command: 'y', cwd: absolute } },
      }),
      FILE,
      {},
    );
    expect(config.state.sqlite).toBe(absolute);
    expect(config.servers.map((server) => (server.transport === 'stdio' ? server.cwd : null))).toEqual([
      path.resolve(DIR, '../tools'),
      absolute,
    ]);
    expect(parseConfig('{"state":{"sqlite":"db/t.db"},"mcpServers":{}}', 'conf/t.json', {}).state.sqlite).toBe(
      path.resolve('conf', 'db', 't.db'),
    );
  });

  it('keeps ":memory:" as the SQLite in-memory database', () => {
    expect(parseConfig('{"state":{"sqlite":":memory:"},"mcpServers":{}}', FILE, {}).state.sqlite).toBe(':memory:');
  });

  it('normalises allowed origins to the form browsers send', () => {
    const config = parseConfig(
      '{"listen":{"allowedOrigins":["https://App.Example.com:443","http://localhost:5173"]},"mcpServers":{}}',
      FILE,
      {},
    );
    expect(config.listen.allowedOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
  });

  it('returns a deep-frozen config', () => {
    const config = parseConfig('{"mcpServers":{"s":{"command":"x","args":["a"],"env":{"K":"v"}}}}', FILE, {});
    const server = config.servers[0];
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.listen.allowedHosts)).toBe(true);
    expect(Object.isFrozen(server)).toBe(true);
    expect(server?.transport === 'stdio' && Object.isFrozen(server.args) && Object.isFrozen(server.env)).toBe(true);
  });

  it('accepts a byte order mark', () => {
    expect(parseConfig('\uFEFF{"mcpServers":{}}', FILE, {}).servers).toEqual([]);
  });
});

describe('parseConfig: variable references', () => {
  const env = { CMD: 'node', HOME: '/home/ada', TOKEN: 's3cret', BASE: 'https://mcp.example.com', EMPTY: '' };

  it('expands ${env:NAME} and ${NAME} in command, args, env, url and headers', () => {
    const config = parseConfig(
      JSON.stringify({
        mcpServers: {
          local: {
            command: '${env:CMD}',
            args: ['${HOME}/server.js', '--token=${env:TOKEN}', 'x${EMPTY}y'],
            env: { TOKEN: '${TOKEN}', PLAIN: 'plain' },
          },
          remote: { url: '${env:BASE}/mcp', headers: { Authorization: 'Bearer ${env:TOKEN}' } },
        },
      }),
      FILE,
      env,
    );
    expect(config.servers[0]).toMatchObject({
      command: 'node',
      args: ['/home/ada/server.js', '--token=s3cret', 'xy'],
      env: { TOKEN: 's3cret', PLAIN: 'plain' },
    });
    expect(config.servers[1]).toMatchObject({
      url: 'https://mcp.example.com/mcp',
      headers: { Authorization: 'Bearer s3cret' },
    });
  });

  it('reads $${ as a literal ${ and leaves other dollars alone', () => {
    const config = parseConfig(
      JSON.stringify({ mcpServers: { s: { command: 'sh', args: ['$${HOME}', 'a$b$$c', '$$${HOME}'] } } }),
      FILE,
      env,
    );
    expect(config.servers[0]).toMatchObject({ args: ['${HOME}', 'a$b$$c', '$${HOME}'] });
  });

  it('does not expand other keys', () => {
    const config = parseConfig(
      JSON.stringify({ mcpServers: { s: { command: 'x', cwd: '${HOME}' } }, state: { sqlite: '${HOME}.db' } }),
      FILE,
      env,
    );
    expect(config.servers[0]).toMatchObject({ cwd: path.join(DIR, '${HOME}') });
    expect(config.state.sqlite).toBe(path.join(DIR, '${HOME}.db'));
  });

  it('reports an unset variable at its path, by name, without printing any value', () => {
    const text = [
      '{"mcpServers": {',
      '  "remote": {"url": "${env:MCP_URL}", "headers": {"Authorization": "Bearer ${env:TOKEN} ${MISSING}"}}',
      '}}',
    ].join('\n');
    const issues = issuesOf(text, { TOKEN: 's3cret' });
    expect(brief(issues)).toEqual([
      // The url is reported once: "expected a URL" about the unexpanded text would be noise.
      '2:21 $.mcpServers.remote.url environment variable "MCP_URL" is not set',
      '2:68 $.mcpServers.remote.headers.Authorization environment variable "MISSING" is not set',
    ]);
    expect(issues.map((issue) => issue.message).join('\n')).not.toContain('s3cret');
  });

  it('reports a malformed reference', () => {
    expect(brief(issuesOf('{"mcpServers":{"s":{"command":"x","args":["${not-a-name}","${HOME"]}}}', env))).toEqual([
      '1:43 $.mcpServers.s.args[0] malformed variable reference; expected ${env:NAME} or ${NAME}, NAME being letters, digits and "_" (write $${ for a literal ${)',
      '1:59 $.mcpServers.s.args[1] malformed variable reference; expected ${env:NAME} or ${NAME}, NAME being letters, digits and "_" (write $${ for a literal ${)',
    ]);
  });

  it('does not expand disabled servers, so their variables may be unset', () => {
    const config = parseConfig('{"mcpServers":{"off":{"command":"${env:NOPE}","disabled":true}}}', FILE, {});
    expect(config.servers).toEqual([]);
  });

  it('does not take inherited members of a plain env object for variables', () => {
    expect(brief(issuesOf('{"mcpServers":{"s":{"command":"${toString}"}}}', {}))).toEqual([
      '1:31 $.mcpServers.s.command environment variable "toString" is not set',
    ]);
  });
});

describe('parseConfig: invalid files', () => {
  it('reports unknown keys at the key, with the keys that are allowed there', () => {
    const text = [
      '{',
      '  "mcpServers": {',
      '    "everything": { "type": "stdio", "comand": "npx" }',
      '  },',
      '  "listen": { "prot": 80 },',
      '  "servers": {}',
      '}',
    ].join('\n');
    expect(brief(issuesOf(text))).toEqual([
      '3:19 $.mcpServers.everything.command missing required key "command"',
      `3:38 $.mcpServers.everything.comand unknown key "comand"; expected one of: ${STDIO_KEYS}`,
      '5:15 $.listen.prot unknown key "prot"; expected one of: host, port, allowedHosts, allowedOrigins, allowTokenless, maxBodyBytes, maxNameLength, maxUriLength, maxArgumentDepth, sessionIdleMs, maxSessionsPerGrant, sessionKeys, sessionMaxAgeMs',
      '6:3 $.servers unknown key "servers"; expected one of: $schema, listen, state, log, namespacing, approvals, audit, pinning, admin, policy, mcpServers',
    ]);
  });

  it('expands the session keys, and names a short one, too many, or an unset variable', () => {
    const key = 'k'.repeat(32);
    const file = (sessionKeys: unknown[]) => JSON.stringify({ listen: { sessionKeys }, mcpServers: {} });
    const env = { KEY_1: key, SHORT: 'short' };
    expect(parseConfig(file(['${env:KEY_1}', 'x'.repeat(40)]), FILE, env).listen.sessionKeys).toEqual([
      key,
      'x'.repeat(40),
    ]);
    const issues = (text: string) => {
      try {
        parseConfig(text, FILE, env);
        return [];
      } catch (error) {
        return (error as ConfigError).issues.map((issue) => `${issue.path} ${issue.message}`);
      }
    };
    expect(issues(file(['${env:SHORT}']))).toEqual([
      '$.listen.sessionKeys[0] expected a session key of at least 32 characters',
    ]);
    expect(issues(file(['${env:UNSET}']))).toEqual(['$.listen.sessionKeys[0] environment variable "UNSET" is not set']);
    expect(issues(file(Array.from({ length: 9 }, () => key)))).toEqual([
      '$.listen.sessionKeys expected at most 8 session keys',
    ]);
  });

  it('names each wrong store setting, and counters in Redis without a Redis', () => {
    const text = JSON.stringify({
      state: { postgres: { url: 'mysql://db/x', schema: 'Gw-1' }, redis: { url: 'http://cache' } },
      mcpServers: {},
    });
    expect(issuesOf(text).map((issue) => `${issue.path} ${issue.message}`)).toEqual([
      '$.state.postgres.url expected a postgres:// URL: postgres://user:password@host:5432/database',
      '$.state.postgres.schema expected lower-case letters, digits and _, starting with a letter or _',
      '$.state.redis.url expected a redis:// or rediss:// URL: redis://[user:password@]host:6379[/db]',
    ]);
    const noRedis = JSON.stringify({ state: { counters: 'redis' }, mcpServers: {} });
    expect(issuesOf(noRedis).map((issue) => `${issue.path} ${issue.message}`)).toEqual([
      '$.state.counters expected state.redis to be set for counters in Redis',
    ]);
  });

  it('formats the error message one issue per line as file:line:column: path: message', () => {
    const text = '{\n  "mcpServers": {},\n  "log": { "level": "loud" }\n}';
    let error: unknown;
    try {
      parseConfig(text, 'conf/toolgate.json', {});
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      'conf/toolgate.json:3:21: $.log.level: expected one of: "trace", "debug", "info", "warn", "error", "fatal", "silent"',
    );
    expect((error as ConfigError).issues).toEqual([
      {
        file: 'conf/toolgate.json',
        path: '$.log.level',
        line: 3,
        column: 21,
        message: 'expected one of: "trace", "debug", "info", "warn", "error", "fatal", "silent"',
      },
    ]);
  });

  it('requires mcpServers', () => {
    expect(brief(issuesOf('{\n  "listen": {}\n}'))).toEqual(['1:1 $.mcpServers missing required key "mcpServers"']);
  });

  it('reports a missing command at the server, saying what an HTTP server needs instead', () => {
    expect(brief(issuesOf('{"mcpServers":{"s":{"args":["x"]}}}'))).toEqual([
      '1:20 $.mcpServers.s.command missing required key "command" (or "url" for a server reached over HTTP)',
    ]);
    expect(brief(issuesOf('{"mcpServers":{"s":{"type":"stdio"}}}'))).toEqual([
      '1:20 $.mcpServers.s.command missing required key "command"',
    ]);
  });

  it('requires url for http and sse servers', () => {
    expect(brief(issuesOf('{"mcpServers":{"h":{"type":"http"},"s":{"type":"sse"}}}'))).toEqual([
      '1:20 $.mcpServers.h.url missing required key "url"',
      '1:40 $.mcpServers.s.url missing required key "url"',
    ]);
  });

  it('rejects a url that is not http: or https:', () => {
    expect(
      brief(issuesOf('{"mcpServers":{"a":{"url":"ftp://example.com/mcp"},"b":{"type":"sse","url":"not a url"}}}')),
    ).toEqual([
      '1:27 $.mcpServers.a.url expected an http: or https: URL',
      '1:76 $.mcpServers.b.url expected an http: or https: URL',
    ]);
  });

  it('lets type decide the shape: keys of another transport are unknown keys', () => {
    const text = JSON.stringify({
      mcpServers: {
        a: { command: 'x', url: 'http://x' },
        b: { type: 'sse', url: 'http://x', command: 'y', env: {} },
        c: { type: 'http', url: 'http://x', cwd: '.' },
      },
    });
    expect(issuesOf(text).map((issue) => `${issue.path} ${issue.message}`)).toEqual([
      `$.mcpServers.a.url unknown key "url"; expected one of: ${STDIO_KEYS}`,
      '$.mcpServers.b.command unknown key "command"; expected one of: type, url, headers, disabled, timeoutMs, maxTotalTimeoutMs, startTimeoutMs, maxResultBytes, sessions, maxSessions, sessionIdleMs',
      '$.mcpServers.b.env unknown key "env"; expected one of: type, url, headers, disabled, timeoutMs, maxTotalTimeoutMs, startTimeoutMs, maxResultBytes, sessions, maxSessions, sessionIdleMs',
      '$.mcpServers.c.cwd unknown key "cwd"; expected one of: type, url, headers, disabled, timeoutMs, maxTotalTimeoutMs, startTimeoutMs, maxResultBytes, sessions, maxSessions, sessionIdleMs',
    ]);
  });

  it('rejects an unknown type, and only reports that for the entry', () => {
    expect(brief(issuesOf('{"mcpServers":{"w":{"type":"websocket","url":"ws://x","x":1}}}'))).toEqual([
      '1:28 $.mcpServers.w.type expected one of: "stdio", "http", "streamable-http", "streamableHttp", "sse"',
    ]);
  });

  it('refuses tokenless callers on a listener beyond loopback, at the setting', () => {
    const text = JSON.stringify({ listen: { host: '0.0.0.0', allowTokenless: true }, mcpServers: {} });
    expect(issuesOf(text).map((issue) => `${issue.path} ${issue.message}`)).toEqual([
      '$.listen.allowTokenless expected false when "host" is not a loopback address (0.0.0.0): beyond loopback every client needs a grant\'s token',
    ]);
    const onLoopback = parseConfig(
      JSON.stringify({ listen: { host: '::1', allowTokenless: true }, mcpServers: {} }),
      FILE,
    );
    expect(onLoopback.listen.allowTokenless).toBe(true);
  });

  it('reports wrong types in plain words', () => {
    const text = JSON.stringify({
      listen: { host: 1, port: '8787', allowedHosts: 'gw.example.com', maxBodyBytes: 100 },
      mcpServers: {
        s: {
          command: ['npx'],
          args: 'x',
          env: { A: 1 },
          disabled: 'no',
          timeoutMs: 0,
          startTimeoutMs: 1.5,
          maxResultBytes: 100,
        },
        n: null,
      },
    });
    expect(issuesOf(text).map((issue) => `${issue.path} ${issue.message}`)).toEqual([
      '$.listen.host expected a string',
      '$.listen.port expected an integer from 0 to 65535',
      '$.listen.allowedHosts expected an array',
      '$.listen.maxBodyBytes expected an integer of at least 1024 (bytes)',
      '$.mcpServers.s.command expected a string',
      '$.mcpServers.s.args expected an array',
      '$.mcpServers.s.env.A expected a string',
      '$.mcpServers.s.disabled expected true or false',
      '$.mcpServers.s.timeoutMs expected a whole number of milliseconds from 1 to 2147483647',
      '$.mcpServers.s.startTimeoutMs expected a whole number of milliseconds from 1 to 2147483647',
      '$.mcpServers.s.maxResultBytes expected an integer from 1024 to 268435456 (bytes)',
      '$.mcpServers.n expected an object',
    ]);
  });

  it('names the values a server’s sessions settings accept', () => {
    const text = JSON.stringify({
      mcpServers: { s: { command: 'x', sessions: 'per-user', maxSessions: 0, sessionIdleMs: 10 } },
    });
    expect(issuesOf(text).map((issue) => `${issue.path} ${issue.message}`)).toEqual([
      '$.mcpServers.s.sessions expected one of: "shared", "per-grant", "per-client"',
      '$.mcpServers.s.maxSessions expected an integer from 1 to 10000',
      '$.mcpServers.s.sessionIdleMs expected an integer of at least 1000 (milliseconds)',
    ]);
  });

  it('rejects a port out of range and a root that is not an object', () => {
    expect(brief(issuesOf('{"listen":{"port":65536},"mcpServers":{}}'))).toEqual([
      '1:19 $.listen.port expected an integer from 0 to 65535',
    ]);
    expect(brief(issuesOf('[]'))).toEqual(['1:1 $ expected an object']);
  });

  it('rejects origins with a path, and header values with line breaks', () => {
    const text = JSON.stringify({
      listen: { allowedOrigins: ['https://app.example.com/'] },
      mcpServers: { r: { url: 'http://x', headers: { 'X-A': 'a${env:NL}b', 'Bad Name': 'v' } } },
    });
    expect(issuesOf(text, { NL: '\r\n' }).map((issue) => `${issue.path} ${issue.message}`)).toEqual([
      '$.listen.allowedOrigins[0] expected an origin: http:// or https:// and a host, with an optional port and no path, e.g. "https://app.example.com"',
      '$.mcpServers.r.headers["X-A"] header values must not contain line breaks',
      '$.mcpServers.r.headers["Bad Name"] expected an HTTP header name',
    ]);
  });

  it('reports several problems at once, in file order', () => {
    const text = [
      '{',
      '  "log": { "level": "verbose" },',
      '  "mcpServers": {',
      '    "a": { "command": "" },',
      '    "b": { "url": "http://x", "timeoutMs": -1 }',
      '  },',
      '  "namespacing": { "mode": "all", "separator": "::" }',
      '}',
    ].join('\n');
    expect(brief(issuesOf(text))).toEqual([
      '2:21 $.log.level expected one of: "trace", "debug", "info", "warn", "error", "fatal", "silent"',
      '4:23 $.mcpServers.a.command expected a non-empty string',
      '5:44 $.mcpServers.b.timeoutMs expected a whole number of milliseconds from 1 to 2147483647',
      '7:28 $.namespacing.mode expected one of: "prefix", "conflicts"',
      '7:48 $.namespacing.separator expected 1 to 8 characters, each a letter, digit, "_", "." or "-"',
    ]);
  });

  it('rejects a server id that contains the separator, at the id', () => {
    expect(brief(issuesOf('{"mcpServers":{\n"ok":{"command":"x"},\n"git__hub":{"command":"x"}}}'))).toEqual([
      '3:1 $.mcpServers.git__hub server id "git__hub" contains the namespacing separator "__"; rename the server or choose another namespacing.separator',
    ]);
    expect(
      brief(issuesOf('{"namespacing":{"separator":"."},"mcpServers":{"a.b":{"command":"x"},"a__b":{"command":"x"}}}')),
    ).toEqual([
      '1:48 $.mcpServers["a.b"] server id "a.b" contains the namespacing separator "."; rename the server or choose another namespacing.separator',
    ]);
  });

  it('checks the separator even when the rest of the file is invalid', () => {
    expect(brief(issuesOf('{"log":{"level":1},"mcpServers":{"a__b":{"command":"x"}}}'))).toEqual([
      '1:17 $.log.level expected one of: "trace", "debug", "info", "warn", "error", "fatal", "silent"',
      '1:34 $.mcpServers.a__b server id "a__b" contains the namespacing separator "__"; rename the server or choose another namespacing.separator',
    ]);
  });

  it('rejects an invalid server id, at the id', () => {
    expect(brief(issuesOf('{"mcpServers":{"my server":{"command":"x"},"-x":{"command":"x"}}}'))).toEqual([
      '1:16 $.mcpServers["my server"] expected a server id: 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit',
      '1:44 $.mcpServers["-x"] expected a server id: 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit',
    ]);
  });

  it('rejects duplicate keys, at the second one', () => {
    expect(brief(issuesOf('{"mcpServers":{"a":{"command":"x"},\n"a":{"command":"y"}}}'))).toEqual([
      '2:1 $.mcpServers.a duplicate key "a"; each key may appear only once in an object',
    ]);
  });
});

describe('parseConfig: JSON syntax', () => {
  it('reports a syntax error with its line and column, and only the first one', () => {
    const text = '{\n  "mcpServers": {\n    "a": { "command": "x" }\n    "b": { "command": "y" }\n  }\n}';
    expect(brief(issuesOf(text))).toEqual(['4:5 $.mcpServers.b expected a comma']);
  });

  it('rejects comments and trailing commas, reporting each', () => {
    const text = '{\n  // servers\n  "mcpServers": {\n    "a": { "command": "x", },\n  },\n}';
    expect(brief(issuesOf(text))).toEqual([
      '2:3 $ comments are not allowed in JSON',
      '4:26 $.mcpServers.a trailing commas are not allowed in JSON',
      '4:29 $.mcpServers trailing commas are not allowed in JSON',
      '5:4 $ trailing commas are not allowed in JSON',
    ]);
  });

  it('reports an empty file and unterminated text', () => {
    expect(brief(issuesOf('  \n'))).toEqual(['1:1 $ the file is empty; expected a JSON object']);
    expect(brief(issuesOf('{"mcpServers": {"a": "x'))).toEqual(['1:22 $.mcpServers.a unterminated string']);
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'toolgate-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the file and resolves paths against its folder', () => {
    const file = path.join(dir, 'conf', 'toolgate.json');
    mkdirSync(path.dirname(file));
    writeFileSync(file, '{"mcpServers":{"s":{"command":"${env:CMD}","cwd":"srv"}}}');
    const config = loadConfig(file, { CMD: 'node' });
    expect(config.file).toBe(file);
    expect(config.state.sqlite).toBe(path.join(dir, 'conf', 'toolgate.db'));
    expect(config.servers[0]).toMatchObject({ command: 'node', cwd: path.join(dir, 'conf', 'srv') });
  });

  it('names a missing file in the error', () => {
    const file = path.join(dir, 'nope.json');
    let error: unknown;
    try {
      loadConfig(file, {});
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      { file, path: '$', message: 'cannot read the configuration file: no such file' },
    ]);
    expect((error as ConfigError).message).toBe(`${file}: cannot read the configuration file: no such file`);
  });

  it('reports a directory as unreadable', () => {
    expect(() => loadConfig(dir, {})).toThrow(`${dir}: cannot read the configuration file: it is a directory`);
  });
});

describe('defaultConfig', () => {
  it('has no file, no servers and every default, with state in the working directory', () => {
    expect(defaultConfig()).toEqual({
      file: null,
      listen: {
        host: '127.0.0.1',
        port: 8787,
        allowedHosts: [],
        allowedOrigins: [],
        allowTokenless: false,
        maxBodyBytes: 4194304,
        maxNameLength: 256,
        maxUriLength: 4096,
        maxArgumentDepth: 64,
        sessionIdleMs: 1_800_000,
        maxSessionsPerGrant: 64,
        sessionKeys: [],
        sessionMaxAgeMs: 86_400_000,
      },
      state: { sqlite: path.resolve('toolgate.db'), lockWaitMs: 5000, postgres: null, redis: null, counters: 'sqlite' },
      log: { level: 'info' },
      namespacing: { mode: 'prefix', separator: '__' },
      approvals: { waitMs: 30_000, expireMs: 1_800_000, maxPendingPerGrant: 20, webhook: null },
      audit: {
        arguments: 'keys',
        redact: [],
        retentionDays: 30,
        file: null,
        batchSize: 100,
        flushMs: 200,
        maxPending: 10_000,
        acknowledge: 'stored',
        required: true,
      },
      pinning: { changed: 'block', added: 'allow' },
      admin: {
        token: null,
        console: true,
        host: '127.0.0.1',
        port: null,
        allowedHosts: [],
        sessionMs: 43_200_000,
        secureCookies: null,
      },
      policy: null,
      servers: [],
    });
  });
});

describe('resolveConfigPath', () => {
  const start = process.cwd();
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'toolgate-cwd-'));
    process.chdir(dir);
  });
  afterEach(() => {
    process.chdir(start);
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns an explicit path as given, even when it does not exist', () => {
    expect(resolveConfigPath('elsewhere/gw.json')).toBe('elsewhere/gw.json');
  });

  it('falls back to ./toolgate.json only when it exists', () => {
    expect(resolveConfigPath()).toBeNull();
    writeFileSync(path.join(dir, 'toolgate.json'), '{"mcpServers":{}}');
    expect(resolveConfigPath()).toBe('toolgate.json');
  });
});
