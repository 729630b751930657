import type { Database } from '../db';
import { AppError } from '../errors';
import type { AuthenticatedKey } from './keys';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 3600_000;

/**
 * Per-key request and token limits, counted in PostgreSQL so every gateway process shares them.
 * Keys without limits never reach the database here.
 */
export class KeyLimiter {
  constructor(private readonly db: Database) {}

  async admit(key: AuthenticatedKey, now: number): Promise<void> {
    const bucket = new Date(now - (now % MINUTE_MS));
    if (key.requestsPerMinute !== null) {
      const [row] = await this.db.sql<{ requests: number }>(
        `INSERT INTO "ApiKeyUsageBucket" ("apiKeyId", "bucketStart", "requests", "tokens") VALUES ($1, $2, 1, 0)
         ON CONFLICT ("apiKeyId", "bucketStart") DO UPDATE SET "requests" = "ApiKeyUsageBucket"."requests" + 1
         RETURNING "requests"`,
        [key.id, bucket],
      );
      if (row && row.requests > key.requestsPerMinute) {
        const retryAfter = Math.max(1, Math.ceil((bucket.getTime() + MINUTE_MS - now) / 1000));
        throw limitExceeded(`requests per minute (${key.requestsPerMinute})`, retryAfter);
      }
    }
    if (key.tokensPerDay !== null) {
      const dayStart = now - (now % DAY_MS);
      if ((await this.tokensSince(key.id, dayStart)) >= key.tokensPerDay) {
        throw limitExceeded(`tokens per day (${key.tokensPerDay})`, Math.ceil((dayStart + DAY_MS - now) / 1000));
      }
    }
    if (key.tokensPerWeek !== null && (await this.tokensSince(key.id, now - 7 * DAY_MS)) >= key.tokensPerWeek) {
      throw limitExceeded(`tokens per week (${key.tokensPerWeek})`, 3600);
    }
  }

  /** Counts a finished request's tokens against the key's day and week limits; never throws. */
  async recordTokens(key: AuthenticatedKey, tokens: number, now: number): Promise<void> {
    if (tokens <= 0 || (key.tokensPerDay === null && key.tokensPerWeek === null)) return;
    await this.db
      .sql(
      `INSERT INTO "ApiKeyUsageBucket" ("apiKeyId", "bucketStart", "requests", "tokens") VALUES ($1, $2, 0, $3)
       ON CONFLICT ("apiKeyId", "bucketStart") DO UPDATE SET "tokens" = "ApiKeyUsageBucket"."tokens" + EXCLUDED."tokens"`,
        [key.id, new Date(now - (now % MINUTE_MS)), tokens],
      )
      .catch(() => undefined);
  }

  private async tokensSince(apiKeyId: string, since: number): Promise<number> {
    const [row] = await this.db.sql<{ total: string | number | null }>(
      `SELECT COALESCE(SUM("tokens"), 0) AS total FROM "ApiKeyUsageBucket" WHERE "apiKeyId" = $1 AND "bucketStart" >= $2`,
      [apiKeyId, new Date(since)],
    );
    return Number(row?.total ?? 0);
  }
}

function limitExceeded(what: string, retryAfterSeconds: number): AppError {
  return new AppError('api_key_policy_limit_exceeded', `this API key's limit of ${what} is used up`, 429, null, {
    'retry-after': String(retryAfterSeconds),
  });
}
