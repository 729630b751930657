import { createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { openDatabase, MIGRATIONS_DIR } from '../../lib/db';
import { readMigrations } from '../../lib/db/migrator';
import { createPostgresDatabase } from '../support/postgres';

describe('boot migrator on PostgreSQL', () => {
  it('is safe when two processes boot at once and records what prisma migrate deploy expects', async () => {
    const url = await createPostgresDatabase();
    const [a, b] = await Promise.all([openDatabase({ databaseUrl: url }), openDatabase({ databaseUrl: url })]);
    await Promise.all([a.close(), b.close()]);
    const again = await openDatabase({ databaseUrl: url });
    await again.close();

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query(
      'SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
    );
    await client.end();
    const expected = readMigrations(MIGRATIONS_DIR);
    expect(rows.map((r) => r.migration_name)).toEqual(expected.map((m) => m.name));
    expect(rows.map((r) => r.checksum)).toEqual(expected.map((m) => m.checksum));
    for (const row of rows) {
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
  });
});

describe('a database whose server ends idle connections', () => {
  it('goes on with new connections, lock connections included', async () => {
    const url = await createPostgresDatabase();
    const db = await openDatabase({ databaseUrl: url });
    try {
      // One idle connection in each pool: the main one and the advisory-lock one.
      await db.withAdvisoryLock('test', () => db.sql('SELECT 1'));
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      const { rowCount } = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
      await admin.end();
      expect(rowCount).toBeGreaterThanOrEqual(2);
      // The pools hear of it as errors on idle clients, which must not end the process.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await db.withAdvisoryLock('test', () => db.sql('SELECT 2 AS two'))).toEqual([{ two: 2 }]);
    } finally {
      await db.close();
    }
  });

  it('goes on when the server ends a lock connection while its lock is held', async () => {
    const url = await createPostgresDatabase();
    const db = await openDatabase({ databaseUrl: url });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      // The work under the lock (a token refresh) outlives its connection; the server has
      // released the lock with it, and the work's own result stands.
      const result = await db.withAdvisoryLock('held', async () => {
        const { rowCount } = await admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_advisory_lock%' AND pid <> pg_backend_pid()",
        );
        expect(rowCount).toBe(1);
        await new Promise((resolve) => setTimeout(resolve, 200));
        return 'refreshed';
      });
      expect(result).toBe('refreshed');
      expect(await db.withAdvisoryLock('held', () => db.sql('SELECT 3 AS three'))).toEqual([{ three: 3 }]);
    } finally {
      await admin.end();
      await db.close();
    }
  });
});

describe('advisory locks', () => {
  it('queue when every lock connection is held, for longer than the connect timeout', async () => {
    const url = await createPostgresDatabase();
    const db = await openDatabase({ databaseUrl: url });
    try {
      // Five refreshes of different accounts, each 5.5 s long (a slow auth server): four lock
      // connections, so the fifth waits past the 5 s connect timeout for one.
      const held = await Promise.all(
        Array.from({ length: 5 }, (_, i) => db.withAdvisoryLock(`slow-${i}`, () => new Promise<number>((resolve) => setTimeout(() => resolve(i), 5_500)))),
      );
      expect(held).toEqual([0, 1, 2, 3, 4]);
    } finally {
      await db.close();
    }
  }, 20_000);
});

describe('a database that does not answer', () => {
  it('fails to open within seconds instead of hanging', async () => {
    // Accepts connections and never says a word, as a partitioned or failing-over server does.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const started = Date.now();
    try {
      await expect(openDatabase({ databaseUrl: `postgres://postgres@127.0.0.1:${port}/none` })).rejects.toThrow(/timeout/i);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  }, 20_000);
});
