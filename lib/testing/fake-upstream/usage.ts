/**
 * Per-account usage windows (5-hour primary, weekly secondary) and the three ways the backend reports
 * them: response headers (§5.1), the in-stream `codex.rate_limits` event (§5.2) and `wham/usage` (§9.1).
 */

const PRIMARY_WINDOW_MINUTES = 300;
const SECONDARY_WINDOW_MINUTES = 10_080;

export type PlanType =
  | 'guest' | 'free' | 'go' | 'plus' | 'pro' | 'free_workspace' | 'team' | 'business'
  | 'education' | 'quorum' | 'k12' | 'enterprise' | 'edu';

export type UsageWindow = { usedPercent: number; windowMinutes: number; resetAt: number };
export type Credits = { hasCredits: boolean; unlimited: boolean; balance: string };
export type UsageSnapshot = { primary: UsageWindow; secondary: UsageWindow; credits: Credits };

export type WindowPatch = { usedPercent?: number; resetAt?: number };
export type UsagePatch = { primary?: WindowPatch; secondary?: WindowPatch; credits?: Partial<Credits> };

export class UsageMeter {
  private readonly primary: UsageWindow;
  private readonly secondary: UsageWindow;
  private credits: Credits = { hasCredits: false, unlimited: false, balance: '0' };

  constructor(nowSeconds: number) {
    this.primary = freshWindow(PRIMARY_WINDOW_MINUTES, nowSeconds);
    this.secondary = freshWindow(SECONDARY_WINDOW_MINUTES, nowSeconds);
  }

  snapshot(nowSeconds: number): UsageSnapshot {
    this.rollOver(nowSeconds);
    return { primary: { ...this.primary }, secondary: { ...this.secondary }, credits: { ...this.credits } };
  }

  /** Both windows fill together, as a request counts against the 5-hour and the weekly budget alike. */
  charge(percent: number, nowSeconds: number): void {
    this.rollOver(nowSeconds);
    for (const window of [this.primary, this.secondary]) {
      window.usedPercent = Math.min(100, window.usedPercent + percent);
    }
  }

  apply(patch: UsagePatch, nowSeconds: number): void {
    this.rollOver(nowSeconds);
    Object.assign(this.primary, definedOnly(patch.primary));
    Object.assign(this.secondary, definedOnly(patch.secondary));
    this.credits = { ...this.credits, ...definedOnly(patch.credits) };
  }

  /** Fills the window whose length covers the wait: a short block is a 5-hour limit, a long one weekly. */
  exhaustUntil(resetAt: number, nowSeconds: number): void {
    this.rollOver(nowSeconds);
    const fitsPrimary = resetAt - nowSeconds <= PRIMARY_WINDOW_MINUTES * 60;
    Object.assign(fitsPrimary ? this.primary : this.secondary, { usedPercent: 100, resetAt });
  }

  /** The moment the account may serve again, or null while it still has budget. */
  limitReachedUntil(nowSeconds: number): number | null {
    this.rollOver(nowSeconds);
    const full = [this.primary, this.secondary].filter((window) => window.usedPercent >= 100);
    return full.length === 0 ? null : Math.max(...full.map((window) => window.resetAt));
  }

  private rollOver(nowSeconds: number): void {
    for (const window of [this.primary, this.secondary]) {
      if (nowSeconds >= window.resetAt) Object.assign(window, freshWindow(window.windowMinutes, nowSeconds));
    }
  }
}

function freshWindow(windowMinutes: number, nowSeconds: number): UsageWindow {
  return { usedPercent: 0, windowMinutes, resetAt: nowSeconds + windowMinutes * 60 };
}

function definedOnly<T extends object>(patch: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(patch ?? {}).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** §5.1, including the older `reset-after-seconds` and `over-secondary` names other clients still parse. */
export function rateLimitHeaders(usage: UsageSnapshot, nowSeconds: number): Record<string, string> {
  const windowHeaders = (name: 'primary' | 'secondary', window: UsageWindow) => ({
    [`x-codex-${name}-used-percent`]: window.usedPercent.toFixed(1),
    [`x-codex-${name}-window-minutes`]: String(window.windowMinutes),
    [`x-codex-${name}-reset-at`]: String(window.resetAt),
    [`x-codex-${name}-reset-after-seconds`]: String(Math.max(0, window.resetAt - nowSeconds)),
  });
  return {
    ...windowHeaders('primary', usage.primary),
    ...windowHeaders('secondary', usage.secondary),
    'x-codex-primary-over-secondary-limit-percent': '0',
    'x-codex-credits-has-credits': String(usage.credits.hasCredits),
    'x-codex-credits-unlimited': String(usage.credits.unlimited),
    'x-codex-credits-balance': usage.credits.balance,
  };
}

export function rateLimitsEvent(planType: PlanType, usage: UsageSnapshot, limitReached: boolean) {
  const window = (w: UsageWindow) => ({ used_percent: w.usedPercent, window_minutes: w.windowMinutes, reset_at: w.resetAt });
  return {
    type: 'codex.rate_limits',
    plan_type: planType,
    rate_limits: {
      allowed: !limitReached,
      limit_reached: limitReached,
      primary: window(usage.primary),
      secondary: window(usage.secondary),
    },
    credits: creditsBody(usage.credits),
    metered_limit_name: 'codex',
  };
}

export function whamUsageBody(planType: PlanType, usage: UsageSnapshot, nowSeconds: number, limitReached: boolean) {
  const window = (w: UsageWindow) => ({
    used_percent: w.usedPercent,
    limit_window_seconds: w.windowMinutes * 60,
    reset_after_seconds: Math.max(0, w.resetAt - nowSeconds),
    reset_at: w.resetAt,
  });
  return {
    plan_type: planType,
    rate_limit: {
      allowed: !limitReached,
      limit_reached: limitReached,
      primary_window: window(usage.primary),
      secondary_window: window(usage.secondary),
    },
    credits: creditsBody(usage.credits),
  };
}

function creditsBody(credits: Credits) {
  return { has_credits: credits.hasCredits, unlimited: credits.unlimited, balance: credits.balance };
}
