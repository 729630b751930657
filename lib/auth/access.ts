import type { Operator } from '../db/generated/client';
import { getRuntime } from '../runtime';

/**
 * The one place that decides who may see what. `instance_owner` sees every Pool and the
 * instance-wide pages; `instance_admin` sees only the Pools assigned to them and never operators,
 * jobs or system settings. Pages, server actions and route handlers all ask these functions.
 */
export type PoolScope = 'all' | string[];

export function isOwner(operator: Pick<Operator, 'role'>): boolean {
  return operator.role === 'instance_owner';
}

/** Pools the operator may see: 'all' for owners, the assigned ids for admins. */
export async function visiblePoolIds(operator: Pick<Operator, 'id' | 'role'>): Promise<PoolScope> {
  if (isOwner(operator)) return 'all';
  const rows = await getRuntime().db.prisma.operatorPoolAssignment.findMany({ where: { operatorId: operator.id }, select: { poolId: true } });
  return rows.map((r) => r.poolId);
}

export async function canAccessPool(operator: Pick<Operator, 'id' | 'role'>, poolId: string | null | undefined): Promise<boolean> {
  if (isOwner(operator)) return true;
  if (!poolId) return false;
  const row = await getRuntime().db.prisma.operatorPoolAssignment.findUnique({ where: { operatorId_poolId: { operatorId: operator.id, poolId } } });
  return row !== null;
}

/** A Prisma `where` fragment limiting rows with a `poolId` column to the scope. */
export function poolWhere(scope: PoolScope, field = 'poolId'): Record<string, unknown> {
  return scope === 'all' ? {} : { [field]: { in: scope } };
}

export function inScope(scope: PoolScope, poolId: string | null | undefined): boolean {
  return scope === 'all' || (!!poolId && scope.includes(poolId));
}

/** The Pool a target belongs to, found from whichever id the input names. */
export async function poolOfTarget(target: { poolId?: unknown; accountId?: unknown; keyId?: unknown; requestId?: unknown }): Promise<string | null> {
  const { prisma } = getRuntime().db;
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length < 100 ? v : null);
  const keyId = str(target.keyId);
  if (keyId) return (await prisma.apiKey.findUnique({ where: { id: keyId }, select: { poolId: true } }))?.poolId ?? null;
  const accountId = str(target.accountId);
  if (accountId) return (await prisma.upstreamAccount.findUnique({ where: { id: accountId }, select: { poolId: true } }))?.poolId ?? null;
  const requestId = str(target.requestId);
  if (requestId) return (await prisma.requestLog.findUnique({ where: { id: requestId }, select: { poolId: true } }))?.poolId ?? null;
  const poolId = str(target.poolId);
  if (poolId) return (await prisma.pool.findUnique({ where: { id: poolId }, select: { id: true } }))?.id ?? null;
  return null;
}
