import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../errors';
import type { GatewayContext } from './context';
import { admitKey } from './admission';
import { dispatchModelRequest, modelJob, type UpstreamJob } from './pipeline';
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
 * again for every open stream.
 */
export function routingFields(raw: Buffer): RoutingFields {
  const payload = parsePayload(raw);
  const text = (field: string) => (typeof payload[field] === 'string' ? (payload[field] as string) : undefined);
  return {
    model: payload.model,
    stream: payload.stream === true,
    previousResponseId: text('previous_response_id'),
    promptCacheKey: text('prompt_cache_key'),
    fileIds: referencedFileIds(raw, payload),
  };
}

/** The upstream job of a Responses request. */
async function responsesJob(ctx: GatewayContext, req: IncomingMessage, exchange: Exchange, route: { compact: boolean }): Promise<UpstreamJob> {
  const admitted = await admitKey(ctx, req, exchange.trace);
  const raw = await readDecodedBody(req, ctx.bodyLimits);
  return modelJob(ctx, exchange, admitted, { ...routingFields(raw), body: raw, compact: route.compact });
}

/** `POST /backend-api/codex/responses` and `/responses/compact`: the Codex backend, pooled. */
export function handleResponses(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse, route: { path: string; compact: boolean }) {
  return runExchange(ctx, req, res, { path: route.path, transport: 'http' }, async (exchange) =>
    dispatchModelRequest(ctx, exchange, await responsesJob(ctx, req, exchange, route)),
  );
}
