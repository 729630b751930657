import type { Database } from '../db';
import { keyedHash } from '../crypto';

/**
 * Login throttling: failures are counted per account (email) and per client IP over a sliding
 * window; past the limit every attempt fails with the same generic message until the window
 * passes. Counted in PostgreSQL, so the limit holds across every process; the subjects stored are
 * keyed hashes, never emails or addresses.
 */
const WINDOW_MS = 15 * 60 * 1000;
const LIMITS = { account: 5, ip: 20 } as const;

type Subject = { kind: keyof typeof LIMITS; hash: string };

export type ThrottleStore = { db: Database; hashKey: Buffer };

function subjects({ hashKey }: ThrottleStore, email: string, ip: string | null): Subject[] {
  const list: Subject[] = [{ kind: 'account', hash: keyedHash(hashKey, `login-account:${email}`) }];
  if (ip) list.push({ kind: 'ip', hash: keyedHash(hashKey, `login-ip:${ip}`) });
  return list;
}

/**
 * Counts this sign-in attempt as a failure, then says whether its email or IP is past the limit,
 * this attempt included. Counting first means parallel attempts see each other: at most the limit
 * of them get through, across every process. A success takes its attempt back (`clearFailures`).
 */
export async function registerAttempt(store: ThrottleStore, email: string, ip: string | null, now = Date.now()): Promise<boolean> {
  const list = subjects(store, email, ip);
  const hashes = JSON.stringify(list.map((s) => s.hash));
  const windowStart = new Date(now - WINDOW_MS).toISOString();
  await store.db.sql(
    `WITH expired AS (DELETE FROM "LoginFailure" WHERE "createdAt" <= $3)
     INSERT INTO "LoginFailure" ("subject", "createdAt") SELECT json_array_elements_text($1::json), $2::timestamp(3)`,
    [hashes, new Date(now).toISOString(), windowStart],
  );
  const rows = await store.db.sql<{ subject: string; failures: number }>(
    `SELECT "subject", count(*)::int AS failures FROM "LoginFailure"
      WHERE "subject" IN (SELECT json_array_elements_text($1::json)) AND "createdAt" > $2
      GROUP BY "subject"`,
    [hashes, windowStart],
  );
  return list.some(({ kind, hash }) => (rows.find((row) => row.subject === hash)?.failures ?? 0) > LIMITS[kind]);
}

/** After a successful sign-in: the account starts afresh, and the IP gets this attempt back. */
export async function clearFailures(store: ThrottleStore, email: string, ip: string | null = null): Promise<void> {
  const [account, address] = subjects(store, email, ip);
  await store.db.sql(`DELETE FROM "LoginFailure" WHERE "subject" = $1`, [account!.hash]);
  if (address) {
    await store.db.sql(
      `DELETE FROM "LoginFailure" WHERE "id" = (SELECT "id" FROM "LoginFailure" WHERE "subject" = $1 ORDER BY "id" DESC LIMIT 1)`,
      [address.hash],
    );
  }
}
