import { InvalidArgumentError, type Command } from 'commander';
import {
  AUDIT_DECISIONS,
  AUDIT_OUTCOMES,
  toAuditJsonLine,
  type AuditDecision,
  type AuditOutcome,
  type AuditRecord,
} from '../audit/audit-record.js';
import type { AuditFilter } from '../audit/audit-reader.js';
import { systemClock } from '../clock.js';
import type { ConfigOutline } from '../config/load.js';
import { parseAuditFilter, type AuditService } from '../services/audit-service.js';
import { reportingErrors } from './cli-error.js';
import type { CliOutput } from './cli-output.js';
import { readableTime } from './readable-time.js';
import { withServices } from './state-services.js';
import { Table } from './table.js';

/** The filter flags every audit command takes, as commander hands them over. */
interface FilterFlags {
  grant?: string;
  server?: string;
  tool?: string;
  decision?: AuditDecision[];
  outcome?: AuditOutcome[];
  since?: string;
  until?: string;
  config?: string;
}

/**
 * Adds `toolgate audit tail|query|export`. They read the audit trail in the state database the config names,
 * while the gateway writes it (SQLite lets one process write while others read).
 */
export function addAuditCommands(
  program: Command,
  readConfig: (file: string | undefined) => ConfigOutline,
  out: CliOutput,
): void {
  const audit = program.command('audit').description('Read the audit trail: one record for every tool call');
  // The filter is read before the config, so that a mistyped flag is the one thing reported.
  const withReader = (flags: FilterFlags, run: (trail: AuditService, filter: AuditFilter) => Promise<void>) =>
    reportingErrors(out, async () => {
      const filter = parseAuditFilter(flags, systemClock.now(), (field) => `--${field}`);
      await withServices(readConfig(flags.config), out, ({ audit }) => run(audit, filter));
    });

  withFilters(audit.command('tail'))
    .description('Print the last records stored and, with --follow, each new one as it is stored')
    .option('-n, --lines <n>', 'how many records to print first', positiveInteger, 20)
    .option('-f, --follow', 'keep printing records as they are stored, until interrupted')
    .option('--interval <ms>', 'with --follow, how often to look for new records', positiveInteger, 1000)
    .option('--json', 'JSON Lines instead of a table')
    .action((flags: FilterFlags & { lines: number; follow?: boolean; interval: number; json?: boolean }) =>
      withReader(flags, async (trail, filter) => {
        const print = printer(out, flags.json === true);
        let { records, position } = await trail.tail(filter, { limit: flags.lines });
        print(records);
        if (records.length === 0) {
          out.error(
            flags.follow === true ? `${none(filter)}; waiting for new ones (Ctrl-C to stop).` : `${none(filter)}.`,
          );
        }
        if (flags.follow !== true) return;
        const stopped = stopSignal();
        while (!stopped.aborted) {
          await sleep(flags.interval, stopped);
          // Read until caught up: more than a page can arrive between two looks.
          do {
            ({ records, position } = await trail.tail(filter, { after: position, limit: 1000 }));
            print(records);
          } while (records.length === 1000 && !stopped.aborted);
        }
      }),
    );

  withFilters(audit.command('query'))
    .description('Print the records that match, newest first')
    .option(
      '--limit <n>',
      'at most this many records (up to 1000; for all of them, use audit export)',
      positiveInteger,
      50,
    )
    .option('--oldest-first', 'oldest first instead')
    .option('--json', 'JSON Lines instead of a table')
    .action((flags: FilterFlags & { limit: number; oldestFirst?: boolean; json?: boolean }) =>
      withReader(flags, async (trail, filter) => {
        const page = await trail.query({
          ...filter,
          order: flags.oldestFirst === true ? 'oldest_first' : 'newest_first',
          limit: flags.limit,
        });
        printer(out, flags.json === true)(page.records);
        if (page.records.length === 0) out.error(`${none(filter)}.`);
        // On stderr, so that output piped elsewhere holds records only.
        else if (page.next !== null) out.error('More records match: raise --limit, or use toolgate audit export.');
      }),
    );

  withFilters(audit.command('export'))
    .description('Print every record that matches, oldest first, as JSON Lines (for a SIEM or a file)')
    .action((flags: FilterFlags) =>
      withReader(flags, async (trail, filter) => {
        // Page by page, so a trail of any length is exported without being held in memory.
        let exported = 0;
        for await (const page of trail.pages(filter)) {
          out.log(page.map(toAuditJsonLine).join('\n'));
          exported += page.length;
        }
        if (exported === 0) out.error(`${none(filter)}.`);
      }),
    );
}

