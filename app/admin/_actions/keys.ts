'use server';

import { z } from 'zod';
import { guarded } from '@/lib/auth';
import { patchOf } from '@/lib/zod-patch';
import { getRuntime } from '@/lib/runtime';
import { recordAudit } from '@/lib/audit';
import { publishChange } from '@/lib/events';
import { createPoolApiKey, deleteApiKey, keyPolicySchema, revokeApiKey, rotateApiKey, setApiKeyStatus, updateApiKeyPolicy } from '@/lib/keys';

const rt = () => getRuntime();
const keyId = z.string().min(1).max(64);

const create = guarded({
  name: 'api_key.create',
  access: 'pool',
  input: keyPolicySchema.extend({ poolId: z.string().min(1) }).strict(),
  run: async (ctx, { poolId, ...policy }) => {
    const created = await createPoolApiKey(rt().db, rt().keys.hashKey, poolId, policy, ctx.operator.id);
    publishChange({ kind: 'api_key', apiKeyId: created.id, prefix: created.prefix });
    await recordAudit({ actorId: ctx.operator.id, action: 'api_key.create', targetType: 'api_key', targetId: created.id, poolId, ip: ctx.ip, details: { name: created.name, prefix: created.prefix } });
    return { id: created.id, prefix: created.prefix, secret: created.key };
  },
});

const setStatus = guarded({
  name: 'api_key.set_status',
  access: 'pool',
  input: z.object({ keyId, status: z.enum(['active', 'paused']) }).strict(),
  run: async (ctx, { keyId: id, status }) => {
    const key = await setApiKeyStatus(rt().db, id, status);
    publishChange({ kind: 'api_key', apiKeyId: key.id, prefix: key.prefix });
    await recordAudit({ actorId: ctx.operator.id, action: status === 'paused' ? 'api_key.pause' : 'api_key.resume', targetType: 'api_key', targetId: id, poolId: key.poolId, ip: ctx.ip, details: { prefix: key.prefix } });
    return null;
  },
});

const rotate = guarded({
  name: 'api_key.rotate',
  access: 'pool',
  input: z.object({ keyId }).strict(),
  run: async (ctx, { keyId: id }) => {
    const rotated = await rotateApiKey(rt().db, rt().keys.hashKey, id);
    publishChange({ kind: 'api_key', apiKeyId: id, prefix: rotated.previousPrefix });
    publishChange({ kind: 'api_key', apiKeyId: id, prefix: rotated.prefix });
    await recordAudit({ actorId: ctx.operator.id, action: 'api_key.rotate', targetType: 'api_key', targetId: id, poolId: rotated.poolId, ip: ctx.ip, details: { prefix: rotated.prefix, previousPrefix: rotated.previousPrefix } });
    return { id, prefix: rotated.prefix, secret: rotated.key };
  },
});

const revoke = guarded({
  name: 'api_key.revoke',
  access: 'pool',
  input: z.object({ keyId }).strict(),
  run: async (ctx, { keyId: id }) => {
    const key = await revokeApiKey(rt().db, id);
    publishChange({ kind: 'api_key', apiKeyId: id, prefix: key.prefix });
    await recordAudit({ actorId: ctx.operator.id, action: 'api_key.revoke', targetType: 'api_key', targetId: id, poolId: key.poolId, ip: ctx.ip, details: { prefix: key.prefix } });
    return null;
  },
});

const update = guarded({
  name: 'api_key.update',
  access: 'pool',
  input: patchOf(keyPolicySchema).extend({ keyId }).strict(),
  run: async (ctx, { keyId: id, ...policy }) => {
    const key = await updateApiKeyPolicy(rt().db, id, policy);
    publishChange({ kind: 'api_key', apiKeyId: id, prefix: key.prefix });
    await recordAudit({ actorId: ctx.operator.id, action: 'api_key.update', targetType: 'api_key', targetId: id, poolId: key.poolId, ip: ctx.ip, details: policy });
    return null;
  },
});

const remove = guarded({
  name: 'api_key.delete',
  access: 'pool',
  input: z.object({ keyId, confirm: z.string().max(100) }).strict(),
  run: async (ctx, { keyId: id, confirm }) => {
    const key = await deleteApiKey(rt().db, id, confirm);
    publishChange({ kind: 'api_key', apiKeyId: id, prefix: key.prefix });
    await recordAudit({ actorId: ctx.operator.id, action: 'api_key.delete', targetType: 'api_key', targetId: id, poolId: key.poolId, ip: ctx.ip, details: { prefix: key.prefix } });
    return null;
  },
});

export async function createKeyAction(input: unknown) {
  return create(input);
}
export async function setKeyStatusAction(input: unknown) {
  return setStatus(input);
}
export async function rotateKeyAction(input: unknown) {
  return rotate(input);
}
export async function revokeKeyAction(input: unknown) {
  return revoke(input);
}
export async function updateKeyAction(input: unknown) {
  return update(input);
}
export async function deleteKeyAction(input: unknown) {
  return remove(input);
}
