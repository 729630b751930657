import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../errors';
import type { GatewayContext } from './context';
import { admitKey, enforceKeyPolicy } from './admission';
import { dispatchModelRequest, responsesContinuity, type UpstreamJob } from './pipeline';
import { readDecodedBody } from './request-body';
import { referencedFileIds } from './files';
import { runExchange, type Exchange } from './trace';

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

/** What routing reads from a Responses payload. The parsed body is not kept past this. */
type RoutingFields = { model: string; stream: boolean; previousResponseId?: string; promptCacheKey?: string; fileIds: string[] };

/**
 * Parses the payload and keeps only what routing needs: a Codex body carries the whole
 * conversation, and a parsed copy held for the length of a stream would cost the heap its size
 * again for every open stream. Most requests reference no file: a byte search spares walking the
 * conversation to find that out.
 */
export function routingFields(raw: Buffer): RoutingFields {
  const payload = parsePayload(raw);
  const text = (field: string) => (typeof payload[field] === 'string' ? (payload[field] as string) : undefined);
  return {
    model: payload.model,
    stream: payload.stream === true,
    previousResponseId: text('previous_response_id'),
    promptCacheKey: text('prompt_cache_key'),
    fileIds: raw.includes('file_id') || raw.includes('sediment://') ? referencedFileIds(payload) : [],
  };
}

/**
 * The upstream job of a Responses request. Built apart from the dispatch, so no frame that waits
 * out the stream holds the request body: the job lets it go once output has started.
 */
async function responsesJob(ctx: GatewayContext, req: IncomingMessage, exchange: Exchange, route: { path: string; compact: boolean }): Promise<UpstreamJob> {
  const { key, pool } = await admitKey(ctx, req, exchange.trace);
  const raw = await readDecodedBody(req, ctx.bodyLimits);
  const fields = routingFields(raw);
  exchange.trace.model = fields.model;
  await enforceKeyPolicy(ctx, key, fields.model);
  void ctx.catalog.ensure(pool.id);
  return {
    key,
    pool,
    upstreamPath: route.compact ? '/codex/responses/compact' : '/codex/responses',
    body: raw,
    contentType: 'application/json',
    accept: fields.stream ? 'text/event-stream' : 'application/json',
    model: fields.model,
    routeClass: route.compact ? 'compact' : fields.stream ? 'stream' : 'http',
    continuity: {
      ...responsesContinuity(ctx, pool, req.headers, fields),
      filePinAccountId: fields.fileIds.length ? await ctx.files.pinFor(pool.id, fields.fileIds) : undefined,
    },
    singleAccount: route.compact,
  };
}

/** `POST /backend-api/codex/responses` and `/responses/compact`: the Codex backend, pooled. */
export function handleResponses(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse, route: { path: string; compact: boolean }) {
  return runExchange(ctx, req, res, { path: route.path, transport: 'http' }, async (exchange) =>
    dispatchModelRequest(ctx, exchange, await responsesJob(ctx, req, exchange, route)),
  );
}
