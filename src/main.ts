#!/usr/bin/env node
import { buildCli } from './cli/index.js';

buildCli()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`toolgate: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
