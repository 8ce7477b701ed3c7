import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ProtocolError } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { ERRORS, ErrorCode, GatewayError, outcomeOf, toJsonRpcError } from './errors.js';

const root = new URL('..', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('the error catalogue', () => {
  const names = Object.keys(ErrorCode) as (keyof typeof ErrorCode)[];

  it('gives every code its spec, and names each code after its key', () => {
    expect(Object.keys(ERRORS).sort()).toEqual(Object.values(ErrorCode).sort());
    for (const name of names) expect(ErrorCode[name]).toMatch(/^GW_[A-Z_]+$/);
  });

  it('documents every code in docs/errors.md, and nothing that is not one', () => {
    const doc = readFileSync(join(root, 'docs/errors.md'), 'utf8');
    for (const code of Object.values(ErrorCode)) expect(doc, code).toContain(`\`${code}\``);
    const documented = new Set(doc.match(/`GW_[A-Z_]+`/g)?.map((code) => code.slice(1, -1)));
    expect([...documented].sort()).toEqual(Object.values(ErrorCode).sort());
  });

  it('raises every code somewhere outside the catalogue', () => {
    const code = sources(join(root, 'src'))
      .filter((file) => !file.endsWith('/src/errors.ts'))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    for (const name of names) expect(code, `ErrorCode.${name}`).toMatch(new RegExp(`ErrorCode\\.${name}\\b`));
  });
});

describe('outcomeOf', () => {
  it('reads the catalogue for the gateway’s own errors', () => {
    expect(outcomeOf(new GatewayError(ErrorCode.ServerUnavailable, 'down'))).toEqual({
      code: 'GW_SERVER_UNAVAILABLE',
      surface: 'json-rpc',
      audit: 'server_unavailable',
      quota: 'release',
    });
    expect(outcomeOf(new GatewayError(ErrorCode.ServerTimeout, 'slow'))).toMatchObject({
      audit: 'timeout',
      quota: 'keep',
    });
    expect(outcomeOf(new GatewayError(ErrorCode.ServerFailed, 'broke'))).toMatchObject({
      audit: 'server_failed',
      quota: 'keep',
    });
    expect(outcomeOf(new GatewayError(ErrorCode.RateLimited, 'later'))).toMatchObject({
      surface: 'tool-result',
      audit: 'refused',
    });
  });

  it('keeps quota for a server’s JSON-RPC error, a cancellation and the unexpected', () => {
    expect(outcomeOf(new ProtocolError(-32602, 'bad arguments'))).toMatchObject({
      code: null,
      audit: 'server_error',
      quota: 'keep',
    });
    expect(outcomeOf({ code: -32000, message: 'plain JSON-RPC error' })).toMatchObject({ audit: 'server_error' });
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect(outcomeOf(abort)).toMatchObject({ audit: 'cancelled', quota: 'keep' });
    const controller = new AbortController();
    controller.abort();
    expect(outcomeOf(new GatewayError(ErrorCode.ServerFailed, 'x'), controller.signal)).toMatchObject({
      audit: 'cancelled',
    });
    expect(outcomeOf(new TypeError('a bug'))).toMatchObject({
      code: 'GW_INTERNAL',
      audit: 'gateway_error',
      quota: 'keep',
    });
  });
});

describe('toJsonRpcError', () => {
  it('gives the catalogue’s JSON-RPC code, the code and the decision id in data', () => {
    const error = toJsonRpcError(new GatewayError(ErrorCode.UnknownTool, 'Unknown tool: x'), '01ABC') as ProtocolError;
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error.code).toBe(-32602);
    expect(error.message).toBe('Unknown tool: x');
    expect(error.data).toEqual({ code: 'GW_UNKNOWN_TOOL', decisionId: '01ABC' });
  });

  it('passes a server’s error through, and hides what an unexpected error says', () => {
    const fromServer = new ProtocolError(-32001, 'custom', { detail: 1 });
    expect(toJsonRpcError(fromServer, 'id')).toBe(fromServer);
    const internal = toJsonRpcError(new Error('secret path /etc/x')) as ProtocolError;
    expect(internal.code).toBe(-32603);
    expect(internal.message).toBe('Internal error in Toolgate');
    expect(internal.data).toEqual({ code: 'GW_INTERNAL' });
  });
});
