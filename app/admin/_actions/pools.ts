'use server';

import { z } from 'zod';
import { guarded } from '@/lib/auth';
import { patchOf } from '@/lib/zod-patch';
import { getRuntime } from '@/lib/runtime';
import { recordAudit } from '@/lib/audit';
import { publishChange } from '@/lib/events';
import { createPoolWithSettings, deleteArchivedPool, poolSettingsSchema, updatePool } from '@/lib/pools';
import { AppError } from '@/lib/errors';

const db = () => getRuntime().db;

const create = guarded({
  name: 'pool.create',
  access: 'owner',
  input: poolSettingsSchema,
  run: async (ctx, input) => {
    const pool = await createPoolWithSettings(db(), input);
    publishChange({ kind: 'pool', poolId: pool.id });
    await recordAudit({ actorId: ctx.operator.id, action: 'pool.create', targetType: 'pool', targetId: pool.id, poolId: pool.id, ip: ctx.ip, details: { name: pool.name } });
    return { id: pool.id };
  },
});

const update = guarded({
  name: 'pool.update',
  access: 'owner',
  input: patchOf(poolSettingsSchema).extend({ poolId: z.string().min(1) }).strict(),
  run: async (ctx, { poolId, ...input }) => {
    const pool = await updatePool(db(), poolId, input);
    publishChange({ kind: 'pool', poolId });
    await recordAudit({ actorId: ctx.operator.id, action: input.status === 'archived' ? 'pool.archive' : 'pool.update', targetType: 'pool', targetId: poolId, poolId, ip: ctx.ip, details: input });
    return { id: pool.id };
  },
});

const remove = guarded({
  name: 'pool.delete',
  access: 'owner',
  input: z.object({ poolId: z.string().min(1), confirm: z.string() }).strict(),
  run: async (ctx, { poolId, confirm }) => {
    const pool = await db().prisma.pool.findUnique({ where: { id: poolId } });
    if (!pool) throw new AppError('pool_not_found', 'No such pool.', 404);
    if (confirm.trim() !== pool.name) throw new AppError('confirmation_mismatch', `Type ${pool.name} to confirm.`, 422);
    await deleteArchivedPool(db(), poolId);
    publishChange({ kind: 'pool', poolId });
    await recordAudit({ actorId: ctx.operator.id, action: 'pool.delete', targetType: 'pool', targetId: poolId, ip: ctx.ip, details: { name: pool.name } });
    return null;
  },
});

export async function createPoolAction(input: unknown) {
  return create(input);
}
export async function updatePoolAction(input: unknown) {
  return update(input);
}
export async function deletePoolAction(input: unknown) {
  return remove(input);
}
