import pg from 'pg';
import { POSTGRES_MIGRATIONS } from './postgres-schema.js';

/** What a store runs its SQL through: the pool, or one transaction's connection. Parameters are `$1`, `$2`, …. */
export interface PostgresQueries {
  /** The rows `sql` returns. */
  rows<R = Record<string, unknown>>(sql: string, parameters?: readonly unknown[]): Promise<R[]>;
  /** How many rows `sql` wrote. */
  run(sql: string, parameters?: readonly unknown[]): Promise<number>;
}

/**
 * The scale-out state store: a PostgreSQL database (config key `state.postgres`), shared by every replica.
 *
 * Columns mirror the SQLite schema (src/state/state-db.ts), so that every store reads the same rows: times are
 * BIGINT epoch milliseconds, read back as numbers (they stay below 2^53); BYTEA reads as a Buffer; JSON is TEXT.
 */
export interface PostgresDb extends PostgresQueries {
  /**
   * Runs `work` in one transaction on one connection (committed when it resolves, rolled back when it rejects)
   * and resolves with what it returns. `isolation` defaults to READ COMMITTED; a store that reads and then writes
   * on what it read takes a row lock (`FOR UPDATE`) or an advisory lock instead of a stricter level.
   */
  transaction<T>(work: (tx: PostgresQueries) => Promise<T>): Promise<T>;
  /** Ends every connection. Never rejects. */
  close(): Promise<void>;
  /** Where it connects, without its password: for messages. */
  readonly address: string;
}

export interface PostgresDbOptions {
  /** `postgres://user[:password]@host[:port]/database`, with `?sslmode=…` and the other libpq parameters pg reads. */
  readonly url: string;
  /** The schema its tables live in; `public` by default. Created when missing. Lets several gateways share a database. */
  readonly schema?: string;
  /** The most connections open at once. Default 10. */
  readonly maxConnections?: number;
  /** How long a connection may take to open before a query fails. Default 5,000 ms. */
  readonly connectTimeoutMs?: number;
  /** How long one statement may run before the server cancels it. Default 10,000 ms. */
  readonly statementTimeoutMs?: number;
}

/** A schema name is put into SQL as an identifier: only these are accepted, so that quoting cannot be escaped. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Two replicas starting at once must not both run a migration: the first takes this lock, the second waits. */
const MIGRATION_LOCK = 0x7467_6462; // 'tgdb'

/** BIGINT (oid 20) as a number: every BIGINT here is a time in milliseconds or a counter, far below 2^53. */
const INT8_OID = 20;
const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : (pg.types.getTypeParser as (oid: number, format?: string) => unknown)(
          oid,
          format,
        )) as typeof pg.types.getTypeParser,
};

/**
 * Connects to PostgreSQL, creates the schema when missing and brings its tables up to date (see migratePostgres).
 * Rejects, naming the address and what failed, when the server cannot be reached or the schema is newer than
 * this Toolgate knows.
 */
export async function openPostgresDb(options: PostgresDbOptions): Promise<PostgresDb> {
  const db = connectPostgres(options);
  try {
    await migratePostgres(db, options.schema ?? 'public');
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** A pool on the database, with nothing checked yet: openPostgresDb is what callers want. */
export function connectPostgres(options: PostgresDbOptions): PostgresDb {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`state.postgres.schema: expected lower-case letters, digits and _, got ${JSON.stringify(schema)}`);
  }
  const address = addressOf(options.url);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    statement_timeout: options.statementTimeoutMs ?? 10_000,
    options: `-c search_path=${schema}`,
    types: typeParsers,
    application_name: 'toolgate',
  });
  // An idle connection that the server drops (a restart, a failover) is reported here; without a listener, the
  // pool's 'error' event would end the process. The next query opens a new connection.
  pool.on('error', () => undefined);
  const queries = (client: pg.Pool | pg.PoolClient): PostgresQueries => ({
    rows: async <R>(sql: string, parameters: readonly unknown[] = []) =>
      (await withAddress(address, () => client.query(sql, [...parameters]))).rows as R[],
    run: async (sql, parameters = []) =>
      (await withAddress(address, () => client.query(sql, [...parameters]))).rowCount ?? 0,
  });
  let closed: Promise<void> | undefined;
  return {
    ...queries(pool),
    address,
    async transaction(work) {
      const client = await withAddress(address, () => pool.connect());
      // A connection that breaks while it is out of the pool emits 'error' on its client, which would end the
      // process with no listener; the query under way (or the next one) fails too, and that is what callers see.
      let broken: unknown;
      const onBroken = (error: unknown) => (broken ??= error);
      client.on('error', onBroken);
      const tx = queries(client);
      try {
        await tx.run('BEGIN');
        const result = await work(tx);
        await tx.run('COMMIT');
        return result;
      } catch (error) {
        // A connection that cannot even roll back is not given back to the pool: it is dropped.
        if (broken === undefined)
          await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError));
        throw error;
      } finally {
        client.removeListener('error', onBroken);
        client.release(broken !== undefined);
      }
    },
    close: () => (closed ??= pool.end().catch(() => undefined)),
  };
}

/**
 * Brings the tables in `schema` up to date: each migration of POSTGRES_MIGRATIONS not yet applied runs, in one
 * transaction with the record of the version, under an advisory lock, so that replicas starting together apply
 * each one once. Resolves with the versions before and after.
 */
export async function migratePostgres(
  db: PostgresDb,
  schema: string,
): Promise<{ readonly from: number; readonly to: number }> {
  return db.transaction(async (tx) => {
    await tx.run('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await tx.run(`CREATE TABLE IF NOT EXISTS ${schema}.toolgate_schema (version INTEGER NOT NULL)`);
    const [row] = await tx.rows<{ version: number }>(`SELECT version FROM ${schema}.toolgate_schema`);
    const from = row?.version ?? 0;
    if (from > POSTGRES_MIGRATIONS.length) {
      throw new Error(
        `The PostgreSQL schema ${schema} at ${db.address} was written by a newer Toolgate (schema ${from}; this one ` +
          `knows ${POSTGRES_MIGRATIONS.length}): run the newer Toolgate, or point state.postgres at another schema`,
      );
    }
    for (const migration of POSTGRES_MIGRATIONS.slice(from)) await tx.run(migration);
    if (row === undefined)
      await tx.run(`INSERT INTO ${schema}.toolgate_schema VALUES ($1)`, [POSTGRES_MIGRATIONS.length]);
    else await tx.run(`UPDATE ${schema}.toolgate_schema SET version = $1`, [POSTGRES_MIGRATIONS.length]);
    return { from, to: POSTGRES_MIGRATIONS.length };
  });
}

/** `host:port/database` of a connection string: never its user or password, which must not reach a log. */
export function addressOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return 'PostgreSQL (the address in state.postgres.url is not a URL)';
  }
}

/** Runs `query`, and on failure says where: pg's own messages ("connect ECONNREFUSED") do not name the database. */
async function withAddress<T>(address: string, query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    if (isConnectionFailure(error)) {
      throw new PostgresUnavailableError(`PostgreSQL at ${address} is unreachable: ${(error as Error).message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** The database could not be reached (or the connection broke): the call is refused, and tried again next time. */
export class PostgresUnavailableError extends Error {
  override readonly name = 'PostgresUnavailableError';
}

/** Errors with no SQLSTATE (sockets, timeouts) and SQLSTATE class 08 (connection exception) or 57P (shutdown). */
function isConnectionFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return error instanceof Error;
  return code.startsWith('08') || code.startsWith('57P') || /^E[A-Z]+$/.test(code);
}
