import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { AppError } from '../errors';
import { hashContinuityKey, pickContinuityHeader, planRoute, type FaultClass, type RouteClass } from '../routing';
import { accountHeaders, forwardedClientHeaders, identityHeaders } from '../upstream/headers';
import { parseRateLimitHeaders, parseUsageLimitBody } from '../upstream/quota-evidence';
import { costMicros, usageFromResponse, NO_USAGE, type TokenUsage } from '../usage/pricing';
import type { AttemptRecord } from '../usage/request-log';
import type { GatewayContext } from './context';
import { sendError, toAppError } from './errors';
import type { AuthenticatedKey } from './keys';
import type { PoolState } from './pool-state';
import { readDecodedBody } from './request-body';
import { relaySse } from './relay';

const MAX_UPSTREAM_ERROR_BODY = 1024 * 1024;
const MAX_UPSTREAM_JSON_BODY = 64 * 1024 * 1024;

/** Upstream response headers the client sees (rate-limit families, turn state, request ids). */
function clientResponseHeaders(upstream: Dispatcher.ResponseData['headers'], pool: PoolState): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined) continue;
    if (name.startsWith('x-codex-') || name === 'openai-model' || name === 'x-request-id' || name === 'x-reasoning-included') {
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  headers['x-models-etag'] = pool.catalog.etag;
  return headers;
}

type Payload = Record<string, unknown> & { model: string };

function parsePayload(raw: Buffer): Payload {
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

/** What a failed attempt leaves behind for the decision after the loop. */
type Failure = {
  status: number;
  code: string;
  passthrough?: { status: number; headers: Record<string, string>; body: Buffer };
  usageLimited: boolean;
};

/** Collects the request-log row while the request runs; written once, behind the response. */
class RequestTrace {
  readonly attempts: AttemptRecord[] = [];
  accountId: string | null = null;
  model: string | null = null;
  poolId: string | null = null;
  apiKeyId: string | null = null;
  ttfbMs: number | null = null;
  usage: TokenUsage = NO_USAGE;
  private written = false;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly route: string,
    private readonly transport: string,
    readonly started: number,
  ) {}

  attempt(accountId: string, status: number, started: number, fault: FaultClass | null, code: string | null, retryable: boolean, ttfbMs: number | null = null) {
    this.attempts.push({ accountId, status, latencyMs: this.ctx.clock() - started, ttfbMs, retryable, errorClass: fault, errorCode: code });
  }

  finish(status: number, fault: FaultClass | null, code: string | null) {
    if (this.written) return;
    this.written = true;
    this.ctx.requestLog.record({
      createdAt: new Date(this.started),
      poolId: this.poolId,
      apiKeyId: this.apiKeyId,
      accountId: this.accountId,
      route: this.route,
      transport: this.transport,
      model: this.model,
      status,
      errorClass: fault,
      errorCode: code,
      latencyMs: this.ctx.clock() - this.started,
      ttfbMs: this.ttfbMs,
      usage: this.usage,
      costMicros: costMicros(this.model, this.usage),
      attempts: this.attempts,
    });
  }
}

export type ResponsesRoute = { path: string; compact: boolean };

/** `POST /backend-api/codex/responses` and `/responses/compact`: authenticate, plan, try accounts, relay. */
export async function handleResponses(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse, route: ResponsesRoute) {
  const started = ctx.clock();
  const upstreamAbort = new AbortController();
  let clientGone = false;
  res.once('close', () => {
    if (!res.writableFinished) {
      clientGone = true;
      upstreamAbort.abort();
    }
  });
  const trace = new RequestTrace(ctx, route.path, 'http', started);
  try {
    const key = await ctx.keys.authenticate(req.headers.authorization);
    trace.apiKeyId = key.id;
    trace.poolId = key.poolId;
    const raw = await readDecodedBody(req, ctx.bodyLimits);
    const payload = parsePayload(raw);
    trace.model = payload.model;
    if (key.allowedModels.length > 0 && !key.allowedModels.includes(payload.model)) {
      throw new AppError('model_not_allowed', `model ${payload.model} is not allowed for this API key`, 403, 'model');
    }
    await ctx.limits.admit(key, started);
    const pool = await ctx.pools.get(key.poolId);
    if (!pool) throw new AppError('api_key_missing', 'a valid Pool API key is required', 401);
    await ctx.affinity.warm(pool.id);
    void ctx.catalog.ensure(pool.id);

    const stream = payload.stream === true;
    const routeClass: RouteClass = route.compact ? 'compact' : stream ? 'stream' : 'http';
    const outcome = await dispatch(ctx, { req, res, key, pool, payload, raw, routeClass, route, trace, abort: upstreamAbort, clientGone: () => clientGone });
    trace.finish(outcome.status, outcome.fault, outcome.code);
    if (outcome.status < 400) await ctx.limits.recordTokens(key, trace.usage.inputTokens + trace.usage.outputTokens, ctx.clock());
  } catch (error) {
    const appError = toAppError(error);
    if (appError.status === 500) ctx.runtime.log.error({ err: error }, 'gateway request failed');
    if (!clientGone) sendError(res, appError);
    trace.finish(clientGone ? 499 : appError.status, appError.status >= 500 ? 'platform' : 'client', appError.code);
  }
}

