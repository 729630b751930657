import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../support/databases';
import type { Database } from '../../lib/db';
import { loadConfig } from '../../lib/config';
import { loadInstanceKeys } from '../../lib/crypto';
import { createLogger } from '../../lib/log';
import { setRuntime } from '../../lib/runtime';
import { usageReport } from '../../app/admin/_lib/usage';

describe.each(databaseTargets())('usage report on $name', (target) => {
  let db: Database;
  const now = new Date('2026-11-24T12:30:00Z');
  beforeAll(async () => {
    db = await target.open();
    const config = loadConfig({ CODEX_POOLER_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'), LOG_LEVEL: 'silent' });
    setRuntime({ config, db, keys: loadInstanceKeys(config), log: createLogger('silent'), bootstrapped: true });
    const [a, b] = await Promise.all([db.prisma.pool.create({ data: { name: 'a' } }), db.prisma.pool.create({ data: { name: 'b' } })]);
    const row = (poolId: string, minutesAgo: number, status: number) => ({
      poolId, route: '/backend-api/codex/responses', transport: 'http', model: 'gpt-5.5', status, latencyMs: 10,
      createdAt: new Date(now.getTime() - minutesAgo * 60_000), inputTokens: 100, cachedInputTokens: 40, outputTokens: 10, costMicros: 1500n,
    });
    await db.prisma.requestLog.createMany({ data: [row(a.id, 5, 200), row(a.id, 50, 200), row(a.id, 55, 500), row(b.id, 10, 200), row(a.id, 120, 200)] });
  });
  afterAll(async () => {
    await db?.close();
  });

  it('totals and buckets the last hour in SQL, inside the operator scope', async () => {
    const all = await usageReport('all', '1h', 'pool', undefined, now);
    expect(all.totals).toMatchObject({ requests: 4, success: 3, input: 400, cached: 160, output: 40, costMicros: 6000 });
    expect(all.series.reduce((sum, p) => sum + p.requests, 0)).toBe(4);
    expect(all.series.reduce((sum, p) => sum + p.errors, 0)).toBe(1);
    const poolA = (await db.prisma.pool.findUniqueOrThrow({ where: { name: 'a' } })).id;
    const scoped = await usageReport([poolA], '1h', 'pool', undefined, now);
    expect(scoped.totals.requests).toBe(3);
  });
});
