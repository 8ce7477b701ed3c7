import { z } from 'zod';
import { configSchema } from './schema.js';

/** Where the generated schema is committed, relative to the repository root. */
export const CONFIG_JSON_SCHEMA_FILE = 'schema/toolgate.schema.json';

/**
 * The JSON Schema of toolgate.json, for editors: the file as written (defaults shown, not
 * required), in draft-07, which every editor's JSON support reads.
 */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { target: 'draft-07', io: 'input' });
}

/** configJsonSchema() exactly as committed in CONFIG_JSON_SCHEMA_FILE. */
export function renderConfigJsonSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
