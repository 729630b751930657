import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../errors';
import type { GatewayContext } from './context';
import { admitKey } from './admission';
import { dispatchModelRequest, modelJob, type UpstreamJob } from './pipeline';
import { readDecodedBody } from './request-body';
import { mentionsFiles, referencedFileIds } from './files';
import { topLevelFields } from '../json';
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
  requireModel((value as { model?: unknown }).model);
  return value as Payload;
}

function requireModel(model: unknown): asserts model is string {
  if (typeof model !== 'string' || model.trim() === '') throw new AppError('invalid_request', 'model is required', 400, 'model');
}

/** What routing reads from a Responses payload. The parsed body is not kept past this. */
type RoutingFields = { model: string; stream: boolean; previousResponseId?: string; promptCacheKey?: string; fileIds: string[] };

const ROUTING_FIELDS: ReadonlySet<string> = new Set(['model', 'stream', 'previous_response_id', 'prompt_cache_key']);

/**
 * From this size on, a body's routing fields are read without parsing it whole. A smaller body is
 * parsed, so malformed JSON gets the gateway's own 400; in a larger one only the fields read are
 * checked, and the upstream refuses a malformed rest with its own 400.
 */
const SCAN_FROM_BYTES = 32 * 1024;

/**
 * What routing needs from a Responses payload. A Codex body carries the whole conversation, which
 * routing does not read: a large one that references no file has only its top-level fields read,
 * and none is held parsed for the length of a stream.
 */
export function routingFields(raw: Buffer): RoutingFields {
  const fields = raw.length >= SCAN_FROM_BYTES && !mentionsFiles(raw) ? topLevelFields(raw, ROUTING_FIELDS) : null;
  if (!fields) {
    const payload = parsePayload(raw);
    return fieldsFrom((field) => payload[field], referencedFileIds(raw, payload));
  }
  return fieldsFrom((field) => fields.get(field), []);
}

function fieldsFrom(field: (name: string) => unknown, fileIds: string[]): RoutingFields {
  const model = field('model');
  requireModel(model);
  const text = (name: string) => {
    const value = field(name);
    return typeof value === 'string' ? value : undefined;
  };
  return { model, stream: field('stream') === true, previousResponseId: text('previous_response_id'), promptCacheKey: text('prompt_cache_key'), fileIds };
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
