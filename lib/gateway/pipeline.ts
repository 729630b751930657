import type { IncomingHttpHeaders } from 'node:http';
import type { UpstreamBody, UpstreamResponse } from '../upstream/client';
import { AppError } from '../errors';
import { parseJsonOrNull } from '../json';
import { pickContinuityHeader, type FaultClass, type RouteClass } from '../routing';
import { AccountPlan, coolAfter429, coolUntilReset, NOT_LIMITED, type Continuity } from './account-plan';
import { upstreamHeaders } from '../upstream/headers';
import { usageFromResponse, NO_USAGE } from '../usage/pricing';
import type { GatewayContext } from './context';
import type { AuthenticatedKey } from './keys';
import type { PoolState } from './pool-state';
import { isRetryableFailure, passthroughSink, relaySse, type StreamSink } from './relay';
import type { Exchange, Outcome } from './trace';
import { enforceKeyPolicy } from './admission';
import { toAppError } from './errors';
import { upstreamFailureError } from '../openai-compat';

const MAX_UPSTREAM_ERROR_BODY = 1024 * 1024;
const MAX_UPSTREAM_JSON_BODY = 64 * 1024 * 1024;

/** One request to send upstream on whichever account the plan picks. */
export type UpstreamJob = {
  key: AuthenticatedKey;
  pool: PoolState;
  /** Path under the Codex backend base URL, e.g. `/codex/responses`. */
  upstreamPath: string;
  body: Buffer;
  contentType: string;
  accept: string;
  /** Catalog slug; empty for routes that are not bound to a model (files). */
  model: string;
  routeClass: RouteClass;
  continuity: Continuity;
  /** Compaction and file finalisation keep their state on one account: never retried elsewhere. */
  singleAccount?: boolean;
  /** A stream destination other than the raw pass-through (the /v1 translations). */
  sink?: StreamSink;
  /** Sees a successful JSON answer before it is relayed (file routes record where a file lives). */
  onJson?: (body: unknown, accountId: string) => Promise<void>;
  /**
   * Takes the final non-stream answer instead of writing it to the client, for routes that make
   * several upstream calls for one client request (/v1 files) or reshape the answer.
   */
  respond?: (answer: { status: number; headers: Record<string, string>; body: Buffer; accountId: string }) => void;
};

/** A request not bound to a model (files, transcription, images), sent to one account or pinned. */
export function modellessJob(
  key: AuthenticatedKey,
  pool: PoolState,
  upstreamPath: string,
  body: Buffer,
  options: Partial<Pick<UpstreamJob, 'contentType' | 'continuity' | 'singleAccount' | 'onJson'>> = {},
): UpstreamJob {
  return { key, pool, upstreamPath, body, contentType: 'application/json', accept: 'application/json', model: '', routeClass: 'file', continuity: {}, ...options };
}

/** What a model request (Codex Responses, or a translated /v1 one) brings to its upstream job. */
export type ModelRequest = {
  body: Buffer;
  model: string;
  stream: boolean;
  previousResponseId?: string;
  promptCacheKey?: string;
  /** Files the conversation references: the request goes to the account holding them. */
  fileIds: readonly string[];
  /** Compaction keeps its state on one account. */
  compact?: boolean;
  sink?: StreamSink;
};

/**
 * The upstream job of a model request: its model on the log row, the key's policy checked, its
 * continuity. Built apart from the dispatch: a suspended async frame keeps its locals, and one
 * that waits out a stream must not hold the parsed request (a whole conversation) with it.
 */
export async function modelJob(ctx: GatewayContext, exchange: Exchange, admitted: { key: AuthenticatedKey; pool: PoolState }, request: ModelRequest): Promise<UpstreamJob> {
  const { key, pool } = admitted;
  exchange.trace.model = request.model;
  await enforceKeyPolicy(ctx, key, request.model);
  void ctx.catalog.ensure(pool.id);
  return {
    key,
    pool,
    upstreamPath: request.compact ? '/codex/responses/compact' : '/codex/responses',
    body: request.body,
    contentType: 'application/json',
    accept: request.stream ? 'text/event-stream' : 'application/json',
    model: request.model,
    routeClass: request.compact ? 'compact' : request.stream ? 'stream' : 'http',
    continuity: {
      ...responsesContinuity(ctx, pool, exchange.req.headers, request),
      filePinAccountId: request.fileIds.length ? await ctx.files.pinFor(pool.id, request.fileIds) : undefined,
    },
    singleAccount: request.compact,
    sink: request.sink,
  };
}

