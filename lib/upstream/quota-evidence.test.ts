import { describe, expect, it } from 'vitest';
import { parseRateLimitEventData, parseRateLimitHeaders, parseUsageLimitBody, parseWhamUsage, retryAfterTime } from './quota-evidence';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
const RESET_S = 1_795_482_642;

describe('parseRateLimitHeaders', () => {
  it('reads both windows with absolute resets in epoch seconds', () => {
    expect(
      parseRateLimitHeaders(
        {
          'x-codex-primary-used-percent': '12.5',
          'x-codex-primary-window-minutes': '300',
          'x-codex-primary-reset-at': String(RESET_S),
          'x-codex-secondary-used-percent': '40',
          'x-codex-secondary-window-minutes': '10080',
          'x-codex-secondary-reset-at': String(RESET_S + 86_400),
        },
        NOW,
      ),
    ).toEqual([
      { kind: 'primary', usedPercent: 12.5, windowMinutes: 300, resetsAt: RESET_S * 1000, observedAt: NOW },
      { kind: 'secondary', usedPercent: 40, windowMinutes: 10080, resetsAt: (RESET_S + 86_400) * 1000, observedAt: NOW },
    ]);
  });

  it('falls back to reset-after-seconds, and accepts ISO dates and repeated headers', () => {
    expect(
      parseRateLimitHeaders(
        {
          'x-codex-primary-used-percent': ['100', '99'],
          'x-codex-primary-window-minutes': '300',
          'x-codex-primary-reset-after-seconds': '1800',
          'x-codex-secondary-used-percent': '7',
          'x-codex-secondary-reset-at': '2026-01-12T00:00:00Z',
        },
        NOW,
      ),
    ).toEqual([
      { kind: 'primary', usedPercent: 100, windowMinutes: 300, resetsAt: NOW + 1_800_000, observedAt: NOW },
      { kind: 'secondary', usedPercent: 7, windowMinutes: 0, resetsAt: Date.UTC(2026, 0, 12), observedAt: NOW },
    ]);
  });

  it('ignores absent, all-zero and garbage families', () => {
    expect(parseRateLimitHeaders({}, NOW)).toEqual([]);
    expect(
      parseRateLimitHeaders(
        {
          'x-codex-primary-used-percent': '0',
          'x-codex-primary-window-minutes': '0',
          'x-codex-secondary-used-percent': 'NaN',
          'x-codex-secondary-window-minutes': '10080',
        },
        NOW,
      ),
    ).toEqual([]);
    expect(
      parseRateLimitHeaders({ 'x-codex-primary-used-percent': '5', 'x-codex-primary-window-minutes': 'soon', 'x-codex-primary-reset-at': 'later' }, NOW),
    ).toEqual([{ kind: 'primary', usedPercent: 5, windowMinutes: 0, resetsAt: null, observedAt: NOW }]);
    expect(parseRateLimitHeaders({ 'x-codex-primary-used-percent': '-3', 'x-codex-primary-window-minutes': '300' }, NOW)).toEqual([]);
  });

  it('keeps a zero-usage window that names its length (a fresh window)', () => {
    expect(parseRateLimitHeaders({ 'x-codex-primary-used-percent': '0', 'x-codex-primary-window-minutes': '300' }, NOW)).toEqual([
      { kind: 'primary', usedPercent: 0, windowMinutes: 300, resetsAt: null, observedAt: NOW },
    ]);
  });

  it('moves a weekly window reported in the primary slot to secondary when that slot is empty', () => {
    const weeklyPrimary = { 'x-codex-primary-used-percent': '20', 'x-codex-primary-window-minutes': '10080' };
    expect(parseRateLimitHeaders(weeklyPrimary, NOW).map((window) => window.kind)).toEqual(['secondary']);
    expect(
      parseRateLimitHeaders({ ...weeklyPrimary, 'x-codex-secondary-used-percent': '30', 'x-codex-secondary-window-minutes': '10080' }, NOW).map(
        (window) => window.kind,
      ),
    ).toEqual(['primary', 'secondary']);
  });
});

