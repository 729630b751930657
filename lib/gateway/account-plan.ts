import { AppError } from '../errors';
import { NEEDS_OPERATOR_OR_OTHER_REQUEST, assessQuota, planRoute, type ExcludedAccount, type HealthKey, type RouteClass } from '../routing';
import { parseUsageLimitBody, retryAfterTime } from '../upstream/quota-evidence';
import type { GatewayContext } from './context';
import type { PoolState } from './pool-state';

/** Routing inputs that keep a conversation in place; every key here is already hashed. */
export type Continuity = {
  sessionKey?: string;
  previousAccountId?: string;
  cacheKey?: string;
  filePinAccountId?: string;
};

export type PlanRequest = {
  pool: PoolState;
  /** Catalog slug; empty for routes that are not bound to a model (files). */
  model: string;
  routeClass: RouteClass;
  continuity: Continuity;
  /** The account this conversation prefers; by default the one its session key last used. */
  sessionAccountId?: string;
};

/**
 * The accounts one request may try, in order, and what every transport does around each try: the
 * circuit gate, a `wham/usage` probe before the first use of an account with no quota evidence,
 * and the single 429 with the earliest reset when every account turns out to be out of quota.
 * HTTP dispatch and websocket connects both go through it.
 */
export class AccountPlan {
  readonly order: string[];
  private readonly needsProbe: ReadonlySet<string>;
  /** Why the planner left accounts out: the Retry-After after a failure skips those waiting does not bring back. */
  private readonly excluded: readonly ExcludedAccount[];
  /** Accounts tried, and those found out of quota (by the probe or by a 429 usage limit). */
  private considered = 0;
  private usageLimited = 0;

  /** Throws the planner's own refusals: all out of quota (429), nothing eligible (503). */
  constructor(
    private readonly ctx: GatewayContext,
    private readonly request: PlanRequest,
  ) {
    const { pool, continuity, model, routeClass } = request;
    const sessionAccountId =
      request.sessionAccountId ??
      (continuity.sessionKey && pool.policy.stickySessions ? ctx.affinity.get(pool.id, 'session', continuity.sessionKey) : undefined);
    const routePlan = planRoute({
      accounts: pool.snapshots,
      request: {
        model,
        routeClass,
        continuityKey: continuity.sessionKey,
        previousResponseAccountId: continuity.previousAccountId,
        filePinAccountId: continuity.filePinAccountId,
        promptCacheKeyHash: continuity.cacheKey,
        sessionAccountId,
        // A prompt-cache key seeds the order only where the Pool keeps prompt-cache locality.
        seed: continuity.sessionKey ?? (pool.policy.promptCacheAffinity ? continuity.cacheKey : undefined),
      },
      policy: pool.policy,
      health: ctx.health,
      now: ctx.clock(),
    });
    if (routePlan.outcome.kind === 'all_exhausted') {
      throw usageLimitError(routePlan.outcome.retryAfterSeconds, routePlan.outcome.retryAt, routePlan.outcome.counts);
    }
    if (routePlan.outcome.kind === 'no_eligible_backend') {
      // No account of the Pool has the model: the request is wrong, not the Pool unavailable (a
      // 5xx would have clients retry a typo).
      if (model && routePlan.excluded.length > 0 && routePlan.excluded.every((e) => e.reasons.includes('model_unsupported'))) {
        throw new AppError('model_not_found', `the model ${model} is not served by this Pool`, 404, 'model');
      }
      if (continuity.previousAccountId) {
        throw new AppError('pinned_continuation_unavailable', 'the account holding previous_response_id cannot serve now', 503, 'previous_response_id');
      }
      throw new AppError('no_eligible_backend', 'no upstream account in this Pool can serve this request', 503, null, {}, { reasons: routePlan.outcome.counts });
    }
    this.order = routePlan.plan;
    this.needsProbe = new Set(routePlan.needsProbe);
    this.excluded = routePlan.excluded;
  }

  /**
   * Whether to send to `accountId` now: not while its circuit is open (or its half-open probe is
   * taken), and not when the usage probe finds an account without evidence out of quota.
   */
  async admit(accountId: string): Promise<boolean> {
    const { ctx } = this;
    const healthKey = { accountId, model: this.request.model, routeClass: this.request.routeClass };
    if (ctx.health.beginAttempt(healthKey, ctx.clock()) !== 'allowed') return false;
    this.considered += 1;
    if (!this.needsProbe.has(accountId)) return true;
    await ctx.probe.probe(accountId);
    const snapshot = ctx.pools.account(accountId)?.snapshot;
    if (!snapshot || !assessQuota(snapshot.windows, ctx.clock()).exhausted) return true;
    this.usageLimited += 1;
    ctx.health.recordFailure(healthKey, 'platform', ctx.clock());
    return false;
  }