type Job = {
  req: IncomingMessage;
  res: ServerResponse;
  key: AuthenticatedKey;
  pool: PoolState;
  payload: Payload;
  raw: Buffer;
  routeClass: RouteClass;
  route: ResponsesRoute;
  trace: RequestTrace;
  abort: AbortController;
  clientGone: () => boolean;
};

type Outcome = { status: number; fault: FaultClass | null; code: string | null };

async function dispatch(ctx: GatewayContext, job: Job): Promise<Outcome> {
  const { pool, payload, req, routeClass } = job;
  const now = ctx.clock();
  const continuity = pickContinuityHeader(req.headers);
  const sessionKey = continuity ? hashContinuityKey(pool.id, 'session', continuity.value) : undefined;
  const previousId = typeof payload.previous_response_id === 'string' ? payload.previous_response_id : undefined;
  const previousKey = previousId ? hashContinuityKey(pool.id, 'response', previousId) : undefined;
  const previousAccount = previousKey ? ctx.affinity.get(pool.id, 'response', previousKey) : undefined;
  const cacheKey = typeof payload.prompt_cache_key === 'string' ? hashContinuityKey(pool.id, 'session', `prompt-cache:${payload.prompt_cache_key}`) : undefined;

  const routePlan = planRoute({
    accounts: pool.snapshots,
    request: {
      model: payload.model,
      routeClass,
      continuityKey: sessionKey,
      previousResponseAccountId: previousAccount,
      promptCacheKeyHash: cacheKey,
      sessionAccountId: sessionKey && pool.policy.stickySessions ? ctx.affinity.get(pool.id, 'session', sessionKey) : undefined,
      seed: sessionKey ?? cacheKey ?? randomUUID(),
    },
    policy: pool.policy,
    health: ctx.health,
    now,
  });

  if (routePlan.outcome.kind === 'all_exhausted') {
    throw usageLimitError(routePlan.outcome.retryAfterSeconds, routePlan.outcome.retryAt, routePlan.outcome.counts);
  }
  if (routePlan.outcome.kind === 'no_eligible_backend') {
    if (previousAccount) throw new AppError('pinned_continuation_unavailable', 'the account holding previous_response_id cannot serve now', 503, 'previous_response_id');
    throw new AppError('no_eligible_backend', 'no upstream account in this Pool can serve this request', 503, null, {}, {
      reasons: routePlan.outcome.counts,
    });
  }

  // Compaction keeps its state on one account: it is never retried elsewhere.
  const plan = job.route.compact ? routePlan.plan.slice(0, 1) : routePlan.plan;
  const needsProbe = new Set(routePlan.needsProbe);
  let lastFailure: Failure | null = null;
  let tried = 0;
  for (const accountId of plan) {
    if (job.clientGone()) return { status: 499, fault: 'client', code: 'client_closed' };
    const healthKey = { accountId, model: payload.model, routeClass };
    if (ctx.health.beginAttempt(healthKey, ctx.clock()) !== 'allowed') continue;
    if (needsProbe.has(accountId)) {
      await ctx.probe.probe(accountId);
      const account = ctx.pools.account(accountId);
      const exhausted = account?.snapshot.windows.some((w) => w.usedPercent >= 100 && (w.resetsAt ?? 0) > ctx.clock());
      if (exhausted) {
        ctx.health.recordFailure(healthKey, 'platform', ctx.clock());
        continue;
      }
    }
    tried += 1;
    const attemptStarted = ctx.clock();
    const result = await attempt(ctx, job, accountId);
    if (result.kind === 'served') {
      const fault = result.fault;
      if (fault === 'account') ctx.health.recordFailure(healthKey, 'account', ctx.clock());
      else if (result.status < 400) {
        ctx.health.recordSuccess(healthKey);
        ctx.pools.markSuccess(accountId, ctx.clock());
        if (sessionKey) ctx.affinity.set(pool.id, 'session', sessionKey, accountId);
      } else ctx.health.recordFailure(healthKey, 'client', ctx.clock());
      job.trace.accountId = accountId;
      job.trace.attempt(accountId, result.status, attemptStarted, fault, result.code, false, job.trace.ttfbMs);
      return { status: result.status, fault, code: result.code };
    }
    if (result.kind === 'client_closed') {
      ctx.health.recordFailure(healthKey, 'client', ctx.clock());
      job.trace.attempt(accountId, 499, attemptStarted, 'client', 'client_closed', false);
      job.trace.accountId = accountId;
      return { status: 499, fault: 'client', code: 'client_closed' };
    }
    ctx.health.recordFailure(healthKey, 'account', ctx.clock());
    job.trace.attempt(accountId, result.failure.status, attemptStarted, 'account', result.failure.code, true);
    lastFailure = result.failure;
  }

  if (!lastFailure) {
    throw new AppError('no_eligible_backend', 'no upstream account in this Pool could be tried', 503);
  }
  // Every account used its quota up: one answer with the earliest reset in the Pool.
  if (lastFailure.usageLimited && tried > 1) {
    const retryAt = earliestReset(ctx, pool);
    if (retryAt !== null) throw usageLimitError(Math.max(1, Math.ceil((retryAt - ctx.clock()) / 1000)), retryAt, { quota_exhausted: tried });
  }
  if (lastFailure.passthrough) {
    const { status, headers, body } = lastFailure.passthrough;
    const extra: Record<string, string> = {};
    if (lastFailure.usageLimited) {
      const retryAt = earliestReset(ctx, pool);
      if (retryAt !== null) extra['retry-after'] = String(Math.max(1, Math.ceil((retryAt - ctx.clock()) / 1000)));
    }
    job.res.writeHead(status, { ...headers, ...extra, 'content-length': body.length });
    job.res.end(body);
    return { status, fault: 'account', code: lastFailure.code };
  }
  throw new AppError('upstream_request_failed', `upstream request failed: ${lastFailure.code}`, 502);
}

