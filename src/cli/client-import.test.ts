import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/load.js';
import { ClientConfigError } from './client-config.js';
import { gatewayUrl, toolgateEntry } from './client-import.js';

const listen = (host: string, port: number) => ({ ...defaultConfig().listen, host, port });

describe('gatewayUrl', () => {
  it('is the address this machine reaches the gateway at: loopback for an any-address listen', () => {
    expect(gatewayUrl(listen('127.0.0.1', 8787))).toBe('http://127.0.0.1:8787/mcp');
    expect(gatewayUrl(listen('0.0.0.0', 9000))).toBe('http://127.0.0.1:9000/mcp');
    expect(gatewayUrl(listen('::', 9000))).toBe('http://[::1]:9000/mcp');
    expect(gatewayUrl(listen('127.0.0.1', 0))).toBeNull();
  });
});

describe('toolgateEntry', () => {
  it('gives Cursor and VS Code the URL, and the token in the header when there is one', () => {
    const access = { grant: 'agent', token: 'tg_abc' };
    expect(toolgateEntry('cursor', '/p/toolgate.json', listen('127.0.0.1', 8787), access)).toEqual({
      url: 'http://127.0.0.1:8787/mcp',
      headers: { Authorization: 'Bearer tg_abc' },
    });
    expect(toolgateEntry('vscode', '/p/toolgate.json', listen('127.0.0.1', 8787))).toEqual({
      type: 'http',
      url: 'http://127.0.0.1:8787/mcp',
    });
  });

  it('refuses an HTTP client when the gateway has no fixed port to give it', () => {
    expect(() => toolgateEntry('cursor', '/p/toolgate.json', listen('127.0.0.1', 0))).toThrow(ClientConfigError);
  });
});
