import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { systemClock } from '../clock.js';
import type { ConfigOutline } from '../config/load.js';
import { loadConfig } from '../config/load.js';
import { InventoryService, inventoryRowView } from '../services/inventory-service.js';
import { listConfiguredServers } from '../services/server-listings.js';
import type { RuleOptions } from '../inventory/recommended-rule.js';
import type { ToolPage } from '../inventory/tool-page.js';
import { classifyServers } from '../risk/classify-servers.js';
import { CliError, reportingErrors } from './cli-error.js';
import type { CliOutput } from './cli-output.js';
import { withServices } from './state-services.js';
import { countList } from './inventory-summary.js';
import { formatTable, printable } from './table.js';

/** The flags that shape a recommended rule, shared by `tools show` and `policy suggest`. */
export interface RuleFlags {
  readonly destructive: string;
  readonly root?: string;
}

/**
 * Adds `toolgate tools` (every tool of every server: its class, the evidence, what a grant's policy does with
 * it) and `toolgate tools show NAME` (one tool's page). The servers are started for the occasion, as the gateway
 * would start them, and closed after; grants are read from the state database.
 * @returns the `tools` command, for the commands that act on tool pins.
 */
export function addToolCommands(
  program: Command,
  readConfig: (file: string | undefined) => ConfigOutline,
  out: CliOutput,
): Command {
  const tools = program.command('tools').description('The tools of every server: their risk, their pages');
  tools
    .command('list', { isDefault: true })
    .description('List every tool of every server, with its category, risk and what the policy does with it')
    .option('--grant <label>', "what this grant's policy does with each tool (default: a local caller's)")
    .option('--json', 'one JSON object per tool (JSON Lines), with the evidence, instead of a table')
    .option('-c, --config <file>', 'config file (default: ./toolgate.json if present)')
    .action((options: { grant?: string; json?: boolean; config?: string }) =>
      reportingErrors(out, () =>
        withInventory(readConfig(options.config), out, async (inventory) => {
          const { rows, inventory: taken } = await inventory.rows(options.grant);
          for (const server of taken.unlisted)
            out.error(`server "${server.serverId}" could not be listed: ${server.why}`);
          if (options.json === true) {
            for (const row of rows) out.log(JSON.stringify(inventoryRowView(row)));
            return;
          }
          const lines = formatTable(
            ['SERVER', 'TOOL', 'CATEGORY', 'RISK', 'POLICY', 'WHY'],
            rows.map(({ entry, verdict }) => [
              entry.serverId,
              entry.exposedName,
              entry.classification.category,
              entry.classification.risk,
              `${verdict.effect}${verdict.dependsOnArguments ? '*' : ''}${verdict.shadow ? ' (shadow)' : ''}`,
              firstEvidence(entry.classification.evidence),
            ]),
          );
          for (const line of lines) out.log(line);
          if (rows.some((row) => row.verdict.dependsOnArguments)) {
            out.log('* the rule checks arguments: a call may be decided otherwise (policy explain --args)');
          }
          if (rows.some((row) => row.entry.classification.warnings.length > 0)) {
            const warned = rows.filter((row) => row.entry.classification.warnings.length > 0);
            out.error(`${warned.length} tool(s) show signs of poisoning: toolgate tools show NAME says which`);
          }
        }),
      ),
    );

  tools
    .command('show <name>')
    .description("One tool's page: what it does, its risk with the evidence, the rule to start from")
    .option('--json', 'the page as one JSON object')
    .option(
      '--destructive <how>',
      'recommend hiding Destructive tools ("hide") or holding them for approval ("approve")',
      'hide',
    )
    .option('--root <dir>', 'recommend refusing paths outside this folder')
    .option('-c, --config <file>', 'config file (default: ./toolgate.json if present)')
    .action((name: string, options: RuleFlags & { json?: boolean; config?: string }) =>
      reportingErrors(out, () =>
        withInventory(readConfig(options.config), out, async (inventory) => {
          const page = await inventory.page(name, ruleOptions(options));
          if (options.json === true) out.log(JSON.stringify(page, null, 2));
          else for (const line of pageLines(page)) out.log(line);
        }),
      ),
    );
  return tools;
}

