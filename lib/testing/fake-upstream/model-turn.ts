/**
 * One model turn, independent of transport: applies scripted faults, model and quota checks, charges
 * the account and builds the events. `POST /responses` and websocket `response.create` both use it.
 */
import { z } from 'zod';
import type { FakeAccount } from './accounts';
import { accountHeaders, type UpstreamContext } from './context';
import { rateLimitExceededBody, statusErrorBody, usageLimitBody } from './errors';
import { streamShapeOf, type FaultSite, type StreamShape } from './faults';
import { responseEvents, type ResponseEvent, type ResponseObject } from './response-events';
import { buildOutputItems, planReply, usageFor, zeroUsage, type InputItem } from './scenario';
import { randomId } from './tokens';
import { rateLimitsEvent } from './usage';

/** The fields the fake acts on; everything else in the body is accepted and ignored. */
export const responsesRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.array(z.record(z.string(), z.unknown())),
  stream: z.boolean().optional(),
  generate: z.boolean().optional(),
  previous_response_id: z.string().nullish(),
  prompt_cache_key: z.string().nullish(),
});
export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;

/** The error as it travels in a websocket `{"type":"error"}` frame. */
export type InBandErrorDetails = { type?: string; code?: string; message?: string; [field: string]: unknown };

export type TurnOutcome =
  | {
      kind: 'rejected';
      status: number;
      body: unknown;
      inBandError: InBandErrorDetails;
      headers: Record<string, string>;
    }
  | {
      kind: 'stream';
      /** `codex.rate_limits` first, then the response events. */
      events: ResponseEvent[];
      finalResponse: ResponseObject;
      shape: StreamShape;
      headers: Record<string, string>;
    };

export type TurnInput = {
  request: ResponsesRequest;
  /** The whole conversation: on a chained websocket turn, the stored context plus the new items. */
  conversation: readonly InputItem[];
  previousResponseId: string | null;
  site: Extract<FaultSite, 'http' | 'ws-frame'>;
};

export function runModelTurn(ctx: UpstreamContext, account: FakeAccount, turn: TurnInput): TurnOutcome {
  const { request } = turn;
  const fault = account.takeFault(turn.site);
  const reject = (status: number, body: { error: InBandErrorDetails }, extraHeaders: Record<string, string> = {}): TurnOutcome => ({
    kind: 'rejected',
    status,
    body,
    inBandError: body.error,
    headers: { ...accountHeaders(ctx, account, request.model), ...extraHeaders },
  });

  if (fault && 'status' in fault) return reject(fault.status, statusErrorBody(fault.status, `fake upstream: injected ${fault.status}`));
  if (fault && 'rateLimited' in fault) {
    const seconds = fault.rateLimited.retryAfterSeconds;
    return reject(429, rateLimitExceededBody(seconds), { 'retry-after': String(seconds) });
  }
  if (fault && 'wsErrorFrame' in fault) {
    const { status, error } = fault.wsErrorFrame;
    return reject(status, { error: { ...statusErrorBody(status, `fake upstream: injected ${status}`).error, ...error } });
  }
  if (!account.models.includes(request.model)) {
    const message = `The '${request.model}' model is not supported when using Codex with a ChatGPT account.`;
    return reject(400, { error: { type: 'invalid_request_error', code: 'model_not_supported', message } });
  }
  const limitedUntil = account.limitReachedUntil();
  if (limitedUntil !== null) return reject(429, usageLimitBody(account.planType, limitedUntil, ctx.nowSeconds()));

  const failure = fault && 'responseFailed' in fault ? fault.responseFailed : undefined;
  const incomplete = fault && 'incomplete' in fault ? fault.incomplete : undefined;
  const plan = planReply(turn.conversation, request.generate);
  const items = failure ? [] : buildOutputItems(plan, account.accountId, turn.conversation);
  const prewarm = plan.kind === 'prewarm';
  const cacheHit = !prewarm && account.hitPromptCache(request.prompt_cache_key ?? undefined);
  // A prewarm or a failed turn costs nothing; a served turn moves the account's windows.
  if (!prewarm && !failure) account.chargeTurn();

  const { events, finalResponse } = responseEvents({
    responseId: randomId('resp_'),
    model: request.model,
    createdAt: ctx.nowSeconds(),
    previousResponseId: turn.previousResponseId,
    items,
    usage: prewarm ? zeroUsage() : usageFor(turn.conversation, items, cacheHit),
    failure,
    incomplete,
  });
  const usage = account.usage();
  const limitReached = account.limitReachedUntil() !== null;
  return {
    kind: 'stream',
    events: [rateLimitsEvent(account.planType, usage, limitReached), ...events],
    finalResponse,
    shape: streamShapeOf(fault),
    headers: accountHeaders(ctx, account, request.model),
  };
}
