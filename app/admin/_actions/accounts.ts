'use server';

import { z } from 'zod';
import { guarded } from '@/lib/auth';
import { getRuntime } from '@/lib/runtime';
import { recordAudit } from '@/lib/audit';
import { publishChange } from '@/lib/events';
import { AppError } from '@/lib/errors';
import { deleteAccount, importAuthJsonToPool, requestTokenRefresh, setAccountStatus, updateAccountSettings } from '@/lib/accounts';

const rt = () => getRuntime();
const accountId = z.string().min(1).max(64);

const importOne = guarded({
  name: 'account.import',
  access: 'pool',
  input: z.object({ poolId: z.string().min(1), authJson: z.string().min(2).max(64 * 1024, 'auth.json is at most 64 KB'), label: z.string().trim().max(120).optional() }).strict(),
  run: async (ctx, { poolId, authJson, label }) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(authJson);
    } catch {
      throw new AppError('invalid_json', 'That is not valid JSON.', 422);
    }
    try {
      const account = await importAuthJsonToPool(rt().db, rt().keys.box, { poolId, authJson: parsed, label: label || undefined });
      publishChange({ kind: 'account', accountId: account.id, poolId });
      await recordAudit({ actorId: ctx.operator.id, action: 'account.import', targetType: 'account', targetId: account.id, poolId, ip: ctx.ip, details: { label: account.label } });
      return { id: account.id, label: account.label };
    } catch (error) {
      await recordAudit({ actorId: ctx.operator.id, action: 'account.import', targetType: 'pool', targetId: poolId, poolId, ip: ctx.ip, outcome: 'failure', details: { code: (error as { code?: string }).code ?? 'error' } });
      throw error;
    }
  },
});

const setStatus = guarded({
  name: 'account.set_status',
  access: 'pool',
  input: z.object({ accountId, status: z.enum(['active', 'paused']) }).strict(),
  run: async (ctx, { accountId: id, status }) => {
    const account = await setAccountStatus(rt().db, id, status);
    publishChange({ kind: 'account', accountId: id, poolId: account.poolId });
    await recordAudit({ actorId: ctx.operator.id, action: status === 'paused' ? 'account.pause' : 'account.resume', targetType: 'account', targetId: id, poolId: account.poolId, ip: ctx.ip });
    return null;
  },
});

const refresh = guarded({
  name: 'account.refresh',
  access: 'pool',
  input: z.object({ accountId }).strict(),
  run: async (ctx, { accountId: id }) => {
    const account = await requestTokenRefresh(rt().db, id);
    publishChange({ kind: 'account', accountId: id, poolId: account.poolId });
    publishChange({ kind: 'account_refresh', accountId: id, poolId: account.poolId });
    await recordAudit({ actorId: ctx.operator.id, action: 'account.refresh', targetType: 'account', targetId: id, poolId: account.poolId, ip: ctx.ip });
    return null;
  },
});

const update = guarded({
  name: 'account.update',
  access: 'pool',
  input: z
    .object({
      accountId,
      label: z.string().trim().min(1, 'name is required').max(120).optional(),
      weight: z.coerce.number().int().min(1, 'weight is 1–100').max(100, 'weight is 1–100').optional(),
      priority: z.coerce.number().int().min(-100, 'priority is -100–100').max(100, 'priority is -100–100').optional(),
    })
    .strict(),
  run: async (ctx, { accountId: id, ...input }) => {
    const account = await updateAccountSettings(rt().db, id, input);
    publishChange({ kind: 'account', accountId: id, poolId: account.poolId });
    await recordAudit({ actorId: ctx.operator.id, action: 'account.update', targetType: 'account', targetId: id, poolId: account.poolId, ip: ctx.ip, details: input });
    return null;
  },
});

const remove = guarded({
  name: 'account.delete',
  access: 'pool',
  input: z.object({ accountId, confirm: z.string().max(200) }).strict(),
  run: async (ctx, { accountId: id, confirm }) => {
    const existing = await rt().db.prisma.upstreamAccount.findUnique({ where: { id } });
    if (!existing) throw new AppError('account_not_found', 'No such account.', 404);
    if (confirm.trim() !== existing.label) throw new AppError('confirmation_mismatch', `Type ${existing.label} to confirm.`, 422);
    const account = await deleteAccount(rt().db, id);
    publishChange({ kind: 'account', accountId: id, poolId: account.poolId });
    await recordAudit({ actorId: ctx.operator.id, action: 'account.delete', targetType: 'account', targetId: id, poolId: account.poolId, ip: ctx.ip, details: { label: account.label } });
    return null;
  },
});

export async function importAccountAction(input: unknown) {
  return importOne(input);
}
export async function setAccountStatusAction(input: unknown) {
  return setStatus(input);
}
export async function refreshAccountAction(input: unknown) {
  return refresh(input);
}
export async function updateAccountAction(input: unknown) {
  return update(input);
}
export async function deleteAccountAction(input: unknown) {
  return remove(input);
}
