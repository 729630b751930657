import { z } from 'zod';
import type { Database } from '../db';
import { AppError, isUniqueViolation } from '../errors';
import { patchOf } from '../zod-patch';

export const poolNameSchema = z.string().trim().min(1, 'pool name is required').max(80, 'pool name is at most 80 characters');

export async function createPool(db: Database, input: { name: string }) {
  const name = poolNameSchema.parse(input.name);
  try {
    return await db.prisma.pool.create({ data: { name } });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError('pool_exists', `a pool named "${name}" already exists`, 409);
    throw error;
  }
}

export async function findPoolByName(db: Database, name: string) {
  const pool = await db.prisma.pool.findUnique({ where: { name } });
  if (!pool) throw new AppError('pool_not_found', `no pool named "${name}"`, 404);
  return pool;
}

export async function listPools(db: Database) {
  const pools = await db.prisma.pool.findMany({
    orderBy: { name: 'asc' },
    include: { _count: { select: { accounts: true, apiKeys: true } } },
  });
  return pools.map(({ _count, ...pool }) => ({ ...pool, accountCount: _count.accounts, keyCount: _count.apiKeys }));
}

// ---- Dashboard: full Pool settings, scoped listing, lifecycle ----

export const poolSettingsSchema = z
  .object({
    name: poolNameSchema,
    status: z.enum(['active', 'disabled', 'archived']).default('active'),
    strategy: z.enum(['bridge_ring', 'deterministic_rotation', 'least_recent_success', 'quota_first']).default('bridge_ring'),
    ringSize: z.coerce.number().int().min(1, 'ring size is 1–16').max(16, 'ring size is 1–16').default(3),
    stickySessions: z.boolean().default(true),
    promptCacheAffinity: z.boolean().default(true),
    v1CompatibilityEnabled: z.boolean().default(true),
  })
  .strict();
export type PoolSettings = z.infer<typeof poolSettingsSchema>;

export async function createPoolWithSettings(db: Database, input: z.input<typeof poolSettingsSchema>) {
  const data = poolSettingsSchema.parse(input);
  try {
    return await db.prisma.pool.create({ data });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError('pool_exists', `a pool named "${data.name}" already exists`, 409);
    throw error;
  }
}

export async function updatePool(db: Database, poolId: string, input: Partial<z.input<typeof poolSettingsSchema>>) {
  const data = patchOf(poolSettingsSchema).parse(input);
  try {
    return await db.prisma.pool.update({ where: { id: poolId }, data });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError('pool_exists', `a pool named "${data.name}" already exists`, 409);
    throw error;
  }
}

/** Only an archived Pool can be deleted; its accounts, keys and affinities go with it. */
export async function deleteArchivedPool(db: Database, poolId: string) {
  const pool = await db.prisma.pool.findUnique({ where: { id: poolId } });
  if (!pool) throw new AppError('pool_not_found', 'no such pool', 404);
  if (pool.status !== 'archived') throw new AppError('pool_not_archived', 'archive the pool before deleting it', 409);
  await db.prisma.pool.delete({ where: { id: poolId } });
  return pool;
}

export async function getPool(db: Database, poolId: string) {
  return db.prisma.pool.findUnique({ where: { id: poolId } });
}

/** Pools within a scope ('all' or a list of ids), with counts. */
export async function listPoolsIn(db: Database, scope: 'all' | string[]) {
  const pools = await db.prisma.pool.findMany({
    where: scope === 'all' ? {} : { id: { in: scope } },
    orderBy: { name: 'asc' },
    include: { _count: { select: { accounts: true, apiKeys: true } } },
  });
  return pools.map(({ _count, ...pool }) => ({ ...pool, accountCount: _count.accounts, keyCount: _count.apiKeys }));
}

/** Requests per hour over the last 24 hours for each Pool (24 buckets, oldest first). */
export async function poolTraffic24h(db: Database, poolIds: string[], now = new Date()): Promise<Map<string, number[]>> {
  const out = new Map(poolIds.map((id) => [id, Array<number>(24).fill(0)]));
  if (!poolIds.length) return out;
  const since = new Date(now.getTime() - 24 * 3600 * 1000);
  const rows = await db.prisma.requestLog.findMany({ where: { poolId: { in: poolIds }, createdAt: { gte: since } }, select: { poolId: true, createdAt: true } });
  for (const row of rows) {
    const bucket = Math.min(23, Math.floor((row.createdAt.getTime() - since.getTime()) / 3_600_000));
    const series = row.poolId ? out.get(row.poolId) : undefined;
    if (series && bucket >= 0) series[bucket]! += 1;
  }
  return out;
}
