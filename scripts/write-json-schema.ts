/**
 * Regenerates schema/toolgate.schema.json from the zod schema in src/config/schema.ts.
 * Run from the repository root after changing the schema (`npm run schema`, or
 * `npx tsx scripts/write-json-schema.ts`); src/config/json-schema.test.ts fails until you do.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_JSON_SCHEMA_FILE, renderConfigJsonSchema } from '../src/config/json-schema.js';

const target = path.resolve(CONFIG_JSON_SCHEMA_FILE);
mkdirSync(path.dirname(target), { recursive: true });
writeFileSync(target, renderConfigJsonSchema());
console.log(`wrote ${CONFIG_JSON_SCHEMA_FILE}`);
