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

  const rows = await prisma.requestLog.findMany({
    where,
    select: { createdAt: true, status: true, inputTokens: true, cachedInputTokens: true, outputTokens: true, costMicros: true },
    take: 200_000,
  });
  const start = Math.floor(since.getTime() / bucketMs) * bucketMs;
  const count = Math.ceil((now.getTime() - start) / bucketMs);
  const series: UsagePoint[] = Array.from({ length: count }, (_, i) => ({ t: new Date(start + i * bucketMs).toISOString(), requests: 0, errors: 0, input: 0, cached: 0, output: 0, cost: 0 }));
  const totals = { requests: 0, success: 0, input: 0, cached: 0, output: 0, costMicros: 0 };
  for (const r of rows) {
    const p = series[Math.min(count - 1, Math.floor((r.createdAt.getTime() - start) / bucketMs))];
    const ok = r.status < 400;
    totals.requests += 1;
    totals.success += ok ? 1 : 0;
    totals.input += r.inputTokens;
    totals.cached += r.cachedInputTokens;
    totals.output += r.outputTokens;
    totals.costMicros += Number(r.costMicros);
    if (p) {
      p.requests += 1;
      p.errors += ok ? 0 : 1;
      p.input += r.inputTokens - r.cachedInputTokens;
      p.cached += r.cachedInputTokens;
      p.output += r.outputTokens;
      p.cost += Number(r.costMicros) / 1_000_000;
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