function usageLimitError(retryAfterSeconds: number, retryAt: number, counts: Record<string, number | undefined>): AppError {
  // Codex CLI recognises `type: usage_limit_reached` and shows the reset time from `resets_at`.
  return new AppError(
    'usage_limit_reached',
    'every account in this Pool has reached its usage limit',
    429,
    null,
    { 'retry-after': String(retryAfterSeconds) },
    { type: 'usage_limit_reached', resets_at: Math.ceil(retryAt / 1000), resets_in_seconds: retryAfterSeconds, accounts: counts },
  );
}

/** When the first of the Pool's blocked accounts frees up, from cooldowns and exhausted windows. */
function earliestReset(ctx: GatewayContext, pool: PoolState): number | null {
  const now = ctx.clock();
  let earliest: number | null = null;
  for (const snapshot of pool.snapshots) {
    let freeAt = ctx.health.cooldownEnd(snapshot.id, now) ?? now;
    for (const window of snapshot.windows) {
      if (window.usedPercent >= 100 && window.resetsAt !== null && window.resetsAt > now) freeAt = Math.max(freeAt, window.resetsAt);
    }
    if (freeAt > now && (earliest === null || freeAt < earliest)) earliest = freeAt;
  }
  return earliest;
}

type AttemptResult =
  | { kind: 'served'; status: number; fault: FaultClass | null; code: string | null }
  | { kind: 'failover'; failure: Failure }
  | { kind: 'client_closed' };

