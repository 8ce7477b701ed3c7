import { expect, it } from 'vitest';
import {
  closedPort,
  describePostgres,
  freshPostgres,
  freshSchema,
  POSTGRES_URL,
  postgresTarget,
  postgresUrlVia,
} from '../../test/support/postgres.js';
import { startTcpRelay } from '../../test/support/tcp-relay.js';
import {
  addressOf,
  connectPostgres,
  migratePostgres,
  openPostgresDb,
  PostgresUnavailableError,
} from './postgres-db.js';
import { POSTGRES_MIGRATIONS } from './postgres-schema.js';

describePostgres('PostgresDb', () => {
  it('creates its schema and every table, and records the version', async () => {
    const schema = freshSchema();
    const db = await freshPostgres(schema);
    const tables = await db.rows<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
      [schema],
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      'approvals',
      'audit_records',
      'console_sessions',
      'grants',
      'members',
      'pin_servers',
      'pin_tools',
      'policy_versions',
      'toolgate_schema',
    ]);
    expect(await db.rows('SELECT version FROM toolgate_schema')).toEqual([{ version: POSTGRES_MIGRATIONS.length }]);
  });

  it('applies each migration once when replicas start together', async () => {
    const schema = freshSchema();
    const dbs = await Promise.all([1, 2, 3].map(() => freshPostgres(schema)));
    const again = await migratePostgres(dbs[0]!, schema);
    expect(again).toEqual({ from: POSTGRES_MIGRATIONS.length, to: POSTGRES_MIGRATIONS.length });
    expect(await dbs[1]!.rows('SELECT version FROM toolgate_schema')).toHaveLength(1);
  });

  it('refuses a schema written by a newer Toolgate, naming it', async () => {
    const schema = freshSchema();
    const db = await freshPostgres(schema);
    await db.run('UPDATE toolgate_schema SET version = 999');
    await expect(openPostgresDb({ url: POSTGRES_URL, schema })).rejects.toThrow(
      new RegExp(`schema ${schema} at 127\\.0\\.0\\.1:5432/test was written by a newer Toolgate \\(schema 999`),
    );
  });

  it('reads BIGINT times as numbers and BYTEA as Buffers', async () => {
    const db = await freshPostgres();
    await db.run('INSERT INTO members VALUES ($1, $2, $3, $4)', ['ada', 'admin', 'h', 2 ** 52]);
    expect(await db.rows('SELECT created_at FROM members')).toEqual([{ created_at: 2 ** 52 }]);
    const [row] = await db.rows<{ b: unknown }>("SELECT '\\x0102'::bytea AS b");
    expect(Buffer.isBuffer(row!.b) && [...row!.b]).toEqual([1, 2]);
  });

  it('commits a transaction that resolves and rolls back one that rejects', async () => {
    const db = await freshPostgres();
    await db.transaction((tx) => tx.run("INSERT INTO members VALUES ('ada', 'admin', 'h', 1)"));
    await expect(
      db.transaction(async (tx) => {
        await tx.run("INSERT INTO members VALUES ('bob', 'admin', 'h', 1)");
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await db.rows('SELECT name FROM members')).toEqual([{ name: 'ada' }]);
  });

  it('rejects a transaction whose connection breaks, as unreachable, and works again once the database is back', async () => {
    const schema = freshSchema();
    await freshPostgres(schema);
    const proxy = await startTcpRelay(postgresTarget());
    const { port } = proxy;
    const db = connectPostgres({ url: postgresUrlVia(port), schema, connectTimeoutMs: 1_000 });
    try {
      // Broken between two statements: the connection's own 'error' must not end the process.
      const failure = await db
        .transaction(async (tx) => {
          await tx.run("INSERT INTO members VALUES ('ada', 'admin', 'h', 1)");
          await proxy.cut();
          await new Promise((resume) => setTimeout(resume, 20));
          await tx.run("INSERT INTO members VALUES ('bob', 'admin', 'h', 1)");
        })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(PostgresUnavailableError);
      // Broken in the pool, while idle: the next transaction fails as unreachable rather than on a dead socket.
      await proxy.restore();
      await db.rows('SELECT 1');
      await proxy.cut();
      await expect(db.transaction((tx) => tx.rows('SELECT 1'))).rejects.toBeInstanceOf(PostgresUnavailableError);
      await proxy.restore();
      await expect(db.transaction((tx) => tx.rows('SELECT 1 AS one'))).resolves.toEqual([{ one: 1 }]);
      expect(await db.rows('SELECT name FROM members')).toEqual([]);
    } finally {
      await db.close();
      await proxy.cut();
    }
  });

  it('says which database is unreachable, without the password', async () => {
    const port = await closedPort();
    const db = connectPostgres({ url: `postgres://toolgate:s3cret@127.0.0.1:${port}/prod`, connectTimeoutMs: 1_000 });
    try {
      const failure = await db.rows('SELECT 1').catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(PostgresUnavailableError);
      expect((failure as Error).message).toMatch(
        new RegExp(`^PostgreSQL at 127\\.0\\.0\\.1:${port}/prod is unreachable`),
      );
      expect((failure as Error).message).not.toContain('s3cret');
    } finally {
      await db.close();
    }
  });
});

it('names a database by host, port and name only', () => {
  expect(addressOf('postgres://u:p@db.internal/toolgate?sslmode=require')).toBe('db.internal:5432/toolgate');
  expect(addressOf('not a url')).toMatch(/not a URL/);
});

it('refuses a schema name that is not a plain identifier', () => {
  expect(() => connectPostgres({ url: POSTGRES_URL, schema: 'x; DROP TABLE grants' })).toThrow(
    /state\.postgres\.schema/,
  );
});
