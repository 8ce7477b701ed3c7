import type { Command } from 'commander';
import type { ConfigOutline } from '../config/load.js';
import { addressOf, connectPostgres, migratePostgres } from '../state/postgres-db.js';
import { openStateDb } from '../state/state-db.js';
import { reportingErrors } from './cli-error.js';
import type { CliOutput } from './cli-output.js';

/**
 * Adds `toolgate db migrate`: brings the state's schema up to date, in SQLite or in PostgreSQL, and says from which
 * version to which. The gateway does the same when it starts (replicas take turns, under a lock); this command is
 * for a deployment that migrates once, before the new replicas roll out (a Kubernetes Job, a release step).
 */
export function addDbCommands(
  program: Command,
  readConfig: (file: string | undefined) => ConfigOutline,
  out: CliOutput,
): void {
  const db = program.command('db').description("Manage the state's database");
  db.command('migrate')
    .description('Create the tables, or bring them up to date (SQLite, or PostgreSQL with state.postgres)')
    .option('-c, --config <file>', 'config file (default: ./toolgate.json if present)')
    .action((options: { config?: string }) =>
      reportingErrors(out, async () => {
        const { state } = readConfig(options.config);
        if (state.postgres) {
          const { url, schema } = state.postgres;
          const postgres = connectPostgres({ url, schema });
          try {
            const { from, to } = await migratePostgres(postgres, schema);
            out.log(versionLine(`PostgreSQL ${addressOf(url)}, schema ${schema}`, from, to));
          } finally {
            await postgres.close();
          }
          return;
        }
        let line = '';
        openStateDb(state.sqlite, {
          whenLocked: 'wait',
          lockWaitMs: state.lockWaitMs,
          migrated: (from, to) => (line = versionLine(`SQLite ${state.sqlite}`, from, to)),
        }).close();
        out.log(line);
      }),
    );
}

function versionLine(where: string, from: number, to: number): string {
  return from === to ? `${where}: up to date (schema ${to}).` : `${where}: migrated from schema ${from} to ${to}.`;
}