/** Adds `toolgate policy suggest` to the `policy` command. */
export function addSuggestCommand(
  policy: Command,
  readConfig: (file: string | undefined) => ConfigOutline,
  out: CliOutput,
): void {
  policy
    .command('suggest')
    .description('Write a safe starting policy for every tool the servers list, from their risk')
    .option('--out <file>', 'write the policy to this file (default: print it)')
    .option('--destructive <how>', 'hide Destructive tools ("hide") or hold them for approval ("approve")', 'hide')
    .option('--root <dir>', 'refuse paths outside this folder for tools that change or run things')
    .option('-c, --config <file>', 'config file (default: ./toolgate.json if present)')
    .action((options: RuleFlags & { out?: string; config?: string }) =>
      reportingErrors(out, () =>
        withInventory(readConfig(options.config), out, async (inventory) => {
          const { inventory: taken, suggested } = await inventory.suggest(ruleOptions(options));
          for (const server of taken.unlisted)
            out.error(`server "${server.serverId}" could not be listed: ${server.why}`);
          const text = `${JSON.stringify(suggested.policy, null, 2)}\n`;
          if (options.out === undefined) {
            out.log(text.trimEnd());
            return;
          }
          writeFileSync(resolve(options.out), text);
          out.error(`wrote ${options.out}: ${taken.entries.length} tools (${countList(suggested.categories)})`);
          if (suggested.hidden.length > 0) out.error(`hidden: ${suggested.hidden.join(', ')}`);
          if (suggested.approval.length > 0) out.error(`held for approval: ${suggested.approval.join(', ')}`);
        }),
      ),
    );
}

/** Runs `run` on an inventory of the config's servers, with the grants of its state database. */
async function withInventory(
  outline: ConfigOutline,
  out: CliOutput,
  run: (inventory: InventoryService) => Promise<void>,
): Promise<void> {
  if (outline.file === null) {
    throw new CliError('No toolgate.json here: pass --config FILE, or run it in the folder of toolgate.json');
  }
  // The whole config: the servers are started, with the variables their entries need.
  const config = loadConfig(outline.file);
  await withServices(outline, out, ({ grants }) =>
    run(
      new InventoryService({
        listings: () => listConfiguredServers(config),
        namespacing: config.namespacing,
        classify: classifyServers,
        grants,
        localPolicy: config.policy,
        clock: systemClock,
      }),
    ),
  );
}

/** The rule options of `--destructive` and `--root`. */
export function ruleOptions(flags: RuleFlags): RuleOptions {
  if (flags.destructive !== 'hide' && flags.destructive !== 'approve') {
    throw new CliError(`--destructive: expected "hide" or "approve", got ${JSON.stringify(flags.destructive)}`);
  }
  return { destructive: flags.destructive, ...(flags.root === undefined ? {} : { root: resolve(flags.root) }) };
}

function firstEvidence(evidence: ToolPage['evidence']): string {
  const first = evidence[0];
  return first === undefined ? '' : `${first.source}${first.at === undefined ? '' : ` ${first.at}`}: "${first.quote}"`;
}

/** A tool's page as the terminal shows it: every text the server wrote is made printable. */
function pageLines(page: ToolPage): string[] {
  const lines = [
    `${printable(page.exposedName)}  (${printable(page.name)} on ${page.serverId})`,
    `${page.risk} risk · ${page.category}`,
    '',
    'What it does',
    `  ${printable(page.does)}`,
    '',
    'Why it needs a policy',
    `  ${printable(page.whyPolicy)}`,
    '',
    'Evidence',
    ...page.evidence.map(
      (item) =>
        `  - ${item.source}${item.at === undefined ? '' : ` ${printable(item.at)}`}: "${printable(item.quote)}": ${printable(item.finding)}`,
    ),
  ];
  if (page.warnings.length > 0) {
    lines.push('', 'Warnings');
    for (const warning of page.warnings) {
      lines.push(
        `  - ${warning.kind} in ${warning.source}: "${printable(warning.quote)}": ${printable(warning.finding)}`,
      );
    }
  }
  lines.push(
    '',
    'Recommended rule (policy.json)',
    ...JSON.stringify(page.recommended.policy, null, 2)
      .split('\n')
      .map((line) => `  ${line}`),
  );
  lines.push('', 'What the policy does now');
  lines.push(
    ...formatTable(
      ['WHO', 'EFFECT', 'RULE'],
      page.verdicts.map(({ who, verdict }) => [
        who,
        `${verdict.effect}${verdict.dependsOnArguments ? ' (depends on arguments)' : ''}${verdict.shadow ? ' (shadow)' : ''}`,
        verdict.rule,
      ]),
    ).map((line) => `  ${line}`),
  );
  return lines;
}
