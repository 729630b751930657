import { z } from 'zod';
import type { Database } from '../db';
import { AppError, isUniqueViolation } from '../errors';

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