/** Continuity for a Responses request: session headers, previous_response_id, prompt_cache_key. */
export function responsesContinuity(
  ctx: GatewayContext,
  pool: PoolState,
  headers: IncomingHttpHeaders,
  payload: { previousResponseId?: string; promptCacheKey?: string },
): Continuity {
  const header = pickContinuityHeader(headers);
  const previousKey = payload.previousResponseId ? ctx.continuityKey(pool.id, 'response', payload.previousResponseId) : undefined;
  return {
    sessionKey: header ? ctx.continuityKey(pool.id, 'session', header.value) : undefined,
    previousAccountId: previousKey ? ctx.affinity.get(pool.id, 'response', previousKey) ?? undefined : undefined,
    cacheKey: payload.promptCacheKey !== undefined ? ctx.continuityKey(pool.id, 'session', `prompt-cache:${payload.promptCacheKey}`) : undefined,
  };
}

/** What a failed attempt leaves behind for the decision after the loop. */
type Failure = {
  accountId: string;
  status: number;
  code: string;
  /** A failed response's own message, for an OpenAI-shaped error. */
  message?: string;
  /**
   * What the client gets when no account serves: the upstream's error answer, or the events of a
   * stream that failed before its output (`streamFailure`, then the answer is SSE).
   */
  passthrough?: { status: number; headers: Record<string, string>; body: Buffer; streamFailure?: boolean };
  usageLimited: boolean;
  /** The failure itself put the account out until a known time (a usage limit, a Retry-After). */
  cooled: boolean;
};

type AttemptResult =
  | { kind: 'served'; status: number; fault: FaultClass | null; code: string | null }
  | { kind: 'failover'; failure: Failure }
  | { kind: 'client_closed' };

/** Plans the accounts for a job and tries them in order until one serves it. */
export async function dispatch(ctx: GatewayContext, exchange: Exchange, job: UpstreamJob): Promise<Outcome> {
  const { pool, continuity, model, routeClass } = job;
  const { trace } = exchange;
  const accounts = new AccountPlan(ctx, { pool, model, routeClass, continuity });
  const plan = job.singleAccount ? accounts.order.slice(0, 1) : accounts.order;
  let lastFailure: Failure | null = null;
  for (const accountId of plan) {
    if (exchange.clientGone()) return { status: 499, fault: 'client', code: 'client_closed' };
    if (!(await accounts.admit(accountId))) continue;
    const healthKey = { accountId, model, routeClass };
    const attemptStarted = ctx.clock();
    let result: AttemptResult;
    try {
      result = await attempt(ctx, exchange, job, accountId);
    } catch (error) {
      // A refusal raised inside the try (a /v1 upstream 4xx, a file route's check) still reports
      // its attempt: the row names the account, and a half-open probe gives its slot back.
      const { status, code } = toAppError(error);
      ctx.health.recordFailure(healthKey, 'client', ctx.clock());
      trace.accountId = accountId;
      trace.attempt(accountId, status, attemptStarted, status >= 500 ? 'platform' : 'client', code, false);
      throw error;
    }
    if (result.kind === 'served') {
      if (result.fault === 'account') ctx.health.recordFailure(healthKey, 'account', ctx.clock());
      else if (result.status < 400) {
        ctx.health.recordSuccess(healthKey);
        ctx.pools.markSuccess(accountId, ctx.clock());
        if (continuity.sessionKey) ctx.affinity.set(pool.id, 'session', continuity.sessionKey, accountId);
      } else ctx.health.recordFailure(healthKey, 'client', ctx.clock());
      trace.accountId = accountId;
      trace.attempt(accountId, result.status, attemptStarted, result.fault, result.code, false, trace.ttfbMs);
      return { status: result.status, fault: result.fault, code: result.code };
    }
    if (result.kind === 'client_closed') {
      ctx.health.recordFailure(healthKey, 'client', ctx.clock());
      trace.accountId = accountId;
      trace.attempt(accountId, 499, attemptStarted, 'client', 'client_closed', false);
      return { status: 499, fault: 'client', code: 'client_closed' };
    }
    accounts.failedOver(accountId, result.failure.usageLimited, result.failure.cooled);
    trace.attempt(accountId, result.failure.status, attemptStarted, 'account', result.failure.code, true);
    lastFailure = result.failure;
  }

  const exhausted = accounts.exhaustedError(lastFailure?.passthrough !== undefined);
  if (exhausted) throw exhausted;
  if (!lastFailure) throw new AppError('no_eligible_backend', 'no upstream account in this Pool could be tried', 503);
  if (lastFailure.passthrough) {
    const { status, headers, body } = lastFailure.passthrough;
    const after = lastFailure.usageLimited ? accounts.retryAfter() : null;
    const finalHeaders = { ...headers, ...(after ? { 'retry-after': String(after.seconds) } : {}) };
    // A 401 that survived a token refresh is the account's problem: an SDK must not read it as
    // "your Pool key is wrong".
    if (status === 401) throw new AppError('upstream_unauthorized', 'the upstream account was refused; it will be re-authenticated', 502);
    // Translated (/v1) requests always get OpenAI-shaped errors, never the backend's own body.
    if (job.sink && !job.respond) {
      const retryAfter: Record<string, string> = finalHeaders['retry-after'] ? { 'retry-after': finalHeaders['retry-after'] } : {};
      if (!lastFailure.passthrough.streamFailure) throw upstreamError(status, body, retryAfter);
      throw upstreamFailureError({ code: lastFailure.code, message: lastFailure.message }, retryAfter);
    }
    if (job.respond) job.respond({ status, headers: finalHeaders, body, accountId: lastFailure.accountId });
    else {
      exchange.res.writeHead(status, { ...finalHeaders, 'content-length': body.length });
      exchange.res.end(body);
    }
    return { status, fault: 'account', code: lastFailure.code };
  }
  throw new AppError('upstream_request_failed', `upstream request failed: ${lastFailure.code}`, 502);
}