async function attempt(ctx: GatewayContext, job: Job, accountId: string): Promise<AttemptResult> {
  const account = ctx.pools.account(accountId)!;
  const { req, res, pool, trace } = job;

  const send = async (token: string) =>
    ctx.client.request(`${ctx.upstreamBaseUrl}/codex/${job.route.compact ? 'responses/compact' : 'responses'}`, {
      method: 'POST',
      headers: {
        ...forwardedClientHeaders(req.headers),
        ...identityHeaders(ctx.identity),
        ...accountHeaders(token, account.chatgptAccountId),
        'content-type': 'application/json',
        accept: job.payload.stream === true ? 'text/event-stream' : 'application/json',
      },
      body: job.raw,
      signal: job.abort.signal,
    });

  let response: Dispatcher.ResponseData;
  try {
    let token = await ctx.credentials.accessToken(accountId);
    response = await send(token);
    if (response.statusCode === 401) {
      // An expired or revoked access token: refresh once (shared with concurrent requests), retry here.
      await response.body.dump();
      token = await ctx.credentials.accessToken(accountId, token);
      response = await send(token);
    }
  } catch (error) {
    if (job.clientGone()) return { kind: 'client_closed' };
    const code = error instanceof AppError ? error.code : ((error as { code?: string }).code ?? 'upstream_network_error');
    return { kind: 'failover', failure: { status: 502, code, usageLimited: false } };
  }

  const now = ctx.clock();
  ctx.pools.recordWindows(accountId, parseRateLimitHeaders(response.headers, now), 'response_headers');
  const status = response.statusCode;

  if (status === 429 || status >= 500 || status === 401) {
    const body = await readLimited(response.body, MAX_UPSTREAM_ERROR_BODY);
    let usageLimited = false;
    if (status === 429) {
      const limit = parseUsageLimitBody(safeJson(body), now);
      if (limit) {
        usageLimited = true;
        const resetAt = limit.resetsAt ?? latestExhaustedReset(ctx, accountId);
        if (resetAt !== null) ctx.health.coolUntil(accountId, resetAt);
      }
    }
    const headers = { ...clientResponseHeaders(response.headers, pool), 'content-type': String(response.headers['content-type'] ?? 'application/json') };
    const code = status === 429 ? (usageLimited ? 'usage_limit_reached' : 'upstream_rate_limited') : status === 401 ? 'upstream_unauthorized' : 'upstream_5xx';
    return { kind: 'failover', failure: { status, code, usageLimited, passthrough: { status, headers, body } } };
  }

  const contentType = String(response.headers['content-type'] ?? '');
  const headers = { ...clientResponseHeaders(response.headers, pool), 'content-type': contentType || 'application/json' };

  if (status >= 400) {
    // The request itself was refused (400, 403, 404, …): another account would refuse it too.
    const body = await readLimited(response.body, MAX_UPSTREAM_ERROR_BODY);
    res.writeHead(status, { ...headers, 'content-length': body.length });
    res.end(body);
    return { kind: 'served', status, fault: 'client', code: `upstream_${status}` };
  }

  if (contentType.includes('text/event-stream')) {
    const result = await relaySse({
      body: response.body,
      res,
      started: trace.started,
      clock: ctx.clock,
      clientGone: job.clientGone,
      writeHead: () => {
        res.writeHead(status, { ...headers, 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
        res.flushHeaders();
      },
      observer: {
        onResponseId: (id) => ctx.affinity.set(pool.id, 'response', hashContinuityKey(pool.id, 'response', id), accountId),
        onRateLimits: (windows) => ctx.pools.recordWindows(accountId, windows, 'rate_limit_event'),
      },
    });
    if (result.kind === 'retryable') {
      response.body.destroy();
      return { kind: 'failover', failure: { status: 502, code: result.code, usageLimited: result.code === 'usage_limit_reached' } };
    }
    if (result.kind === 'client_closed') return { kind: 'client_closed' };
    trace.ttfbMs = result.ttfbMs;
    if (result.usage) trace.usage = result.usage;
    res.end();
    if (result.kind === 'broken') return { kind: 'served', status: 200, fault: result.failedResponse ? 'client' : 'account', code: result.code };
    return { kind: 'served', status, fault: null, code: null };
  }

  const body = await readLimited(response.body, MAX_UPSTREAM_JSON_BODY);
  trace.ttfbMs = ctx.clock() - trace.started;
  trace.usage = usageFromResponse(safeJson(body)) ?? NO_USAGE;
  res.writeHead(status, { ...headers, 'content-length': body.length });
  res.end(body);
  return { kind: 'served', status, fault: null, code: null };
}

function latestExhaustedReset(ctx: GatewayContext, accountId: string): number | null {
  const windows = ctx.pools.account(accountId)?.snapshot.windows ?? [];
  const resets = windows.filter((w) => w.usedPercent >= 100 && w.resetsAt !== null).map((w) => w.resetsAt!);
  return resets.length ? Math.max(...resets) : null;
}

async function readLimited(body: Dispatcher.ResponseData['body'], limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      throw new AppError('upstream_response_too_large', 'the upstream response was too large', 502);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function safeJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
}
