import type { Prisma } from '@/lib/db/generated/client';
import { getRuntime } from '@/lib/runtime';
import type { PoolScope } from '@/lib/auth';

export const WINDOWS = { '1h': { ms: 3_600_000, bucketMs: 300_000 }, '24h': { ms: 86_400_000, bucketMs: 3_600_000 }, '7d': { ms: 7 * 86_400_000, bucketMs: 6 * 3_600_000 }, '30d': { ms: 30 * 86_400_000, bucketMs: 86_400_000 } } as const;
export type WindowName = keyof typeof WINDOWS;
export const DIMENSIONS = { pool: 'poolId', key: 'apiKeyId', account: 'accountId', model: 'model' } as const;
export type Dimension = keyof typeof DIMENSIONS;

export type UsagePoint = { t: string; requests: number; errors: number; input: number; cached: number; output: number; cost: number };

/** Totals, a time series and a breakdown for a window, inside the operator's scope. */
export async function usageReport(scope: PoolScope, windowName: WindowName, dimension: Dimension, poolId?: string, now = new Date()) {
  const { prisma } = getRuntime().db;
  const { ms, bucketMs } = WINDOWS[windowName];
  const since = new Date(now.getTime() - ms);
  const and: Prisma.RequestLogWhereInput[] = [{ createdAt: { gte: since } }];
  if (scope !== 'all') and.push({ poolId: { in: scope } });
  if (poolId) and.push({ poolId });
  const where = { AND: and };

  // Bucketed in PostgreSQL: the page never reads individual rows, however busy the window was.
  const params: unknown[] = [since, bucketMs];
  let filter = '';
  if (scope !== 'all') {
    params.push(scope);
    filter += ` AND "poolId" = ANY($${params.length}::text[])`;
  }
  if (poolId) {
    params.push(poolId);
    filter += ` AND "poolId" = $${params.length}`;
  }
  const buckets = await getRuntime().db.sql<{ b: string | number; requests: number; errors: number; input: string | number; cached: string | number; output: string | number; cost: string | number }>(
    `SELECT floor(extract(epoch FROM "createdAt") * 1000 / $2)::bigint AS b, count(*)::int AS requests,
            count(*) FILTER (WHERE "status" >= 400)::int AS errors, sum("inputTokens")::bigint AS input,
            sum("cachedInputTokens")::bigint AS cached, sum("outputTokens")::bigint AS output, sum("costMicros")::bigint AS cost
       FROM "RequestLog" WHERE "createdAt" >= $1${filter} GROUP BY b`,
    params,
  );
  const start = Math.floor(since.getTime() / bucketMs) * bucketMs;
  const count = Math.ceil((now.getTime() - start) / bucketMs);
  const series: UsagePoint[] = Array.from({ length: count }, (_, i) => ({ t: new Date(start + i * bucketMs).toISOString(), requests: 0, errors: 0, input: 0, cached: 0, output: 0, cost: 0 }));
  const totals = { requests: 0, success: 0, input: 0, cached: 0, output: 0, costMicros: 0 };
  for (const row of buckets) {
    const [input, cached, output, cost] = [Number(row.input), Number(row.cached), Number(row.output), Number(row.cost)];
    totals.requests += row.requests;
    totals.success += row.requests - row.errors;
    totals.input += input;
    totals.cached += cached;
    totals.output += output;
    totals.costMicros += cost;
    const p = series[Math.min(count - 1, Math.max(0, Math.floor((Number(row.b) * bucketMs - start) / bucketMs)))];
    if (p) {
      p.requests += row.requests;
      p.errors += row.errors;
      p.input += input - cached;
      p.cached += cached;
      p.output += output;
      p.cost += cost / 1_000_000;
    }
  }

  const field = DIMENSIONS[dimension];
  const groups = await prisma.requestLog.groupBy({
    by: [field],
    where,
    _count: { _all: true },
    _sum: { inputTokens: true, cachedInputTokens: true, outputTokens: true, costMicros: true },
  });
  const ids = groups.map((g) => g[field as keyof typeof g] as string | null).filter((x): x is string => !!x);
  const label = new Map<string, string>();
  if (dimension === 'pool') (await prisma.pool.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } })).forEach((p) => label.set(p.id, p.name));
  if (dimension === 'key') (await prisma.apiKey.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } })).forEach((k) => label.set(k.id, k.name));
  if (dimension === 'account') (await prisma.upstreamAccount.findMany({ where: { id: { in: ids } }, select: { id: true, label: true } })).forEach((a) => label.set(a.id, a.label));
  const breakdown = groups
    .map((g) => {
      const id = g[field as keyof typeof g] as string | null;
      return {
        name: id ? (label.get(id) ?? id) : '(none)',
        requests: g._count._all,
        tokens: (g._sum.inputTokens ?? 0) + (g._sum.outputTokens ?? 0),
        cached: g._sum.cachedInputTokens ?? 0,
        cost: Number(g._sum.costMicros ?? 0) / 1_000_000,
      };
    })
    .sort((a, b) => b.requests - a.requests)
    .slice(0, 15);
  return { totals, series, breakdown };
}
