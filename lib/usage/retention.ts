import type { Database } from '../db';
import type { Logger } from '../log';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Key limits count tokens over a week at most; a day more keeps the bucket a week-long sum needs. */
const USAGE_BUCKET_KEEP_MS = 8 * DAY_MS;
/** Rows deleted per statement, so no delete holds its locks for long. */
const DELETE_BATCH = 5_000;

export type RetentionCounts = { requestLogs: number; usageBuckets: number; affinities: number; files: number };

/**
 * Deletes what has outlived its use: request logs (and their attempts) older than
 * `requestLogDays`, per-minute key usage buckets no limit reads any more, and expired routing
 * affinities and file pins. Every gateway process may run it; the deletes are idempotent.
 */
export async function pruneExpired(db: Database, now: number, requestLogDays: number): Promise<RetentionCounts> {
  return {
    requestLogs: await deleteInBatches(db, 'RequestLog', '"createdAt" < $1', new Date(now - requestLogDays * DAY_MS)),
    usageBuckets: await deleteInBatches(db, 'ApiKeyUsageBucket', '"bucketStart" < $1', new Date(now - USAGE_BUCKET_KEEP_MS)),
    affinities: await deleteInBatches(db, 'RoutingAffinity', '"expiresAt" < $1', new Date(now)),
    files: await deleteInBatches(db, 'CodexFile', '"expiresAt" < $1', new Date(now)),
  };
}

/** Deletes matching rows a batch at a time (by row address: not every table has an id column). */
async function deleteInBatches(db: Database, table: string, condition: string, before: Date): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await db.sql<{ n: number }>(
      `WITH gone AS (DELETE FROM "${table}" WHERE ctid IN (SELECT ctid FROM "${table}" WHERE ${condition} LIMIT ${DELETE_BATCH}) RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [before],
    );
    const deleted = rows[0]?.n ?? 0;
    total += deleted;
    if (deleted < DELETE_BATCH) return total;
  }
}

/** Runs `pruneExpired` every hour in the background. */
export class RetentionSweeper {
  private readonly timer: NodeJS.Timeout;

  constructor(db: Database, log: Logger, clock: () => number, requestLogDays: () => number) {
    this.timer = setInterval(() => {
      pruneExpired(db, clock(), requestLogDays()).then(
        (counts) => log.debug({ counts }, 'expired rows deleted'),
        (err: unknown) => log.warn({ err }, 'expired rows were not deleted'),
      );
    }, HOUR_MS).unref();
  }

  close() {
    clearInterval(this.timer);
  }
}
