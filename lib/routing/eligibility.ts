import type { RoutingHealth } from './health';
import type {
  AccountSnapshot,
  EligibleAccount,
  ExcludedAccount,
  QuotaState,
  QuotaWindow,
  ReasonCode,
  RouteRequest,
} from './types';

/** Quota evidence older than this says nothing about the account now. */
export const QUOTA_FRESHNESS_MS = 15 * 60 * 1000;

export interface EligibilityResult {
  eligible: EligibleAccount[];
  excluded: ExcludedAccount[];
}

const STATUS_REASON: Partial<Record<AccountSnapshot['status'], ReasonCode>> = {
  paused: 'account_paused',
  disabled: 'account_disabled',
  reauth_required: 'account_reauth_required',
  // `refreshing` stays eligible: the current access token is usually still valid while a refresh runs.
};

/**
 * Splits the pool's accounts into those that may serve `request` and those that may not, with every
 * reason that applies (a hard pin elsewhere is the only reason reported alone: nothing else matters
 * for such an account).
 */
export function evaluateEligibility(
  accounts: readonly AccountSnapshot[],
  request: RouteRequest,
  health: RoutingHealth,
  now: number,
): EligibilityResult {
  const eligible: EligibleAccount[] = [];
  const excluded: ExcludedAccount[] = [];
  const checkModel = request.routeClass !== 'file';

  for (const account of accounts) {
    if (isPinnedElsewhere(account.id, request)) {
      excluded.push({ accountId: account.id, reasons: ['pinned_elsewhere'], availableAt: null });
      continue;
    }

    const reasons: ReasonCode[] = [];
    const statusReason = STATUS_REASON[account.status];
    if (statusReason) reasons.push(statusReason);
    if (checkModel && account.models.length > 0 && !account.models.includes(request.model)) {
      reasons.push('model_unsupported');
    }

    // The account is available again once every time-bound block has lifted; an unknown end wins.
    let availableAt: number | null = null;
    let blockEndUnknown = false;
    const cooldownEnd = health.cooldownEnd(account.id, now);
    if (cooldownEnd !== null) {
      reasons.push('cooling_down');
      availableAt = cooldownEnd;
    }
    if (health.isBackingOffRefresh(account.id, now)) reasons.push('token_refresh_backoff');
    const quota = assessQuota(account.windows, now);
    if (quota.exhausted) {
      reasons.push('quota_exhausted');
      if (quota.exhaustedUntil === null) blockEndUnknown = true;
      else availableAt = Math.max(availableAt ?? 0, quota.exhaustedUntil);
    }

    const circuitRefusal = health.circuitRefusal(account.id, request.model, request.routeClass, now);
    if (circuitRefusal) reasons.push(circuitRefusal);

    if (reasons.length === 0) {
      eligible.push({ account, quotaState: quota.state, headroomPercent: quota.headroomPercent });
    } else {
      excluded.push({ accountId: account.id, reasons, availableAt: blockEndUnknown ? null : availableAt });
    }
  }
  return { eligible, excluded };
}

function isPinnedElsewhere(accountId: string, request: RouteRequest): boolean {
  return (
    (request.previousResponseAccountId !== undefined && request.previousResponseAccountId !== accountId) ||
    (request.filePinAccountId !== undefined && request.filePinAccountId !== accountId)
  );
}

export interface QuotaAssessment {
  state: QuotaState;
  headroomPercent: number;
  exhausted: boolean;
  /** Latest reset among the exhausted windows; null when one of them has no known reset. */
  exhaustedUntil: number | null;
}

/**
 * Only current evidence counts: a window observed more than QUOTA_FRESHNESS_MS ago, or one whose
 * reset has already passed, describes the past and is skipped. Without current evidence an account
 * is `needs_probe`, never excluded.
 */
export function assessQuota(windows: readonly QuotaWindow[], now: number): QuotaAssessment {
  let hasPrimary = false;
  let hasSecondary = false;
  let headroomPercent = 100;
  let exhausted = false;
  let exhaustedUntil: number | null = 0;

  for (const window of windows) {
    if (now - window.observedAt > QUOTA_FRESHNESS_MS) continue;
    if (window.resetsAt !== null && window.resetsAt <= now) continue;
    if (window.usedPercent >= 100) {
      exhausted = true;
      exhaustedUntil =
        window.resetsAt === null || exhaustedUntil === null ? null : Math.max(exhaustedUntil, window.resetsAt);
      continue;
    }
    headroomPercent = Math.min(headroomPercent, 100 - window.usedPercent);
    if (window.kind === 'primary') hasPrimary = true;
    else hasSecondary = true;
  }

  const state: QuotaState = hasPrimary ? 'precise' : hasSecondary ? 'weekly_only' : 'needs_probe';
  return {
    state,
    headroomPercent: state === 'needs_probe' ? 0 : headroomPercent,
    exhausted,
    exhaustedUntil: exhausted ? exhaustedUntil : null,
  };
}
