import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client';
import { applyMigrations, readMigrations } from './migrator';
import { Slots } from './slots';

export type DatabaseKind = 'postgres' | 'pglite';

export type Database = {
  kind: DatabaseKind;
  prisma: PrismaClient;
  /** Raw SQL outside Prisma: advisory locks, counters that must be atomic across processes. */
  sql: <T>(text: string, params?: unknown[]) => Promise<T[]>;
  /**
   * Runs `fn` while holding a PostgreSQL session advisory lock on its own connection, so other
   * processes wait but this process's other queries do not (no transaction spans `fn`'s network
   * calls). The embedded database has one process, whose own single-flight is enough.
   */
  withAdvisoryLock: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  ping: () => Promise<boolean>;
  close: () => Promise<void>;
};

/** prisma/migrations beside package.json; the app is always started from the project root. */
export const MIGRATIONS_DIR = path.resolve('prisma/migrations');

export type OpenOptions = { databaseUrl?: string; dataDir?: string; inMemory?: boolean };

/**
 * A database that does not answer must not hold requests (with their bodies) forever: connects
 * give up after 5 s, queries after a minute, and idle connections are kept alive so a dead peer is
 * noticed. Advisory-lock waits have no query limit: they last as long as another process's refresh.
 */
const CONNECT_TIMEOUT_MS = 5_000;
const QUERY_TIMEOUT_MS = 60_000;

/** Advisory locks held at once by one process (token refreshes of different accounts). */
const LOCK_CONNECTIONS = 4;


export async function openDatabase(options: OpenOptions): Promise<Database> {
  const migrations = readMigrations(MIGRATIONS_DIR);
  if (options.databaseUrl) {
    const migrator = new pg.Client({ connectionString: options.databaseUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    await migrator.connect();
    try {
      // Without parameters pg uses the simple protocol, which accepts a multi-statement script.
      await applyMigrations({
          query: async (text, params) => ({ rows: (await migrator.query(text, params)).rows as never }),
          exec: (text) => migrator.query(text),
        }, migrations);
    } finally {
      await migrator.end();
    }
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, query_timeout: QUERY_TIMEOUT_MS, keepAlive: true });
    // Advisory locks are held on connections of their own: a holder's work queries the main pool,
    // and holders that took its connections would wait on each other forever.
    const lockPool = new pg.Pool({ connectionString: options.databaseUrl, max: LOCK_CONNECTIONS, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true });
    // Lock holders queue here rather than in the pool, whose queue gives up after the connect
    // timeout: a burst of refreshes against a slow auth server would otherwise fail after 5 s.
    const lockSlots = new Slots(LOCK_CONNECTIONS);
    // An idle connection the server ends (a restart, a failover, an administrator) is dropped
    // from its pool and replaced on next use; unheard, the pool's error would end the process.
    for (const idle of [pool, lockPool]) idle.on('error', () => undefined);
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    return {
      kind: 'postgres',
      prisma,
      sql: async (text, params) => (await pool.query(text, params)).rows,
      withAdvisoryLock: (name, fn) =>
        lockSlots.run(async () => {
          const client = await lockPool.connect();
          // A held connection the server ends reports here (the pool hears only idle ones); the
          // server has dropped the lock with it, and the connection is thrown away on release.
          let lost: Error | undefined;
          const onError = (error: Error) => (lost = error);
          client.on('error', onError);
          try {
            await client.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
            try {
              return await fn();
            } finally {
              if (!lost) await client.query('SELECT pg_advisory_unlock(hashtext($1))', [name]).catch((error: Error) => (lost = error));
            }
          } finally {
            client.off('error', onError);
            client.release(lost);
          }
        }),
      ping: async () => pingWithin(pool.query('SELECT 1')),
      close: async () => {
        await prisma.$disconnect();
        await Promise.all([pool.end(), lockPool.end()]);
      },
    };
  }
  if (!options.inMemory && !options.dataDir) throw new Error('openDatabase needs databaseUrl, dataDir or inMemory');
  let dir: string | undefined;
  if (!options.inMemory) {
    dir = path.join(options.dataDir!, 'pglite');
    // PGlite does not create parent folders itself.
    mkdirSync(dir, { recursive: true });
  }
  const lite = new PGlite(dir);
  await lite.waitReady;
  await applyMigrations(lite, migrations);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(lite) });
  return {
    kind: 'pglite',
    prisma,
    sql: async (text, params) => (await lite.query(text, params)).rows as never,
    withAdvisoryLock: (_name, fn) => fn(),
    ping: async () => pingWithin(lite.query('SELECT 1')),
    close: async () => {
      await prisma.$disconnect();
      await lite.close();
    },
  };
}

async function pingWithin(query: Promise<unknown>, ms = 1000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([query.then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
