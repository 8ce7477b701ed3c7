import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { ConfigOutline } from '../config/load.js';
import { SqliteGrantStore } from '../grants/grant-store.js';
import { SqliteCounterStore } from '../pipeline/counter-store.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import { decide } from '../policy/decide.js';
import { explainDecision } from '../policy/explain.js';
import { loadPolicy } from '../config/load-policy.js';
import { PolicyError } from '../policy/policy-error.js';
import { parsePolicyTestSuite, runPolicyTests } from '../policy/policy-test.js';
import { openExistingStateDb } from './existing-state-db.js';
import type { CliOutput } from './grants.js';
import { findTool, type ToolPresence } from './tool-presence.js';

/**
 * Adds `toolgate policy check|explain|test`. `explain` decides with the same `decide()` the gateway runs, on the
 * grant's policy and the live counters in the state database, so it answers "what would happen right now".
 */
export function addPolicyCommands(
  program: Command,
  readConfig: (file: string | undefined) => ConfigOutline,
  out: CliOutput,
): void {
  const policy = program.command('policy').description('Check, explain and test policies');
  const reportingErrors = (run: () => void | Promise<void>) => async () => {
    try {
      await run();
    } catch (error) {
      if (!(error instanceof PolicyError) && !(error instanceof CliError)) throw error;
      out.error(error.message);
      process.exitCode = 1;
    }
  };

  policy
    .command('check <file>')
    .description('Validate a policy file; every problem with its line, column and JSON path')
    .action((file: string) =>
      reportingErrors(() => {
        const compiled = loadPolicy(resolve(file));
        const rules = Object.keys(compiled.document.tools ?? {}).length;
        out.log(`ok: ${file}: revision ${compiled.revision}, default ${compiled.default}, ${rules} tool rules`);
      })(),
    );

  policy
    .command('explain')
    .description('Show what the gateway would answer a call, and why')
    .requiredOption('--tool <tool>', 'the tool: as clients see it (github__create_issue), or server:tool')
    .option('--grant <label>', 'the grant making the call (default: a local caller, under the config policy)')
    .option('--args <json>', 'the call arguments, as a JSON object', '{}')
    .option('-c, --config <file>', 'config file (default: ./toolgate.json if present)')
    .option('--offline', "decide by the policy alone, without starting the tool's server to check the tool exists")
    .action((options: { tool: string; grant?: string; args: string; config?: string; offline?: boolean }) =>
      reportingErrors(async () => {
        const config = readConfig(options.config);
        // Without a config there is no server to call, so every answer would be "unknown tool".
        if (config.file === null) {
          throw new CliError(
            'policy explain needs the config that names the servers and the policy, and none was found: pass --config FILE, or run it in the folder of toolgate.json',
          );
        }
        const args = parseArgs(options.args);
        const { serverId, tool } = resolveTool(options.tool, config);
        const db = openExistingStateDb(config.state.sqlite, out.error);
        try {
          const grant = options.grant === undefined ? undefined : await new SqliteGrantStore(db).find(options.grant);
          if (options.grant !== undefined && !grant) throw new CliError(`No active grant labelled "${options.grant}"`);
          const unknown = (why: string) => {
            out.log(`Tool:     ${JSON.stringify(tool)} on server ${JSON.stringify(serverId)}`);
            out.log(`Effect:   unknown tool (${why})`);
            out.log(`Answer:   Unknown tool: ${options.tool}`);
            process.exitCode = 2;
          };
          if (!config.serverIds.includes(serverId)) return unknown(`no server "${serverId}" in the config`);
          if (grant?.servers && !grant.servers.includes(serverId)) {
            return unknown(`grant "${grant.label}" may use only ${grant.servers.map((id) => `"${id}"`).join(', ')}`);
          }
          const presence = options.offline ? undefined : await findTool(config.file ?? '', serverId, tool);
          if (presence?.kind === 'not_listed') {
            return unknown(`server "${serverId}" lists ${presence.tools} tools, none named ${JSON.stringify(tool)}`);
          }
          const file = grant ? grant.policy : config.policy;
          if (file === null && !grant) {
            out.log('The config names no policy and no grant was given: a local caller may call every tool.');
          } else {
            const compiled: CompiledPolicy | null = file === null ? null : loadPolicy(file);
            const decision = decide(compiled, {
              serverId,
              tool,
              arguments: args,
              ...(grant ? { grant: { id: grant.id, label: grant.label } } : {}),
              now: Date.now(),
              counters: new SqliteCounterStore(db),
            });
            out.log(explainDecision(decision));
            if (decision.effect !== 'allow') process.exitCode = 2;
          }
          if (presence) out.log(presenceNote(serverId, presence));
          // A server that cannot start refuses every call, whatever the policy says.
          if (presence?.kind === 'unavailable') process.exitCode = 2;
        } finally {
          db.close();
        }
      })(),
    );

  policy
    .command('test <file>')
    .description("Run a table of cases against a policy; exit 1 when a decision differs from the case's expect")
    .action((file: string) =>
      reportingErrors(() => {
        const path = resolve(file);
        const suite = parsePolicyTestSuite(readFileSync(path, 'utf8'), path);
        if (suite.policy === undefined) throw new CliError(`${file}: names no "policy" file to test`);
        const compiled = loadPolicy(resolve(dirname(path), suite.policy));
        const report = runPolicyTests(compiled, suite.cases);
        for (const result of report.results) {
          out.log(`${result.pass ? 'pass' : 'FAIL'}  ${result.name}`);
          for (const failure of result.failures) out.log(`      ${failure}`);
        }
        out.log(`${report.passed} passed, ${report.failed} failed`);
        if (report.failed > 0) process.exitCode = 1;
      })(),
    );
}

/** What explain found out by starting the tool's server, in one line. */
function presenceNote(serverId: string, presence: ToolPresence): string {
  switch (presence.kind) {
    case 'listed':
      return `Server:   "${serverId}" is up and lists the tool`;
    case 'not_listed':
      return `Server:   "${serverId}" lists ${presence.tools} tools, not this one`;
    case 'unavailable': {
      const { state, step, error } = presence.health;
      const why = `${state}${step === undefined ? '' : ` at ${step}`}${error === undefined ? '' : `: ${error}`}`;
      return `Server:   "${serverId}" could not be started here (${why}); until the gateway has listed its tools, it answers calls to them with an error naming the server`;
    }
    case 'unchecked':
      return `Server:   not checked (${presence.why})`;
  }
}

/** A mistake in how a command was called, reported without a stack trace. */
class CliError extends Error {
  override readonly name = 'CliError';
}

function parseArgs(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError('--args: expected a JSON object, e.g. \'{"amount": 100}\'');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliError('--args: expected a JSON object');
  }
  return value as Record<string, unknown>;
}

/**
 * Finds the server and the server's own name for a tool given as `server:tool`, or as clients see it with the
 * configured namespacing prefix (`server__tool`), or, when exactly one server is configured, as a plain name.
 */
function resolveTool(text: string, config: ConfigOutline): { serverId: string; tool: string } {
  const colon = text.indexOf(':');
  if (colon > 0) return { serverId: text.slice(0, colon), tool: text.slice(colon + 1) };
  const { separator } = config.namespacing;
  for (const serverId of config.serverIds) {
    const prefix = `${serverId}${separator}`;
    if (text.startsWith(prefix)) return { serverId, tool: text.slice(prefix.length) };
  }
  if (config.serverIds.length === 1) return { serverId: config.serverIds[0]!, tool: text };
  throw new CliError(
    `--tool ${text}: name the server too, as server:tool or as clients see it (server${separator}tool)`,
  );
}