function withFilters(command: Command): Command {
  return command
    .option('--grant <grant>', 'calls made with this grant (label or id)')
    .option('--server <id>', 'calls to tools of this server')
    .option('--tool <name>', "calls to this tool (the server's name for it)")
    .option('--decision <list>', `comma-separated, any of: ${AUDIT_DECISIONS.join(', ')}`, wordList(AUDIT_DECISIONS))
    .option('--outcome <list>', `comma-separated, any of: ${AUDIT_OUTCOMES.join(', ')}`, wordList(AUDIT_OUTCOMES))
    .option('--since <time>', 'calls from this time on: ISO 8601 (2026-05-01T09:00Z) or an age (15m, 2h, 7d)')
    .option('--until <time>', 'calls before this time: ISO 8601 or an age')
    .option('-c, --config <file>', 'config file (default: ./toolgate.json if present)');
}

/** What an empty answer means: on stderr, so that output piped elsewhere holds records only. */
function none(filter: AuditFilter): string {
  return Object.keys(filter).length === 0 ? 'No audit records yet' : 'No audit records match';
}

/**
 * Prints blocks of records: JSON Lines, or one table whose header is printed once (see Table), with the first
 * block even when it is empty.
 */
function printer(out: CliOutput, json: boolean): (records: readonly AuditRecord[]) => void {
  if (json) return (records) => records.length > 0 && out.log(records.map(toAuditJsonLine).join('\n'));
  const table = new Table(COLUMNS.map(([header]) => header));
  return (records) => {
    const lines =
      records.length === 0
        ? table.heading()
        : table.lines(records.map((record) => COLUMNS.map(([, cell]) => cell(record))));
    if (lines.length > 0) out.log(lines.join('\n'));
  };
}

const COLUMNS: readonly (readonly [string, (record: AuditRecord) => string])[] = [
  ['TIME', (record) => readableTime(record.time)],
  ['GRANT', (record) => record.grantLabel ?? '(local)'],
  ['SERVER', (record) => record.serverId ?? '-'],
  ['TOOL', (record) => record.tool],
  ['DECISION', (record) => record.decision],
  ['OUTCOME', (record) => record.outcome],
  ['GATEWAY_MS', (record) => record.gatewayLatencyMs.toFixed(1)],
  ['SERVER_MS', (record) => (record.serverLatencyMs === null ? '-' : record.serverLatencyMs.toFixed(1))],
  ['RULE', (record) => (record.rule === null || record.rule === '' ? '-' : record.rule)],
];

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('expected a whole number, 1 or more');
  return number;
}

function wordList<Word extends string>(words: readonly Word[]): (value: string) => Word[] {
  return (value) => {
    const list = value.split(',').map((word) => word.trim());
    const unknown = list.filter((word) => !(words as readonly string[]).includes(word));
    if (unknown.length > 0)
      throw new InvalidArgumentError(`unknown: ${unknown.join(', ')}; expected ${words.join(', ')}`);
    return list as Word[];
  };
}

/** Aborted on Ctrl-C or SIGTERM, so that --follow ends cleanly and the database is closed. */
function stopSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  controller.signal.addEventListener('abort', () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  });
  return controller.signal;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
