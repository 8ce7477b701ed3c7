#!/usr/bin/env node
import { buildCli } from './cli/index.js';

// A reader that stops early (`toolgate audit export | head`) closes the pipe: that is the end, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

buildCli()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`toolgate: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
