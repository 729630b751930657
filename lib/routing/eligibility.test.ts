import { describe, expect, it } from 'vitest';
import { evaluateEligibility, QUOTA_FRESHNESS_MS } from './eligibility';
import { RoutingHealth } from './health';
import type { AccountSnapshot, QuotaWindow, RouteRequest } from './types';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
const HOUR = 3_600_000;

function account(id: string, overrides: Partial<AccountSnapshot> = {}): AccountSnapshot {
  return { id, poolId: 'pool-1', status: 'active', models: [], weight: 1, priority: 0, windows: [], ...overrides };
}

function window(kind: QuotaWindow['kind'], usedPercent: number, overrides: Partial<QuotaWindow> = {}): QuotaWindow {
  return { kind, usedPercent, windowMinutes: kind === 'primary' ? 300 : 10080, resetsAt: NOW + HOUR, observedAt: NOW - 60_000, ...overrides };
}

const request: RouteRequest = { model: 'gpt-5.2-codex', routeClass: 'stream', seed: 'seed-1' };

function evaluate(accounts: AccountSnapshot[], overrides: Partial<RouteRequest> = {}, health = new RoutingHealth()) {
  return evaluateEligibility(accounts, { ...request, ...overrides }, health, NOW);
}

describe('evaluateEligibility', () => {
  it('excludes paused, disabled and re-auth accounts but keeps refreshing ones', () => {
    const result = evaluate([
      account('paused', { status: 'paused' }),
      account('disabled', { status: 'disabled' }),
      account('reauth', { status: 'reauth_required' }),
      account('refreshing', { status: 'refreshing' }),
    ]);
    expect(result.eligible.map((entry) => entry.account.id)).toEqual(['refreshing']);
    expect(result.excluded).toEqual([
      { accountId: 'paused', reasons: ['account_paused'], availableAt: null },
      { accountId: 'disabled', reasons: ['account_disabled'], availableAt: null },
      { accountId: 'reauth', reasons: ['account_reauth_required'], availableAt: null },
    ]);
  });

  it('treats an empty model list as "serves every model" and skips the model check for file routes', () => {
    const accounts = [account('any'), account('other-model', { models: ['gpt-4.1'] }), account('listed', { models: ['gpt-5.2-codex'] })];
    expect(evaluate(accounts).eligible.map((entry) => entry.account.id)).toEqual(['any', 'listed']);
    expect(evaluate(accounts).excluded).toEqual([{ accountId: 'other-model', reasons: ['model_unsupported'], availableAt: null }]);
    expect(evaluate(accounts, { routeClass: 'file' }).eligible).toHaveLength(3);
  });

  it('grades quota evidence: precise, weekly_only, needs_probe with headroom', () => {
    const result = evaluate([
      account('precise', { windows: [window('primary', 30), window('secondary', 80)] }),
      account('weekly', { windows: [window('secondary', 55)] }),
      account('none'),
    ]);
    expect(result.eligible.map(({ account: { id }, quotaState, headroomPercent }) => ({ id, quotaState, headroomPercent }))).toEqual([
      { id: 'precise', quotaState: 'precise', headroomPercent: 20 },
      { id: 'weekly', quotaState: 'weekly_only', headroomPercent: 45 },
      { id: 'none', quotaState: 'needs_probe', headroomPercent: 0 },
    ]);
  });

  it('ignores windows observed more than 15 minutes ago, even exhausted ones', () => {
    const stale = NOW - QUOTA_FRESHNESS_MS - 1;
    const result = evaluate([
      account('stale', { windows: [window('primary', 10, { observedAt: stale })] }),
      account('stale-exhausted', { windows: [window('primary', 100, { observedAt: stale })] }),
      account('just-fresh', { windows: [window('primary', 10, { observedAt: NOW - QUOTA_FRESHNESS_MS })] }),
    ]);
    expect(result.eligible.map((entry) => [entry.account.id, entry.quotaState])).toEqual([
      ['stale', 'needs_probe'],
      ['stale-exhausted', 'needs_probe'],
      ['just-fresh', 'precise'],
    ]);
  });

  it('excludes exhausted windows until their reset, and the latest reset decides', () => {
    const result = evaluate([
      account('primary-out', { windows: [window('primary', 100, { resetsAt: NOW + 2 * HOUR }), window('secondary', 40)] }),
      account('both-out', {
        windows: [window('primary', 100, { resetsAt: NOW + HOUR }), window('secondary', 100.5, { resetsAt: NOW + 50 * HOUR })],
      }),
      account('reset-passed', { windows: [window('primary', 100, { resetsAt: NOW - 1 }), window('secondary', 40)] }),
      account('resets-now', { windows: [window('primary', 100, { resetsAt: NOW })] }),
      account('reset-unknown', { windows: [window('primary', 100, { resetsAt: null })] }),
    ]);
    expect(result.excluded).toEqual([
      { accountId: 'primary-out', reasons: ['quota_exhausted'], availableAt: NOW + 2 * HOUR },
      { accountId: 'both-out', reasons: ['quota_exhausted'], availableAt: NOW + 50 * HOUR },
      { accountId: 'reset-unknown', reasons: ['quota_exhausted'], availableAt: null },
    ]);
    expect(result.eligible.map((entry) => [entry.account.id, entry.quotaState])).toEqual([
      ['reset-passed', 'weekly_only'],
      ['resets-now', 'needs_probe'],
    ]);
  });

  it('excludes accounts cooling down after a usage limit until the cooldown ends', () => {
    const health = new RoutingHealth();
    health.coolUntil('cool', NOW + HOUR);
    const accounts = [account('cool', { windows: [window('primary', 100, { resetsAt: NOW + 3 * HOUR })] }), account('warm')];
    expect(evaluate(accounts, {}, health).excluded).toEqual([
      { accountId: 'cool', reasons: ['cooling_down', 'quota_exhausted'], availableAt: NOW + 3 * HOUR },
    ]);
    const later = evaluateEligibility([account('cool')], request, health, NOW + HOUR);
    expect(later.eligible.map((entry) => entry.account.id)).toEqual(['cool']);
  });

  it('excludes accounts whose circuit is open for this model and route class only', () => {
    const health = new RoutingHealth();
    for (let i = 0; i < 3; i++) health.recordFailure({ accountId: 'a', model: request.model, routeClass: 'stream' }, 'account', NOW);
    expect(evaluate([account('a')], {}, health).excluded).toEqual([{ accountId: 'a', reasons: ['circuit_open'], availableAt: null }]);
    expect(evaluate([account('a')], { routeClass: 'http' }, health).eligible).toHaveLength(1);
    expect(evaluate([account('a')], { model: 'gpt-5.2' }, health).eligible).toHaveLength(1);
  });

  it('reports every reason that applies', () => {
    const health = new RoutingHealth();
    health.coolUntil('a', NOW + HOUR);
    const result = evaluate([account('a', { status: 'paused', models: ['other'] })], {}, health);
    expect(result.excluded).toEqual([{ accountId: 'a', reasons: ['account_paused', 'model_unsupported', 'cooling_down'], availableAt: NOW + HOUR }]);
  });

  it('keeps only the hard-pinned account, whatever its competitors look like', () => {
    const accounts = [account('a'), account('b'), account('c', { status: 'disabled' })];
    const pinned = evaluate(accounts, { previousResponseAccountId: 'b' });
    expect(pinned.eligible.map((entry) => entry.account.id)).toEqual(['b']);
    expect(pinned.excluded).toEqual([
      { accountId: 'a', reasons: ['pinned_elsewhere'], availableAt: null },
      { accountId: 'c', reasons: ['pinned_elsewhere'], availableAt: null },
    ]);
    expect(evaluate(accounts, { filePinAccountId: 'a' }).eligible.map((entry) => entry.account.id)).toEqual(['a']);
    expect(evaluate(accounts, { filePinAccountId: 'a', previousResponseAccountId: 'b' }).eligible).toEqual([]);
  });

  it('keeps demoted accounts eligible (demotion only reorders)', () => {
    const health = new RoutingHealth();
    health.recordFailure({ accountId: 'a', model: request.model, routeClass: 'stream' }, 'account', NOW);
    expect(health.isDemoted('a', NOW)).toBe(true);
    expect(evaluate([account('a')], {}, health).eligible).toHaveLength(1);
  });
});
