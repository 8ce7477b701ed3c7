import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { ConfigOutline } from '../config/load.js';
import { explainDecision } from '../policy/explain.js';
import { loadPolicy } from '../config/load-policy.js';
import { parsePolicyTestSuite, runPolicyTests } from '../policy/policy-test.js';
import type { ToolPresence } from '../services/tool-presence.js';
import { CliError, reportingErrors } from './cli-error.js';
import type { CliOutput } from './cli-output.js';
import { withServices } from './state-services.js';

/**
 * Adds `toolgate policy check|explain|test`. `explain` decides with the same `decide()` the gateway runs, on the
 * grant's policy, then asks the state database's counters about the call's charges only, as the gateway's limit
 * step would, so it answers "what would happen right now".
 */
export function addPolicyCommands(
  program: Command,
  readConfig: (file: string | undefined) => ConfigOutline,
  out: CliOutput,
): Command {
  const policy = program.command('policy').description('Check, explain, test and suggest policies');

  policy
    .command('check <file>')
    .description('Validate a policy file; every problem with its line, column and JSON path')
    .action((file: string) =>
      reportingErrors(out, () => {
        const compiled = loadPolicy(resolve(file));
        const rules = Object.keys(compiled.document.tools ?? {}).length;
        out.log(`ok: ${file}: revision ${compiled.revision}, default ${compiled.default}, ${rules} tool rules`);
      }),
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
      reportingErrors(out, async () => {
        const config = readConfig(options.config);
        // Without a config there is no server to call, so every answer would be "unknown tool".
        if (config.file === null) {
          throw new CliError(
            'policy explain needs the config that names the servers and the policy, and none was found: pass --config FILE, or run it in the folder of toolgate.json',
          );
        }
        const args = parseArgs(options.args);
        const { serverId, tool } = resolveTool(options.tool, config);
        await withServices(config, out, async (services) => {
          const explained = await services.policy.explain({
            serverId,
            tool,
            arguments: args,
            ...(options.grant === undefined ? {} : { grant: options.grant }),
            checkServer: options.offline !== true,
          });
          if (explained.kind === 'unknown_tool') {
            out.log(`Tool:     ${JSON.stringify(tool)} on server ${JSON.stringify(serverId)}`);
            out.log(`Effect:   unknown tool (${explained.why})`);
            out.log(`Answer:   Unknown tool: ${options.tool}`);
            process.exitCode = 2;
            return;
          }
          if (explained.kind === 'unrestricted') {
            out.log('The config names no policy and no grant was given: a local caller may call every tool.');
          } else {
            out.log(explainDecision(explained.decision, explained.usage));
            if (explained.decision.effect !== 'allow') process.exitCode = 2;
          }
          const { presence } = explained;
          if (presence) out.log(presenceNote(serverId, presence));
          // A server that cannot start refuses every call, whatever the policy says.
          if (presence?.kind === 'unavailable') process.exitCode = 2;
        });
      }),
    );

  policy
    .command('test <file>')
    .description("Run a table of cases against a policy; exit 1 when a decision differs from the case's expect")
    .action((file: string) =>
      reportingErrors(out, async () => {
        const path = resolve(file);
        const suite = parsePolicyTestSuite(readFileSync(path, 'utf8'), path);
        if (suite.policy === undefined) throw new CliError(`${file}: names no "policy" file to test`);
        const compiled = loadPolicy(resolve(dirname(path), suite.policy));
        const report = await runPolicyTests(compiled, suite.cases);
        for (const result of report.results) {
          out.log(`${result.pass ? 'pass' : 'FAIL'}  ${result.name}`);
          for (const failure of result.failures) out.log(`      ${failure}`);
        }
        out.log(`${report.passed} passed, ${report.failed} failed`);
        if (report.failed > 0) process.exitCode = 1;
      }),
    );
  return policy;
}

/** What explain found out by starting the tool's server, in one line. */
function presenceNote(serverId: string, presence: ToolPresence): string {
  switch (presence.kind) {
    case 'listed':
      return `Server:   "${serverId}" is up and lists the tool (${presence.toolClass.category}, ${presence.toolClass.risk} risk)`;
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
