#!/usr/bin/env node
/**
 * `toolgate` as src/main.ts builds it, with the audit commands added when src/cli/index.ts does not add them yet.
 * Once it does, this adds nothing, and test/e2e/audit-cli.test.ts can run GATEWAY_MAIN instead.
 */
import { addAuditCommands } from '../../src/cli/audit.js';
import { buildCli } from '../../src/cli/index.js';
import { defaultConfig, loadConfig, resolveConfigPath } from '../../src/config/load.js';

const program = buildCli();
if (!program.commands.some((command) => command.name() === 'audit')) {
  const readConfig = (explicit: string | undefined) => {
    const file = resolveConfigPath(explicit);
    return file === null ? defaultConfig() : loadConfig(file);
  };
  addAuditCommands(program, readConfig, {
    log: (line) => console.log(line),
    error: (line) => console.error(line),
  });
}
program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`toolgate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