describe('parseRateLimitEventData', () => {
  const event = {
    type: 'codex.rate_limits',
    plan_type: 'plus',
    rate_limits: {
      allowed: true,
      limit_reached: false,
      primary: { used_percent: 12.5, window_minutes: 300, reset_at: RESET_S },
      secondary: { used_percent: 40, window_minutes: 10080, resets_at: RESET_S + 1 },
    },
    credits: { has_credits: false, unlimited: false, balance: '0' },
    metered_limit_name: 'codex',
  };

  it('reads both windows and the plan', () => {
    expect(parseRateLimitEventData(JSON.stringify(event), NOW)).toEqual({
      planType: 'plus',
      windows: [
        { kind: 'primary', usedPercent: 12.5, windowMinutes: 300, resetsAt: RESET_S * 1000, observedAt: NOW },
        { kind: 'secondary', usedPercent: 40, windowMinutes: 10080, resetsAt: (RESET_S + 1) * 1000, observedAt: NOW },
      ],
    });
  });

  it('tolerates a broken window and relative resets', () => {
    const result = parseRateLimitEventData(
      JSON.stringify({ type: 'codex.rate_limits', rate_limits: { primary: 'oops', secondary: { used_percent: '55', reset_after_seconds: 60 } } }),
      NOW,
    );
    expect(result).toEqual({
      planType: undefined,
      windows: [{ kind: 'secondary', usedPercent: 55, windowMinutes: 0, resetsAt: NOW + 60_000, observedAt: NOW }],
    });
  });

  it('anchors the same text at each new time (the parse is remembered, the clock is not)', () => {
    const text = JSON.stringify({ type: 'codex.rate_limits', rate_limits: { primary: { used_percent: 5, window_minutes: 300, reset_after_seconds: 60 } } });
    expect(parseRateLimitEventData(text, NOW)?.windows[0]).toMatchObject({ resetsAt: NOW + 60_000, observedAt: NOW });
    expect(parseRateLimitEventData(text, NOW + 5_000)?.windows[0]).toMatchObject({ resetsAt: NOW + 65_000, observedAt: NOW + 5_000 });
  });

  it('returns null for other events and other limit families', () => {
    expect(parseRateLimitEventData(JSON.stringify({ type: 'response.completed' }), NOW)).toBeNull();
    expect(parseRateLimitEventData(JSON.stringify('codex.rate_limits'), NOW)).toBeNull();
    expect(parseRateLimitEventData(JSON.stringify({ ...event, metered_limit_name: 'codex_other' }), NOW)).toBeNull();
    expect(parseRateLimitEventData(JSON.stringify({ ...event, metered_limit_name: undefined, limit_name: 'codex_other' }), NOW)).toBeNull();
  });
});

describe('parseUsageLimitBody', () => {
  it('reads resets_at (epoch seconds) and the plan', () => {
    const body = {
      error: { type: 'usage_limit_reached', message: 'The usage limit has been reached', plan_type: 'plus', resets_at: RESET_S, resets_in_seconds: 1800 },
    };
    expect(parseUsageLimitBody(body, NOW)).toEqual({ limitType: 'usage_limit_reached', resetsAt: RESET_S * 1000, planType: 'plus' });
  });

  it('falls back to resets_in_seconds and to error.code', () => {
    expect(parseUsageLimitBody({ error: { code: 'usage_limit_reached', resets_in_seconds: 90 } }, NOW)).toEqual({
      limitType: 'usage_limit_reached',
      resetsAt: NOW + 90_000,
      planType: undefined,
    });
    expect(parseUsageLimitBody({ error: { type: 'invalid_request_error', code: 'workspace_member_credits_depleted' } }, NOW)).toEqual({
      limitType: 'workspace_member_credits_depleted',
      resetsAt: null,
      planType: undefined,
    });
  });

  it('returns null for short rate limits and non-errors', () => {
    expect(parseUsageLimitBody({ error: { type: 'rate_limit_exceeded', resets_in_seconds: 1 } }, NOW)).toBeNull();
    expect(parseUsageLimitBody({ detail: 'nope' }, NOW)).toBeNull();
    expect(parseUsageLimitBody(null, NOW)).toBeNull();
  });
});

describe('parseWhamUsage', () => {
  it('reads the documented shape', () => {
    const body = {
      plan_type: 'plus',
      rate_limit: {
        allowed: true,
        limit_reached: false,
        primary_window: { used_percent: 12, limit_window_seconds: 18000, reset_after_seconds: 3600, reset_at: RESET_S },
        secondary_window: { used_percent: 40, limit_window_seconds: 604800, reset_after_seconds: 86400 },
      },
      credits: { has_credits: false, unlimited: false, balance: '0' },
    };
    expect(parseWhamUsage(body, NOW)).toEqual({
      planType: 'plus',
      windows: [
        { kind: 'primary', usedPercent: 12, windowMinutes: 300, resetsAt: RESET_S * 1000, observedAt: NOW },
        { kind: 'secondary', usedPercent: 40, windowMinutes: 10080, resetsAt: NOW + 86_400_000, observedAt: NOW },
      ],
    });
  });

  it('accepts the short slot names and a weekly-only free plan', () => {
    expect(parseWhamUsage({ plan_type: 'free', rate_limit: { primary: { used_percent: 3, limit_window_seconds: 604800, reset_at: RESET_S } } }, NOW)).toEqual({
      planType: 'free',
      windows: [{ kind: 'secondary', usedPercent: 3, windowMinutes: 10080, resetsAt: RESET_S * 1000, observedAt: NOW }],
    });
  });

  it('yields no windows without rate limits, and null for non-objects', () => {
    expect(parseWhamUsage({ plan_type: 'enterprise', rate_limit: null }, NOW)).toEqual({ planType: 'enterprise', windows: [] });
    expect(parseWhamUsage('<html>', NOW)).toBeNull();
  });
});

describe('retryAfterTime', () => {
  it('reads seconds or an HTTP date, and nothing absent, unreadable or past', () => {
    expect(retryAfterTime('120', NOW)).toBe(NOW + 120_000);
    expect(retryAfterTime(['7', '9'], NOW)).toBe(NOW + 7_000);
    expect(retryAfterTime(new Date(NOW + 60_000).toUTCString(), NOW)).toBe(NOW + 60_000);
    for (const value of [undefined, '', 'soon', '0', new Date(NOW - 60_000).toUTCString()]) expect(retryAfterTime(value, NOW)).toBeNull();
  });
});
