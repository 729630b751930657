import { writeWithBackpressure } from '../http/drain';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../errors';
import {
  ChatStreamTranslator,
  PublicResponsesStream,
  collectResponse,
  modelsList,
  toBackendFromChat,
  toBackendFromResponses,
  type BackendRequest,
  type ResponsesStreamEvent,
} from '../openai-compat';
import type { SseEvent } from '../upstream/sse';
import type { GatewayContext } from './context';
import { admitKey, requireV1 } from './admission';
import type { AuthenticatedKey } from './keys';
import { sendError, toAppError } from './errors';
import type { PoolState } from './pool-state';
import { dispatchModelRequest, modelJob, type UpstreamJob } from './pipeline';
import { SseKeepalive, type StreamSink } from './relay';
import { readDecodedBody } from './request-body';
import { referencedFileIds } from './files';
import { runExchange, type Exchange } from './trace';
import { sendJson } from './operations';

/**
 * The OpenAI-compatible `/v1` surface: a translation onto the same pipeline as the Codex route —
 * same keys, limits, routing, failover and accounting. The upstream is always streamed; the
 * client gets JSON or SSE per its own `stream` flag.
 */

function parseJsonBody(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AppError('invalid_request', 'request body must be valid JSON');
  }
}

function eventObjects(events: readonly SseEvent[]): ResponsesStreamEvent[] {
  const objects: ResponsesStreamEvent[] = [];
  for (const event of events) {
    try {
      const value = JSON.parse(event.data) as ResponsesStreamEvent;
      if (value && typeof value.type === 'string') objects.push(value);
    } catch {
      // a keep-alive or a non-JSON line carries nothing to translate
    }
  }
  return objects;
}

/** How often a quiet stream gets a keepalive, and how long a client may take nothing before it is dropped. */
type Pacing = { keepaliveMs: number; stallMs: number };

const pacingOf = (ctx: GatewayContext): Pacing => ({ keepaliveMs: ctx.sseKeepaliveMs, stallMs: ctx.timeouts.bodyIdleMs });

/**
 * SSE writer with backpressure for translated events, and keepalives while the translation is
 * quiet (a chat stream shows nothing of the model's reasoning, which may last minutes).
 */