/** A model request: dispatched, then its tokens counted against the key's limits. */
export async function dispatchModelRequest(ctx: GatewayContext, exchange: Exchange, job: UpstreamJob): Promise<Outcome> {
  const outcome = await dispatch(ctx, exchange, job);
  if (outcome.status < 400) await ctx.limits.recordTokens(job.key, exchange.trace.usage.inputTokens + exchange.trace.usage.outputTokens, ctx.clock());
  return outcome;
}

/** An upstream error answer as an AppError, keeping its code and message when it has them. */
function upstreamError(status: number, body: Buffer, headers: Record<string, string>): AppError {
  const error = (parseJsonOrNull(body) as { error?: { code?: unknown; type?: unknown; message?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' ? error.code : typeof error?.type === 'string' ? error.type : `upstream_${status}`;
  const message = typeof error?.message === 'string' ? error.message : `the upstream answered ${status}`;
  return new AppError(code, message, status, null, headers);
}

/** Upstream headers passed on by name, beside the `x-codex-*` family. */
const PASSED_RESPONSE_HEADERS = new Set(['openai-model', 'x-request-id', 'x-openai-request-id', 'x-reasoning-included', 'retry-after']);

/** Upstream response headers the client sees (rate-limit families, turn state, request ids, Retry-After). */
function clientResponseHeaders(upstream: UpstreamResponse['headers'], pool: PoolState): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name in upstream) {
    const value = upstream[name];
    if (value !== undefined && (name.startsWith('x-codex-') || PASSED_RESPONSE_HEADERS.has(name))) {
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  headers['x-models-etag'] = pool.catalog.etag;
  return headers;
}

async function attempt(ctx: GatewayContext, exchange: Exchange, job: UpstreamJob, accountId: string): Promise<AttemptResult> {
  const account = ctx.pools.account(accountId)!;
  const { req, res, trace } = exchange;
  const { pool } = job;

  const bodyHeaders = { 'content-type': job.contentType, accept: job.accept };
  const send = (token: string) =>
    ctx.client.open(`${ctx.upstreamBaseUrl}${job.upstreamPath}`, {
      method: 'POST',
      headers: upstreamHeaders(ctx.identity, { accessToken: token, chatgptAccountId: account.chatgptAccountId }, bodyHeaders, req.headers),
      body: job.body,
      signal: exchange.signal,
      headersTimeout: ctx.timeouts.headersMs,
      bodyTimeout: ctx.timeouts.bodyIdleMs,
    });

  let response: UpstreamResponse;
  try {
    let token = await ctx.credentials.accessToken(accountId);
    response = await send(token);
    if (response.statusCode === 401) {
      // An expired or revoked access token: refresh once (shared with concurrent requests), retry here.
      await response.body.dump().catch(() => undefined);
      token = await ctx.credentials.accessToken(accountId, token);
      response = await send(token);
    }
  } catch (error) {
    if (exchange.clientGone()) return { kind: 'client_closed' };
    const code = error instanceof AppError ? error.code : ((error as { code?: string }).code ?? 'upstream_network_error');
    return { kind: 'failover', failure: { accountId, status: 502, code, usageLimited: false, cooled: false } };
  }

  const now = ctx.clock();
  ctx.pools.recordHeaderEvidence(accountId, response.headers, now, 'response_headers');
  const status = response.statusCode;
  const contentType = String(response.headers['content-type'] ?? '');
  const headers = { ...clientResponseHeaders(response.headers, pool), 'content-type': contentType || 'application/json' };

  if (status === 429 || status >= 500 || status === 401) {
    const body = await readLimited(response.body, MAX_UPSTREAM_ERROR_BODY).catch(() => Buffer.alloc(0));
    const { usageLimited, cooled } = status === 429 ? coolAfter429(ctx, accountId, parseJsonOrNull(body), response.headers['retry-after']) : NOT_LIMITED;
    const code = status === 429 ? (usageLimited ? 'usage_limit_reached' : 'upstream_rate_limited') : status === 401 ? 'upstream_unauthorized' : 'upstream_5xx';
    return { kind: 'failover', failure: { accountId, status, code, usageLimited, cooled, passthrough: { status, headers, body } } };
  }

  const answer = (answerStatus: number, body: Buffer) => {
    if (job.respond) return job.respond({ status: answerStatus, headers, body, accountId });
    res.writeHead(answerStatus, { ...headers, 'content-length': body.length });
    res.end(body);
  };

  if (status >= 400) {
    // The request itself was refused (400, 403, 404, …): another account would refuse it too.
    const body = await readLimited(response.body, MAX_UPSTREAM_ERROR_BODY).catch(() => Buffer.alloc(0));
    if (job.sink && !job.respond) throw upstreamError(status, body, {});
    answer(status, body);
    return { kind: 'served', status, fault: 'client', code: `upstream_${status}` };
  }

  if (contentType.includes('text/event-stream')) {
    const result = await relaySse({
      body: response.body,
      // A client that takes nothing for as long as an upstream may stay silent is gone.
      sink: job.sink ?? passthroughSink(res, ctx.sseKeepaliveMs, ctx.timeouts.bodyIdleMs),
      status,
      headers,
      started: trace.started,
      clock: ctx.clock,
      clientGone: exchange.clientGone,
      observer: {
        onResponseId: (id) => ctx.affinity.set(pool.id, 'response', ctx.continuityKey(pool.id, 'response', id), accountId),
        onRateLimitEvent: (data) => ctx.pools.recordEventEvidence(accountId, data, ctx.clock()),
      },
    });
    if (result.kind === 'retryable') {
      response.body.destroy();
      const usageLimited = result.code === 'usage_limit_reached';
      // The stream's own codex.rate_limits event has already told when the exhausted window resets.
      const cooled = usageLimited && coolUntilReset(ctx, accountId, null);
      const passthrough = result.received ? { status, headers: { ...headers, 'cache-control': 'no-cache' }, body: result.received, streamFailure: true } : undefined;
      return { kind: 'failover', failure: { accountId, status: 502, code: result.code, message: result.message, usageLimited, cooled, passthrough } };
    }
    if (result.kind === 'client_closed') return { kind: 'client_closed' };
    if (result.kind === 'refused') throw upstreamFailureError(result);
    trace.ttfbMs = result.ttfbMs;
    if (result.usage) trace.usage = result.usage;
    if (result.kind === 'broken') return { kind: 'served', status: 200, fault: breakFault(result), code: result.code };
    if (result.incomplete) return { kind: 'served', status, fault: 'client', code: 'response_incomplete' };
    return { kind: 'served', status, fault: null, code: null };
  }

  let body: Buffer;
  try {
    body = await readLimited(response.body, MAX_UPSTREAM_JSON_BODY);
  } catch (error) {
    // Nothing reached the client yet: a body cut short is the account's failure, like a reset.
    if (exchange.clientGone()) return { kind: 'client_closed' };
    const code = error instanceof AppError ? error.code : 'upstream_body_incomplete';
    return { kind: 'failover', failure: { accountId, status: 502, code, usageLimited: false, cooled: false } };
  }
  trace.ttfbMs = ctx.clock() - trace.started;
  const json = parseJsonOrNull(body);
  trace.usage = usageFromResponse(json) ?? NO_USAGE;
  if (job.onJson) await job.onJson(json, accountId);
  answer(status, body);
  return { kind: 'served', status, fault: null, code: null };
}

/** Who broke a stream after output: a failed response names its cause; a cut stream is the account's. */
function breakFault(result: { code: string; failedResponse: boolean }): FaultClass {
  if (!result.failedResponse) return 'account';
  return isRetryableFailure(result.code) ? 'account' : 'client';
}

async function readLimited(body: UpstreamBody, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      throw new AppError('upstream_response_too_large', 'the upstream response was too large', 502);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

