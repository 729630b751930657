import pg from 'pg';
import { randomBytes } from 'node:crypto';

export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const PREFIX = 'codex_pooler_test_';

/**
 * Names this run's databases share, so the run can drop them when it ends: the PostgreSQL a
 * machine keeps between runs must not fill with throwaway databases. Set by the test runners'
 * global set-up (inherited by their workers); a process on its own gets one of its own.
 */
export function testRunId(): string {
  process.env.CODEX_POOLER_TEST_RUN ??= randomBytes(4).toString('hex');
  return process.env.CODEX_POOLER_TEST_RUN;
}

async function withAdmin<T>(use: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.end();
  }
}

/** Creates a throwaway PostgreSQL database and returns its URL. */
export async function createPostgresDatabase(): Promise<string> {
  const name = `${PREFIX}${testRunId()}_${randomBytes(6).toString('hex')}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Drops the databases this run created; connections still open are ended. Quiet when PostgreSQL
 * is not there: tests that need it have already said so.
 */
export async function dropTestDatabases(): Promise<number> {
  const pattern = `${PREFIX}${testRunId()}\\_%`;
  return withAdmin(async (admin) => {
    const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [pattern]);
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    return rows.length;
  }).catch((error: unknown) => {
    if ((error as { code?: string }).code !== 'ECONNREFUSED') console.warn(`test databases were not dropped: ${String(error)}`);
    return 0;
  });
}
