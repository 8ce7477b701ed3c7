import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runConfigCheck } from './config-check.js';

describe('runConfigCheck', () => {
  let dir: string;
  let logged: string[];
  let errors: string[];
  const out = { log: (line: string) => logged.push(line), error: (line: string) => errors.push(line) };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'toolgate-check-'));
    logged = [];
    errors = [];
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints ok with the enabled servers and returns 0 for a valid file', () => {
    const file = path.join(dir, 'toolgate.json');
    writeFileSync(
      file,
      JSON.stringify({
        mcpServers: { a: { command: 'x' }, b: { url: 'http://127.0.0.1:1/mcp' }, c: { command: 'y', disabled: true } },
      }),
    );
    expect(runConfigCheck(file, out)).toBe(0);
    expect(logged).toEqual([`ok: ${file}: 2 servers (a, b)`]);
    expect(errors).toEqual([]);
  });

  it('checks the policy file the config names, with its locations', () => {
    const file = path.join(dir, 'toolgate.json');
    writeFileSync(file, JSON.stringify({ policy: 'policy.json', mcpServers: {} }));
    writeFileSync(path.join(dir, 'policy.json'), '{"version": "1", "default": "sometimes"}');
    expect(runConfigCheck(file, out)).toBe(1);
    expect(errors).toEqual([`${path.join(dir, 'policy.json')}:1:29: $.default: expected one of: "allow", "deny"`]);
  });

  it('counts one server in the singular and none without a list', () => {
    const one = path.join(dir, 'one.json');
    const none = path.join(dir, 'none.json');
    writeFileSync(one, '{"mcpServers":{"solo":{"command":"x"}}}');
    writeFileSync(none, '{"mcpServers":{}}');
    expect([runConfigCheck(one, out), runConfigCheck(none, out)]).toEqual([0, 0]);
    expect(logged).toEqual([`ok: ${one}: 1 server (solo)`, `ok: ${none}: 0 servers`]);
  });

  it('prints every issue on its own line and returns 1 for an invalid file', () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, '{\n  "mcpServers": { "a": { "comand": "x" } },\n  "log": { "level": "loud" }\n}');
    expect(runConfigCheck(file, out)).toBe(1);
    expect(logged).toEqual([]);
    expect(errors).toEqual([
      `${file}:2:24: $.mcpServers.a.command: missing required key "command" (or "url" for a server reached over HTTP)`,
      `${file}:2:26: $.mcpServers.a.comand: unknown key "comand"; expected one of: type, command, args, env, cwd, disabled, timeoutMs, maxTotalTimeoutMs, startTimeoutMs, maxResultBytes, sessions, maxSessions, sessionIdleMs`,
      `${file}:3:21: $.log.level: expected one of: "trace", "debug", "info", "warn", "error", "fatal", "silent"`,
    ]);
  });

  it('returns 1 for a file that does not exist', () => {
    const file = path.join(dir, 'missing.json');
    expect(runConfigCheck(file, out)).toBe(1);
    expect(errors).toEqual([`${file}: cannot read the configuration file: no such file`]);
  });
});
