import type { Command } from 'commander';
import { systemClock } from '../clock.js';
import type { ConfigOutline } from '../config/load.js';
import { changeMessage, classText } from '../pinning/change-record.js';
import type { FieldDiff, LineChange } from '../pinning/definition-diff.js';
import { pinTarget } from '../pinning/pin.js';
import type { WaitingChange } from '../pinning/waiting-changes.js';
import { parsePinTarget, waitingChangeJson } from '../services/pin-service.js';
import { reportingErrors } from './cli-error.js';
import { cliActor } from './cli-actor.js';
import type { CliOutput } from './cli-output.js';
import { readableTime, relativeTime } from './readable-time.js';
import { withServices } from './state-services.js';

/**
 * Adds `diff` and `accept` to the `tools` command: the changes to pinned tool definitions that wait for an
 * operator, and accepting them. They act on the state database the running gateway uses, which notices an
 * acceptance within a second.
 */
export function addPinCommands(
  tools: Command,
  readConfig: (file: string | undefined) => ConfigOutline,
  out: CliOutput,
): void {
  const config = ['-c, --config <file>', 'config file (default: ./toolgate.json if present)'] as const;

  tools
    .command('diff [target]')
    .description(
      'Show the changes to tool definitions that wait for an operator (all, a SERVER’s, or one SERVER:TOOL’s): field by field, with the class before and after',
    )
    .option('--json', 'one JSON object a line, times in ISO 8601')
    .option(...config)
    .action((target: string | undefined, options: { json?: boolean; config?: string }) =>
      reportingErrors(out, () =>
        withServices(readConfig(options.config), out, async ({ pins }) => {
          const changes = await pins.changes(target === undefined ? undefined : parsePinTarget(target));
          if (options.json === true) {
            for (const change of changes) out.log(JSON.stringify(waitingChangeJson(change)));
            return;
          }
          if (changes.length === 0) out.log(`No changes wait${target === undefined ? '' : ` for ${target}`}.`);
          const now = systemClock.now();
          for (const change of changes) for (const line of changeLines(change, now)) out.log(line);
        }),
      ),
    );

  tools
    .command('accept <target>')
    .description(
      'Accept what waits for SERVER:TOOL (its new definition, its being new, its removal), or everything that waits for SERVER, its instructions included',
    )
    .option('--as <name>', 'who accepts (default: your user name)')
    .option(...config)
    .action((target: string, options: { as?: string; config?: string }) =>
      reportingErrors(out, () =>
        withServices(readConfig(options.config), out, async ({ pins }) => {
          const by = cliActor(options.as);
          for (const change of await pins.accept(parsePinTarget(target), by)) out.log(changeMessage(change));
          out.error('A running gateway applies it within a second.');
        }),
      ),
    );
}

/** What a waiting change comes to meanwhile, in words. */
const STATES: Readonly<Record<WaitingChange['state'], string>> = {
  blocked: 'blocked: listed as accepted, its calls refused',
  held: 'held: not listed, its calls refused',
  stricter: 'listed as it is now, decided under the stricter class',
  allowed: 'allowed',
  noted: 'noted',
};

/** One waiting change as `tools diff` prints it. */
function changeLines(change: WaitingChange, now: number): string[] {
  const target = pinTarget(change.serverId, change.tool);
  const since = `${readableTime(change.since)} (${relativeTime(change.since, now)})`;
  const state =
    change.kind === 'instructions' && change.state !== 'noted'
      ? `the server's tools are ${change.state === 'held' ? 'held: not listed, their calls refused' : 'decided under their stricter classes'}`
      : STATES[change.state];
  const lines = [`${target}  ${change.kind} ${since}: ${state}`];
  const classes = [change.classBefore, change.classAfter].flatMap((each) => (each === null ? [] : [classText(each)]));
  if (classes.length > 0) lines.push(`  class: ${[...new Set(classes)].join(' → ')}`);
  // A new tool's name is the line above.
  for (const field of change.fields.filter((each) => change.kind !== 'added' || each.field !== 'name')) {
    lines.push(`  ${field.field}:`, ...fieldLines(field).map((line) => `    ${line}`));
  }
  const accept = pinTarget(change.serverId, change.kind === 'instructions' ? null : change.tool);
  lines.push(`  accept with: toolgate tools accept ${accept}`, '');
  return lines;
}

function fieldLines(diff: FieldDiff): string[] {
  if (diff.kind === 'json') {
    return diff.changes.map((change) => `${change.path}: ${jsonText(change.before)} → ${jsonText(change.after)}`);
  }
  return withContext(diff.lines).map((line) => (line === null ? '…' : `${line.op} ${line.text}`));
}

function jsonText(value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(value);
}

/** The changed lines and one line either side of each run; null where unchanged lines are left out. */
function withContext(lines: readonly LineChange[]): (LineChange | null)[] {
  const changed = (index: number) => lines[index] !== undefined && lines[index].op !== ' ';
  const near = (index: number) => changed(index) || changed(index - 1) || changed(index + 1);
  const shown: (LineChange | null)[] = [];
  lines.forEach((line, index) => {
    if (near(index)) shown.push(line);
    else if (shown.at(-1) !== null) shown.push(null);
  });
  return shown;
}
