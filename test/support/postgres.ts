import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, expect } from 'vitest';
import { describeNeeding } from './needs-service.js';
import {
  connectPostgres,
  openPostgresDb,
  PostgresUnavailableError,
  type PostgresDb,
} from '../../src/state/postgres-db.js';

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

/** `describe` when PostgreSQL answers; else skipped with the reason, or failing under CI (see describeNeeding). */
export function describePostgres(name: string, suite: () => void): void {
  describeNeeding(
    { name: 'PostgreSQL', missing: postgresMissing, howToStart: 'start PostgreSQL on 127.0.0.1:5432 (database test)' },
    name,
    suite,
  );
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

/** A port on 127.0.0.1 where nothing listens (taken, then freed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A database whose server cannot be reached (a closed port on 127.0.0.1); closed after the file's tests. */
export async function unreachablePostgres(): Promise<{ readonly db: PostgresDb; readonly port: number }> {
  const port = await closedPort();
  const db = connectPostgres({ url: `postgres://toolgate@127.0.0.1:${port}/prod`, connectTimeoutMs: 1_000 });
  opened.push(db);
  return { db, port };
}

/** Expects `call` to reject as a store on unreachablePostgres's database must: PostgresUnavailableError, naming it. */
export async function expectUnreachable(call: Promise<unknown>, port: number): Promise<void> {
  const failure = await call.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(PostgresUnavailableError);
  expect((failure as Error).message).toMatch(new RegExp(`^PostgreSQL at 127\\.0\\.0\\.1:${port}/prod is unreachable`));
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

/** Where the test PostgreSQL listens, for a TcpRelay to it. */
export function postgresTarget(): { host: string; port: number } {
  const url = new URL(POSTGRES_URL);
  return { host: url.hostname, port: Number(url.port || 5432) };
}

/** POSTGRES_URL, through a relay listening on `port` (see test/support/tcp-relay.ts). */
export function postgresUrlVia(port: number): string {
  const url = new URL(POSTGRES_URL);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.toString();
}
