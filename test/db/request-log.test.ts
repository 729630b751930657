import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../support/databases';
import type { Database } from '../../lib/db';
import { createLogger } from '../../lib/log';
import { NO_USAGE } from '../../lib/usage/pricing';
import { RequestLogWriter, type RequestRecord } from '../../lib/usage/request-log';

const row = (status: number): RequestRecord => ({
  createdAt: new Date(),
  poolId: null,
  apiKeyId: null,
  accountId: null,
  route: '/backend-api/codex/responses',
  transport: 'http',
  model: 'gpt-5.5',
  status,
  errorClass: null,
  errorCode: null,
  latencyMs: 3,
  ttfbMs: 1,
  usage: NO_USAGE,
  costMicros: 0n,
  attempts: [{ accountId: 'acct', status, latencyMs: 3, ttfbMs: 1, retryable: false, errorClass: null, errorCode: null }],
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(databaseTargets())('request log writer on $name', (target) => {
  let db: Database;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('writes a steady stream of requests in batches, one per interval, not each request alone', async () => {
    // The real database, with each statement taking 10 ms longer, as a busy server's would.
    const statements: string[] = [];
    const slowed: Database = {
      ...db,
      sql: async (text, params) => {
        statements.push(text);
        await sleep(10);
        return db.sql(text, params);
      },
    };
    const writer = new RequestLogWriter(slowed, createLogger('silent'), { intervalMs: 100, maxBatch: 500 });
    // A request every 5 ms for 300 ms: the first batch goes out after 100 ms; rows that arrive
    // while it is written wait for their own interval rather than following it one or two at a time.
    for (let i = 0; i < 60; i++) {
      writer.record(row(200 + (i % 2)));
      await sleep(5);
    }
    await writer.flush();
    const logWrites = statements.filter((text) => text.includes('"RequestLog"')).length;
    expect(logWrites).toBeGreaterThanOrEqual(2);
    expect(logWrites).toBeLessThanOrEqual(5);
    expect(await db.prisma.requestLog.count()).toBe(60);
    expect(await db.prisma.requestAttempt.count()).toBe(60);
  });

  it('flush writes what arrives while it writes, and a full batch goes out at once', async () => {
    const writer = new RequestLogWriter(db, createLogger('silent'), { intervalMs: 60_000, maxBatch: 3 });
    const before = await db.prisma.requestLog.count();
    writer.record(row(200));
    writer.record(row(200));
    writer.record(row(200));
    // A full batch does not wait for the (minute-long) interval.
    await expect.poll(() => db.prisma.requestLog.count()).toBe(before + 3);
    writer.record(row(500));
    const flushed = writer.flush();
    writer.record(row(502));
    await flushed;
    expect(await db.prisma.requestLog.count()).toBe(before + 5);
  });
});
