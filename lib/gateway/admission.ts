import type { IncomingMessage } from 'node:http';
import { AppError } from '../errors';
import type { GatewayContext } from './context';
import type { AuthenticatedKey } from './keys';
import type { PoolState } from './pool-state';
import type { RequestTrace } from './trace';

/** Key authentication and the key's Pool, the start of every gateway request. */
export async function admitKey(ctx: GatewayContext, req: IncomingMessage, trace: RequestTrace): Promise<{ key: AuthenticatedKey; pool: PoolState }> {
  const key = await ctx.keys.authenticate(req.headers.authorization);
  trace.forKey(key);
  const pool = await ctx.pools.get(key.poolId);
  if (!pool) throw new AppError('api_key_missing', 'a valid Pool API key is required', 401);
  await ctx.affinity.warm(pool.id);
  return { key, pool };
}

/** The Pool's `/v1` switch (`v1_compatibility_enabled`). */
export function requireV1(pool: PoolState) {
  if (!pool.v1CompatibilityEnabled) {
    throw new AppError('v1_compatibility_disabled', 'the OpenAI-compatible /v1 API is disabled for this Pool', 403);
  }
}

/** For routes not bound to a model (files, transcription): the key's request limits only. */
export async function admitModelless(ctx: GatewayContext, req: IncomingMessage, trace: RequestTrace) {
  const admitted = await admitKey(ctx, req, trace);
  await ctx.limits.admit(admitted.key, ctx.clock());
  return admitted;
}

/** The key's model allow-list and its request/token limits, checked before any upstream call. */
export async function enforceKeyPolicy(ctx: GatewayContext, key: AuthenticatedKey, model: string): Promise<void> {
  requireAllowedModel(key, model);
  await ctx.limits.admit(key, ctx.clock());
}

/**
 * 403 `model_not_allowed` unless the key's allow-list (when it has one) names `model`. A request
 * that names none (the backend picks one) needs a key without a list.
 */
export function requireAllowedModel(key: AuthenticatedKey, model: string | undefined) {
  if (key.allowedModels.length === 0) return;
  if (model === undefined) throw new AppError('model_not_allowed', 'this API key may use only the models on its allow-list: name one', 403, 'model');
  if (!key.allowedModels.includes(model)) throw new AppError('model_not_allowed', `model ${model} is not allowed for this API key`, 403, 'model');
}
