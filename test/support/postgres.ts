import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, describe, it } from 'vitest';
import { openPostgresDb, type PostgresDb } from '../../src/state/postgres-db.js';

/** The database the tests use: this machine's PostgreSQL, trust auth. TOOLGATE_TEST_POSTGRES_URL points elsewhere. */
export const POSTGRES_URL = process.env.TOOLGATE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Why the PostgreSQL tests cannot run here, or null when the server answers at POSTGRES_URL. */
async function postgresUnavailable(): Promise<string | null> {
  const probe = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2_000 });
  try {
    await probe.connect();
    await probe.query('SELECT 1');
    return null;
  } catch (error) {
    return `no PostgreSQL at ${POSTGRES_URL} (${(error as Error).message})`;
  } finally {
    await probe.end().catch(() => undefined);
  }
}

/** Null when PostgreSQL answers; else why not (a test file prints it once, and fails under CI). */
export const postgresMissing = await postgresUnavailable();

/**
 * `describe` when PostgreSQL answers. Elsewhere the suite is skipped with its reason printed, except under CI
 * (CI=true), where one failing test says PostgreSQL was expected: CI must never pass by skipping.
 */
export function describePostgres(name: string, suite: () => void): void {
  if (postgresMissing === null) {
    describe(name, suite);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () =>
      it('needs PostgreSQL, which CI provides', () => {
        throw new Error(`${postgresMissing}: CI runs the PostgreSQL tests, start PostgreSQL on 127.0.0.1:5432`);
      }),
    );
    return;
  }
  console.warn(`Skipping "${name}": ${postgresMissing}. Start PostgreSQL on 127.0.0.1:5432 (database test) to run it.`);
  describe.skip(name, suite);
}

const schemas: string[] = [];
const opened: PostgresDb[] = [];

/** A schema no other test uses, for openPostgresDb's `schema`; dropped with its tables after the file's tests. */
export function freshSchema(): string {
  const schema = `toolgate_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  schemas.push(schema);
  return schema;
}

/** A database on a fresh schema, migrated; closed after the file's tests. */
export async function freshPostgres(schema = freshSchema()): Promise<PostgresDb> {
  const db = await openPostgresDb({ url: POSTGRES_URL, schema });
  opened.push(db);
  return db;
}

afterAll(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close()));
  if (postgresMissing !== null || schemas.length === 0) return;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    for (const schema of schemas.splice(0)) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await admin.end();
  }
});

/**
 * A TCP proxy to the test PostgreSQL, for tests of a database that goes away and comes back: `stop` closes it and
 * cuts every connection through it, `start(port)` listens again where it was.
 */
export class PostgresProxy {
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();

  /** Listens on `port`, or on one the system gives; resolves with the port. */
  async start(port = 0): Promise<number> {
    const target = new URL(POSTGRES_URL);
    const server = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          this.#sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.#server = server;
    return (server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  /** POSTGRES_URL, through the proxy listening on `port`. */
  static url(port: number): string {
    const url = new URL(POSTGRES_URL);
    url.hostname = '127.0.0.1';
    url.port = String(port);
    return url.toString();
  }
}
