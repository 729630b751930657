import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../support/databases';
import type { Database } from '../../lib/db';
import { pruneExpired } from '../../lib/usage/retention';

describe.each(databaseTargets())('retention on $name', (target) => {
  let db: Database;
  const now = new Date('2026-11-24T12:00:00Z').getTime();
  const daysAgo = (days: number) => new Date(now - days * 24 * 3_600_000);
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('deletes request logs past the retention (with their attempts), old usage buckets, expired affinities and expired file pins, and keeps the rest', async () => {
    const pool = await db.prisma.pool.create({ data: { name: 'p' } });
    const key = await db.prisma.apiKey.create({ data: { poolId: pool.id, prefix: 'cpk_retain01', keyHash: 'a'.repeat(64), name: 'k' } });
    const log = (createdAt: Date) => ({ poolId: pool.id, route: '/backend-api/codex/responses', transport: 'http', status: 200, latencyMs: 5, createdAt });
    const old = await db.prisma.requestLog.create({ data: { ...log(daysAgo(91)), attempts: { create: [{ number: 1, status: 200, latencyMs: 5, retryable: false, createdAt: daysAgo(91) }] } } });
    const recent = await db.prisma.requestLog.create({ data: log(daysAgo(89)) });
    await db.prisma.apiKeyUsageBucket.createMany({
      data: [
        { apiKeyId: key.id, bucketStart: daysAgo(9), requests: 1, tokens: 10 },
        { apiKeyId: key.id, bucketStart: daysAgo(6), requests: 1, tokens: 10 },
      ],
    });
    const affinity = (keyHash: string, expiresAt: Date) => ({ poolId: pool.id, kind: 'session' as const, keyHash, accountId: 'acct', expiresAt });
    await db.prisma.routingAffinity.createMany({ data: [affinity('gone', daysAgo(1)), affinity('live', daysAgo(-1))] });
    const file = (fileId: string, expiresAt: Date) => ({ poolId: pool.id, fileId, accountId: 'acct', expiresAt });
    await db.prisma.codexFile.createMany({ data: [file('file_gone', daysAgo(1)), file('file_live', daysAgo(-1))] });

    expect(await pruneExpired(db, now, 90)).toEqual({ requestLogs: 1, usageBuckets: 1, affinities: 1, files: 1 });
    expect((await db.prisma.requestLog.findMany()).map((r) => r.id)).toEqual([recent.id]);
    expect(await db.prisma.requestAttempt.count({ where: { requestId: old.id } })).toBe(0);
    expect((await db.prisma.apiKeyUsageBucket.findMany()).map((b) => b.bucketStart)).toEqual([daysAgo(6)]);
    expect((await db.prisma.routingAffinity.findMany()).map((a) => a.keyHash)).toEqual(['live']);
    expect((await db.prisma.codexFile.findMany()).map((f) => f.fileId)).toEqual(['file_live']);
    // Nothing more to do: a second sweep deletes nothing.
    expect(await pruneExpired(db, now, 90)).toEqual({ requestLogs: 0, usageBuckets: 0, affinities: 0, files: 0 });
  });
});
