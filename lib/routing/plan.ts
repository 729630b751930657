import { evaluateEligibility } from './eligibility';
import type { RoutingHealth } from './health';
import { orderCandidates, type OrderNotes } from './strategies';
import type { AccountSnapshot, ExcludedAccount, PoolRoutingPolicy, ReasonCode, RouteRequest } from './types';

export interface RoutePlanInput {
  accounts: readonly AccountSnapshot[];
  request: RouteRequest;
  policy: PoolRoutingPolicy;
  health: RoutingHealth;
  now: number;
}

/** How many excluded accounts carry each reason; an account with two reasons counts for both. */
export type ReasonCounts = Partial<Record<ReasonCode, number>>;

export type RouteOutcome =
  | { kind: 'planned' }
  /** Waiting helps: the first account frees up at `retryAt` (epoch ms). */
  | { kind: 'all_exhausted'; retryAt: number; retryAfterSeconds: number; counts: ReasonCounts }
  | { kind: 'no_eligible_backend'; counts: ReasonCounts };

export interface RoutePlan {
  plan: string[];
  needsProbe: string[];
  notes: OrderNotes;
  excluded: ExcludedAccount[];
  outcome: RouteOutcome;
}

/** Reasons that no amount of waiting removes; such accounts do not decide the empty-plan outcome. */
export const NEEDS_OPERATOR_OR_OTHER_REQUEST: ReadonlySet<ReasonCode> = new Set<ReasonCode>([
  'account_paused',
  'account_disabled',
  'account_reauth_required',
  'model_unsupported',
  'pinned_elsewhere',
]);

const TIME_BOUND: ReadonlySet<ReasonCode> = new Set<ReasonCode>(['quota_exhausted', 'cooling_down']);

export function planRoute({ accounts, request, policy, health, now }: RoutePlanInput): RoutePlan {
  const { eligible, excluded } = evaluateEligibility(accounts, request, health, now);
  const { plan, needsProbe, notes } = orderCandidates(eligible, request, policy, health, now);
  const outcome: RouteOutcome = plan.length > 0 ? { kind: 'planned' } : emptyPlanOutcome(excluded, now);
  return { plan, needsProbe, notes, excluded, outcome };
}

/**
 * `all_exhausted` when waiting is the answer: at least one account is blocked only by quota or
 * cooldown with a known end, and every other account is either the same or out for reasons time
 * does not fix (disabled, paused, re-auth, model, pin). Anything that may clear sooner on its own
 * (an open circuit, an exhaustion without a known reset) makes it `no_eligible_backend`.
 */
function emptyPlanOutcome(excluded: readonly ExcludedAccount[], now: number): RouteOutcome {
  const counts: ReasonCounts = {};
  let retryAt = Number.POSITIVE_INFINITY;
  let clearsUnpredictably = false;

  for (const { reasons, availableAt } of excluded) {
    for (const reason of reasons) counts[reason] = (counts[reason] ?? 0) + 1;
    if (reasons.some((reason) => NEEDS_OPERATOR_OR_OTHER_REQUEST.has(reason))) continue;
    if (availableAt !== null && reasons.every((reason) => TIME_BOUND.has(reason))) {
      retryAt = Math.min(retryAt, availableAt);
    } else {
      clearsUnpredictably = true;
    }
  }

  if (clearsUnpredictably || retryAt === Number.POSITIVE_INFINITY) return { kind: 'no_eligible_backend', counts };
  return {
    kind: 'all_exhausted',
    retryAt,
    retryAfterSeconds: Math.max(1, Math.ceil((retryAt - now) / 1000)),
    counts,
  };
}