  /**
   * A try that failed over: the failure counts against the account's health, and a usage limit
   * (a 429 that says so) toward the single earliest-reset answer. A limit with a known end has
   * already cooled the account until then; it is a quota state, not a fault, so it opens no
   * circuit (an open circuit would turn the Pool's "wait until" 429 into a 503).
   */
  failedOver(accountId: string, usageLimited: boolean, cooled: boolean) {
    recordFailover(this.ctx, { accountId, model: this.request.model, routeClass: this.request.routeClass }, cooled);
    if (usageLimited) this.usageLimited += 1;
  }

  /**
   * After every try failed: one 429 with the earliest reset in the Pool when each account
   * considered was out of quota. A lone account's own 429 is passed through instead when the
   * transport can (`passthrough`), with the same Retry-After.
   */
  exhaustedError(passthrough: boolean): AppError | null {
    if (this.considered === 0 || this.usageLimited < this.considered || (this.considered === 1 && passthrough)) return null;
    const after = this.retryAfter();
    return after ? usageLimitError(after.seconds, after.retryAt, { quota_exhausted: this.usageLimited }) : null;
  }

  /**
   * When the first account this request could use frees up, from cooldowns and exhausted windows.
   * Accounts that waiting does not bring back (paused, without the model, pinned away) do not count.
   */
  retryAfter(): { retryAt: number; seconds: number } | null {
    const now = this.ctx.clock();
    const ruledOut = new Set(this.excluded.filter((e) => e.reasons.some((r) => NEEDS_OPERATOR_OR_OTHER_REQUEST.has(r))).map((e) => e.accountId));
    let earliest: number | null = null;
    for (const snapshot of this.request.pool.snapshots) {
      if (ruledOut.has(snapshot.id)) continue;
      const freeAt = Math.max(this.ctx.health.cooldownEnd(snapshot.id, now) ?? now, assessQuota(snapshot.windows, now).exhaustedUntil ?? now);
      if (freeAt > now && (earliest === null || freeAt < earliest)) earliest = freeAt;
    }
    return earliest === null ? null : { retryAt: earliest, seconds: Math.max(1, Math.ceil((earliest - now) / 1000)) };
  }
}

/**
 * A failed try's mark on the account's health. A limit that `cooled` the account until a known
 * time (a usage limit, a rate limit with Retry-After) is a quota state and leaves none.
 */
export function recordFailover(ctx: GatewayContext, key: HealthKey, cooled: boolean) {
  const now = ctx.clock();
  ctx.health.recordFailure(key, cooled ? 'platform' : 'account', now);
}

/**
 * After a usage limit: the account sits out until its reset, as the answer gave it or else as its
 * quota evidence says (the planner's reading of its exhausted windows).
 */
export function coolUntilReset(ctx: GatewayContext, accountId: string, resetAt: number | null): boolean {
  const windows = ctx.pools.account(accountId)?.snapshot.windows ?? [];
  const until = resetAt ?? assessQuota(windows, ctx.clock()).exhaustedUntil;
  if (until === null) return false;
  ctx.health.coolUntil(accountId, until);
  return true;
}

/** What a 429 said: a usage limit (its body says so), and whether it put the account out until a known time. */
export type LimitOutcome = { usageLimited: boolean; cooled: boolean };

export const NOT_LIMITED: LimitOutcome = { usageLimited: false, cooled: false };

/**
 * After a 429, over any transport: a usage limit cools the account until its reset, a rate limit
 * until its `Retry-After`. Either is a quota state (`cooled`), not a fault.
 */
export function coolAfter429(ctx: GatewayContext, accountId: string, body: unknown, retryAfter: string | string[] | undefined): LimitOutcome {
  const now = ctx.clock();
  const limit = parseUsageLimitBody(body, now);
  if (limit) return { usageLimited: true, cooled: coolUntilReset(ctx, accountId, limit.resetsAt) };
  const until = retryAfterTime(retryAfter, now);
  if (until === null) return NOT_LIMITED;
  ctx.health.coolUntil(accountId, until);
  return { usageLimited: false, cooled: true };
}

function usageLimitError(retryAfterSeconds: number, retryAt: number, counts: Record<string, number | undefined>): AppError {
  // Codex CLI recognises `type: usage_limit_reached` and shows the reset time from `resets_at`.
  return new AppError(
    'usage_limit_reached',
    'every account in this Pool is at a usage or rate limit',
    429,
    null,
    { 'retry-after': String(retryAfterSeconds) },
    { type: 'usage_limit_reached', resets_at: Math.ceil(retryAt / 1000), resets_in_seconds: retryAfterSeconds, accounts: counts },
  );
}