function sseWriter(res: ServerResponse, { keepaliveMs, stallMs }: Pacing) {
  const keepalive = new SseKeepalive(res, keepaliveMs);
  return {
    open(headers: Record<string, string>) {
      res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
      res.flushHeaders();
      keepalive.start();
    },
    /** SSE frames, written together; a promise only while the client is behind. */
    frames(frames: readonly { data: unknown; event?: string }[]): Promise<void> | void {
      if (frames.length === 0) return;
      let text = '';
      for (const { data, event } of frames) text += `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
      keepalive.wrote(true);
      return writeWithBackpressure(res, text, stallMs);
    },
    end(text: string) {
      keepalive.stop();
      res.end(text);
    },
  };
}

/**
 * A sink that turns backend events into a public shape: each event is translated and written as
 * SSE when the client streams, or collected and answered as one JSON object at the end.
 */
function translatingSink(
  res: ServerResponse,
  clientStream: boolean,
  pacing: Pacing,
  shape: {
    translate: (event: ResponsesStreamEvent) => { data: unknown; event?: string }[];
    collect: (events: ResponsesStreamEvent[]) => unknown;
    /** The stream's last line(s), given how it ended. */
    ending: (error: { code: string } | null) => string;
  },
): StreamSink {
  const collected: ResponsesStreamEvent[] = [];
  const out = sseWriter(res, pacing);
  return {
    refusesEarlyFailure: true,
    // A client that gets one JSON answer at the end sees nothing of a stream held back.
    firstByteWithinMs: clientStream ? pacing.keepaliveMs : undefined,
    commit(_status, headers) {
      if (clientStream) out.open(pickRateHeaders(headers));
    },
    write(_chunk, events) {
      if (!clientStream) {
        collected.push(...eventObjects(events));
        return;
      }
      return out.frames(eventObjects(events).flatMap(shape.translate));
    },
    finish(error) {
      if (clientStream) {
        out.end(shape.ending(error));
        return;
      }
      try {
        sendJson(res, 200, shape.collect(collected));
      } catch (failure) {
        sendError(res, toAppError(failure));
      }
    },
  };
}

/** Chat Completions: chunks, then `[DONE]` — or one `{"error":…}` chunk and no `[DONE]` after a failure. */
function chatSink(res: ServerResponse, translator: ChatStreamTranslator, clientStream: boolean, pacing: Pacing): StreamSink {
  return translatingSink(res, clientStream, pacing, {
    translate: (event) => translator.push(event).map((chunk) => ({ data: chunk })),
    collect: (events) => translator.collect(events),
    ending: (error) => {
      const done = translator.done && !error;
      // A failed response's own code and message, as the translator recorded them; else how the stream broke.
      const broke = error && !translator.failure ? { message: `upstream stream ended: ${error.code}` } : undefined;
      return `data: ${done ? '[DONE]' : JSON.stringify(translator.fail(broke))}\n\n`;
    },
  });
}

/** Responses: renumbered public events with a terminal event always, or the final response. */
function responsesSink(res: ServerResponse, clientStream: boolean, pacing: Pacing): StreamSink {
  const normaliser = new PublicResponsesStream();
  return translatingSink(res, clientStream, pacing, {
    translate: (event) => normaliser.push(event).map((normalised) => ({ data: normalised, event: normalised.type })),
    collect: (events) => collectResponse(events),
    ending: (error) =>
      normaliser
        .finish(error ? `upstream stream ended: ${error.code}` : undefined)
        .map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
        .join(''),
  });
}

/** Rate-limit and request-id headers are useful to SDK users; the rest of the Codex set is not. */
function pickRateHeaders(headers: Record<string, string>): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (name.startsWith('x-codex-primary') || name.startsWith('x-codex-secondary') || name === 'x-request-id') picked[name] = value;
  return picked;
}

/** The upstream job of a translated request; the translated payload is not kept past it. */
function translatedJob(ctx: GatewayContext, exchange: Exchange, admitted: { key: AuthenticatedKey; pool: PoolState }, payload: BackendRequest, sink: StreamSink): Promise<UpstreamJob> {
  const body = Buffer.from(JSON.stringify(payload));
  return modelJob(ctx, exchange, admitted, {
    body,
    model: payload.model,
    stream: true,
    promptCacheKey: payload.prompt_cache_key,
    fileIds: referencedFileIds(body, payload),
    sink,
  });
}

export function handleV1ChatCompletions(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse) {
  return runExchange(ctx, req, res, { path: '/v1/chat/completions', transport: 'http_sse' }, async (exchange) => {
    const admitted = await admitKey(ctx, req, exchange.trace);
    requireV1(admitted.pool);
    const translation = toBackendFromChat(parseJsonBody(await readDecodedBody(req, ctx.bodyLimits)));
    const translator = new ChatStreamTranslator({ model: translation.model, includeUsage: translation.includeUsage });
    return dispatchModelRequest(ctx, exchange, await translatedJob(ctx, exchange, admitted, translation.payload, chatSink(res, translator, translation.clientStream, pacingOf(ctx))));
  });
}

export function handleV1Responses(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse) {
  return runExchange(ctx, req, res, { path: '/v1/responses', transport: 'http_sse' }, async (exchange) => {
    const admitted = await admitKey(ctx, req, exchange.trace);
    requireV1(admitted.pool);
    const translation = toBackendFromResponses(parseJsonBody(await readDecodedBody(req, ctx.bodyLimits)));
    return dispatchModelRequest(ctx, exchange, await translatedJob(ctx, exchange, admitted, translation.payload, responsesSink(res, translation.clientStream, pacingOf(ctx))));
  });
}

/** `GET /v1/models`, or `GET /v1/models/{id}` (one model, or 404 `model_not_found`). */
export async function handleV1Models(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse, modelId?: string) {
  const key = await ctx.keys.authenticate(req.headers.authorization);
  const pool = await ctx.pools.get(key.poolId);
  if (!pool) throw new AppError('api_key_missing', 'a valid Pool API key is required', 401);
  requireV1(pool);
  await ctx.catalog.ensure(pool.id);
  // A key with an allow-list sees what it may use: clients pick from this list.
  const models = pool.catalog.models
    .filter((m) => key.allowedModels.length === 0 || key.allowedModels.includes(m.slug))
    .map((m) => ({ slug: m.slug, context_window: typeof m.context_window === 'number' ? m.context_window : undefined }));
  const list = modelsList(models, Math.floor(ctx.clock() / 1000));
  if (modelId === undefined) return sendJson(res, 200, list);
  const model = list.data.find((entry) => entry.id === modelId);
  if (!model) throw new AppError('model_not_found', `the model ${modelId} is not served by this Pool`, 404, 'model');
  sendJson(res, 200, model);
}

/** Anything else under /v1: key first (so probing needs a key), then a clear 404. */
export async function handleV1Unsupported(ctx: GatewayContext, req: IncomingMessage) {
  await ctx.keys.authenticate(req.headers.authorization);
  throw new AppError('unsupported_endpoint', `Unsupported OpenAI /v1 endpoint: ${req.method} ${(req.url ?? '').split('?', 1)[0]}`, 404);
}
