import { z } from 'zod';
import type { Prisma } from '@/lib/db/generated/client';
import { getRuntime } from '@/lib/runtime';
import type { PoolScope } from '@/lib/auth';
import { queryValue } from './scope';

/** Request-log reads for the dashboard (metadata only), always inside the operator's Pool scope. */

export const logFilterSchema = z.object({
  pool: z.string().max(64).optional(),
  key: z.string().max(64).optional(),
  account: z.string().max(64).optional(),
  model: z.string().max(100).optional(),
  status: z.enum(['ok', 'error', '2xx', '4xx', '5xx']).optional(),
  // The filter form's datetime-local values are UTC (and labelled so).
  from: z.preprocess((v) => (typeof v === 'string' && /T\d\d:\d\d(:\d\d)?$/.test(v) ? `${v}Z` : v), z.coerce.date()).optional(),
  to: z.preprocess((v) => (typeof v === 'string' && /T\d\d:\d\d(:\d\d)?$/.test(v) ? `${v}Z` : v), z.coerce.date()).optional(),
  /** Live tail: rows created at or after this instant (the client dedupes by id). */
  since: z.coerce.date().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type LogFilter = z.infer<typeof logFilterSchema>;

export function parseLogFilter(params: Record<string, string | string[] | undefined>): LogFilter {
  const flat: Record<string, string> = {};
  for (const [name, raw] of Object.entries(params)) {
    const value = queryValue(raw);
    if (value) flat[name] = value;
  }
  const parsed = logFilterSchema.safeParse(flat);
  return parsed.success ? parsed.data : logFilterSchema.parse({});
}

function where(scope: PoolScope, f: LogFilter): Prisma.RequestLogWhereInput {
  const and: Prisma.RequestLogWhereInput[] = [];
  if (scope !== 'all') and.push({ poolId: { in: scope } });
  if (f.pool) and.push({ poolId: f.pool });
  if (f.key) and.push({ apiKeyId: f.key });
  if (f.account) and.push({ OR: [{ accountId: f.account }, { attempts: { some: { accountId: f.account } } }] });
  if (f.model) and.push({ model: f.model });
  if (f.status === 'ok' || f.status === '2xx') and.push({ status: { gte: 200, lt: 300 } });
  if (f.status === 'error') and.push({ status: { gte: 400 } });
  if (f.status === '4xx') and.push({ status: { gte: 400, lt: 500 } });
  if (f.status === '5xx') and.push({ status: { gte: 500 } });
  if (f.from) and.push({ createdAt: { gte: f.from } });
  if (f.to) and.push({ createdAt: { lte: f.to } });
  if (f.since) and.push({ createdAt: { gte: f.since } });
  return { AND: and };
}

async function names(accountIds: string[], keyIds: string[], poolIds: string[]) {
  const { prisma } = getRuntime().db;
  const [accounts, keys, pools] = await Promise.all([
    accountIds.length ? prisma.upstreamAccount.findMany({ where: { id: { in: accountIds } }, select: { id: true, label: true, planType: true } }) : [],
    keyIds.length ? prisma.apiKey.findMany({ where: { id: { in: keyIds } }, select: { id: true, name: true, prefix: true } }) : [],
    poolIds.length ? prisma.pool.findMany({ where: { id: { in: poolIds } }, select: { id: true, name: true } }) : [],
  ]);
  return {
    account: new Map(accounts.map((a) => [a.id, a])),
    key: new Map(keys.map((k) => [k.id, k])),
    pool: new Map(pools.map((p) => [p.id, p.name])),
  };
}

const uniq = (xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => !!x))];

export type LogRow = Awaited<ReturnType<typeof listRequestLogs>>[number];

export async function listRequestLogs(scope: PoolScope, filter: LogFilter) {
  const rows = await getRuntime().db.prisma.requestLog.findMany({
    where: where(scope, filter),
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: filter.limit,
  });
  const n = await names(uniq(rows.map((r) => r.accountId)), uniq(rows.map((r) => r.apiKeyId)), uniq(rows.map((r) => r.poolId)));
  return rows.map((r) => ({
    id: r.id,
    createdAt: r.createdAt.toISOString(),
    pool: r.poolId ? (n.pool.get(r.poolId) ?? r.poolId) : null,
    key: r.apiKeyId ? (n.key.get(r.apiKeyId)?.name ?? null) : null,
    keyPrefix: r.apiKeyId ? (n.key.get(r.apiKeyId)?.prefix ?? null) : null,
    account: r.accountId ? (n.account.get(r.accountId)?.label ?? r.accountId) : null,
    route: r.route,
    transport: r.transport,
    model: r.model,
    status: r.status,
    errorClass: r.errorClass,
    errorCode: r.errorCode,
    latencyMs: r.latencyMs,
    ttfbMs: r.ttfbMs,
    inputTokens: r.inputTokens,
    cachedInputTokens: r.cachedInputTokens,
    outputTokens: r.outputTokens,
    reasoningTokens: r.reasoningTokens,
    costMicros: Number(r.costMicros),
    attemptCount: r.attemptCount,
  }));
}

/** One request with its attempt timeline, or null when missing or outside the scope. */
export async function getRequestLog(scope: PoolScope, id: string) {
  const row = await getRuntime().db.prisma.requestLog.findUnique({ where: { id }, include: { attempts: { orderBy: { number: 'asc' } } } });
  if (!row) return null;
  if (scope !== 'all' && (!row.poolId || !scope.includes(row.poolId))) return null;
  const n = await names(uniq([row.accountId, ...row.attempts.map((a) => a.accountId)]), uniq([row.apiKeyId]), uniq([row.poolId]));
  return {
    id: row.id,
    createdAt: row.createdAt.toISOString(),
    pool: row.poolId ? (n.pool.get(row.poolId) ?? null) : null,
    key: row.apiKeyId ? (n.key.get(row.apiKeyId)?.name ?? null) : null,
    account: row.accountId ? (n.account.get(row.accountId)?.label ?? null) : null,
    route: row.route,
    transport: row.transport,
    model: row.model,
    status: row.status,
    errorClass: row.errorClass,
    errorCode: row.errorCode,
    latencyMs: row.latencyMs,
    ttfbMs: row.ttfbMs,
    inputTokens: row.inputTokens,
    cachedInputTokens: row.cachedInputTokens,
    outputTokens: row.outputTokens,
    reasoningTokens: row.reasoningTokens,
    costMicros: Number(row.costMicros),
    attempts: row.attempts.map((a) => ({
      number: a.number,
      account: a.accountId ? (n.account.get(a.accountId)?.label ?? a.accountId) : null,
      plan: a.accountId ? (n.account.get(a.accountId)?.planType ?? null) : null,
      status: a.status,
      latencyMs: a.latencyMs,
      ttfbMs: a.ttfbMs,
      retryable: a.retryable,
      errorClass: a.errorClass,
      errorCode: a.errorCode,
      createdAt: a.createdAt.toISOString(),
    })),
  };
}
