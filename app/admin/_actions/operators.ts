'use server';

import { z } from 'zod';
import { guarded } from '@/lib/auth';
import { getRuntime } from '@/lib/runtime';
import { recordAudit } from '@/lib/audit';
import { createInvite, inviteSchema, resetOperatorPassword, revokeInvite, setOperatorDisabled, setOperatorPools } from '@/lib/operators';

const rt = () => getRuntime();
const operatorId = z.string().min(1).max(64);

const invite = guarded({
  name: 'invite.create',
  access: 'owner',
  input: inviteSchema.strict(),
  run: async (ctx, input) => {
    const { invite: row, token } = await createInvite(rt().db, rt().keys.hashKey, ctx.operator.id, input);
    await recordAudit({ actorId: ctx.operator.id, action: 'invite.create', targetType: 'invite', targetId: row.id, ip: ctx.ip, details: { email: row.email, role: row.role, poolIds: row.poolIds } });
    return { id: row.id, secret: `/invite/${token}`, expiresAt: row.expiresAt };
  },
});

const revoke = guarded({
  name: 'invite.revoke',
  access: 'owner',
  input: z.object({ inviteId: z.string().min(1).max(64) }).strict(),
  run: async (ctx, { inviteId }) => {
    await revokeInvite(rt().db, inviteId);
    await recordAudit({ actorId: ctx.operator.id, action: 'invite.revoke', targetType: 'invite', targetId: inviteId, ip: ctx.ip });
    return null;
  },
});

const setDisabled = guarded({
  name: 'operator.set_disabled',
  access: 'owner',
  input: z.object({ operatorId, disabled: z.boolean() }).strict(),
  run: async (ctx, { operatorId: id, disabled }) => {
    await setOperatorDisabled(rt().db, ctx.operator.id, id, disabled);
    await recordAudit({ actorId: ctx.operator.id, action: disabled ? 'operator.deactivate' : 'operator.reactivate', targetType: 'operator', targetId: id, ip: ctx.ip });
    return null;
  },
});

const setPools = guarded({
  name: 'operator.set_pools',
  access: 'owner',
  input: z.object({ operatorId, poolIds: z.array(z.string().min(1).max(64)).max(500) }).strict(),
  run: async (ctx, { operatorId: id, poolIds }) => {
    await setOperatorPools(rt().db, id, poolIds);
    await recordAudit({ actorId: ctx.operator.id, action: 'operator.set_pools', targetType: 'operator', targetId: id, ip: ctx.ip, details: { poolIds } });
    return null;
  },
});

const resetPassword = guarded({
  name: 'operator.reset_password',
  access: 'owner',
  input: z.object({ operatorId }).strict(),
  run: async (ctx, { operatorId: id }) => {
    const temporary = await resetOperatorPassword(rt().db, ctx.operator.id, id);
    await recordAudit({ actorId: ctx.operator.id, action: 'operator.reset_password', targetType: 'operator', targetId: id, ip: ctx.ip });
    return { secret: temporary };
  },
});

export async function createInviteAction(input: unknown) {
  return invite(input);
}
export async function revokeInviteAction(input: unknown) {
  return revoke(input);
}
export async function setOperatorDisabledAction(input: unknown) {
  return setDisabled(input);
}
export async function setOperatorPoolsAction(input: unknown) {
  return setPools(input);
}
export async function resetOperatorPasswordAction(input: unknown) {
  return resetPassword(input);
}
