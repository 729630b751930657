import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../errors';
import type { GatewayContext } from './context';
import { admitKey, enforceKeyPolicy } from './admission';
import { dispatch, responsesContinuity } from './pipeline';
import { readDecodedBody } from './request-body';
import { referencedFileIds } from './files';
import { runExchange } from './trace';

export type Payload = Record<string, unknown> & { model: string };

export function parsePayload(raw: Buffer): Payload {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AppError('invalid_request', 'request body must be valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AppError('invalid_request', 'request body must be a JSON object');
  const model = (value as { model?: unknown }).model;
  if (typeof model !== 'string' || model.trim() === '') throw new AppError('invalid_request', 'model is required', 400, 'model');
  return value as Payload;
}

/**
 * The account holding the files a request references. Most requests reference none: a byte search
 * of the body spares walking the whole conversation to find that out.
 */
function filePin(ctx: GatewayContext, poolId: string, raw: Buffer, payload: Payload): Promise<string | undefined> | undefined {
  if (!raw.includes('file_id') && !raw.includes('sediment://')) return undefined;
  return ctx.files.pinFor(poolId, referencedFileIds(payload));
}

/** `POST /backend-api/codex/responses` and `/responses/compact`: the Codex backend, pooled. */
export function handleResponses(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse, route: { path: string; compact: boolean }) {
  return runExchange(ctx, req, res, { path: route.path, transport: 'http' }, async (exchange) => {
    const { key, pool } = await admitKey(ctx, req, exchange.trace);
    const raw = await readDecodedBody(req, ctx.bodyLimits);
    const payload = parsePayload(raw);
    exchange.trace.model = payload.model;
    await enforceKeyPolicy(ctx, key, payload.model);
    void ctx.catalog.ensure(pool.id);
    const stream = payload.stream === true;
    const outcome = await dispatch(ctx, exchange, {
      key,
      pool,
      upstreamPath: route.compact ? '/codex/responses/compact' : '/codex/responses',
      body: raw,
      contentType: 'application/json',
      accept: stream ? 'text/event-stream' : 'application/json',
      model: payload.model,
      routeClass: route.compact ? 'compact' : stream ? 'stream' : 'http',
      continuity: { ...responsesContinuity(ctx, pool, req.headers, payload), filePinAccountId: await filePin(ctx, pool.id, raw, payload) },
      singleAccount: route.compact,
    });
    if (outcome.status < 400) await ctx.limits.recordTokens(key, exchange.trace.usage.inputTokens + exchange.trace.usage.outputTokens, ctx.clock());
    return outcome;
  });
}
