import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { CONFIG_JSON_SCHEMA_FILE, configJsonSchema, renderConfigJsonSchema } from './json-schema.js';

const committed = new URL(`../../${CONFIG_JSON_SCHEMA_FILE}`, import.meta.url);

describe('schema/toolgate.schema.json', () => {
  // Compared as values, so that reformatting the file (by prettier, say) is not drift.
  it('is what the zod schema generates (run `npx tsx scripts/write-json-schema.ts` after changing it)', () => {
    expect(JSON.parse(readFileSync(committed, 'utf8'))).toEqual(JSON.parse(renderConfigJsonSchema()));
  });

  const validate = new Ajv({ allErrors: true }).compile(configJsonSchema());

  it('accepts the documented shapes, variable references included', () => {
    const file = {
      $schema: './schema/toolgate.schema.json',
      listen: { port: 0, allowedOrigins: ['https://app.example.com'] },
      mcpServers: {
        everything: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-everything'], env: { K: '${env:K}' } },
        remote: { type: 'streamable-http', url: '${env:REMOTE_URL}', headers: { Authorization: 'Bearer ${env:T}' } },
        plain: { url: 'http://127.0.0.1:3001/mcp' },
        old: { type: 'sse', url: 'http://127.0.0.1:3002/sse', disabled: true },
      },
    };
    expect(validate(file)).toBe(true);
  });

  it('rejects unknown keys at the top level, in listen and in a server', () => {
    expect(validate({ mcpServers: {}, extra: 1 })).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ instancePath: '', params: { additionalProperty: 'extra' } });

    expect(validate({ mcpServers: {}, listen: { prot: 80 } })).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ instancePath: '/listen', params: { additionalProperty: 'prot' } });

    expect(validate({ mcpServers: { a: { command: 'npx', comand: 'npx' } } })).toBe(false);
    expect(validate.errors).toContainEqual(
      expect.objectContaining({ instancePath: '/mcpServers/a', params: { additionalProperty: 'comand' } }),
    );
  });

  it('rejects a server that mixes stdio and HTTP keys, and a missing mcpServers', () => {
    expect(validate({ mcpServers: { a: { command: 'x', url: 'http://x' } } })).toBe(false);
    expect(validate({})).toBe(false);
  });
});
