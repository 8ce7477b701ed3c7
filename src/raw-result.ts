import type { StandardSchemaV1 } from '@modelcontextprotocol/client';

/** A JSON-RPC result object exactly as a peer sent it: unknown fields, `_meta` and all. */
export type RawResult = Record<string, unknown> & { _meta?: Record<string, unknown> };

/**
 * A result "schema" that accepts any object unchanged. The SDK's typed result schemas strip unknown fields and
 * validate `structuredContent`; a gateway must forward what the server said, so it reads results through this.
 */
export const rawResult: StandardSchemaV1<RawResult, RawResult> = {
  '~standard': {
    version: 1,
    vendor: 'toolgate',
    validate: (value) =>
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? { value: value as RawResult }
        : { issues: [{ message: 'expected a JSON object as the result' }] },
  },
};
