import { describe, expect, it } from 'vitest';
import { RoutingHealth } from './health';
import { planRoute } from './plan';
import { DEFAULT_ROUTING_POLICY, type AccountSnapshot, type QuotaWindow, type RouteRequest } from './types';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
const MINUTE = 60_000;
const request: RouteRequest = { model: 'gpt-5.2-codex', routeClass: 'stream', seed: 'seed-1' };

function account(id: string, overrides: Partial<AccountSnapshot> = {}): AccountSnapshot {
  return { id, poolId: 'pool-1', status: 'active', models: [], weight: 1, priority: 0, windows: [], ...overrides };
}

function exhaustedUntil(resetsAt: number | null): QuotaWindow[] {
  return [{ kind: 'primary', usedPercent: 100, windowMinutes: 300, resetsAt, observedAt: NOW - MINUTE }];
}

function plan(accounts: AccountSnapshot[], overrides: Partial<RouteRequest> = {}, health = new RoutingHealth()) {
  return planRoute({ accounts, request: { ...request, ...overrides }, policy: DEFAULT_ROUTING_POLICY, health, now: NOW });
}

describe('planRoute', () => {
  it('plans over the eligible accounts and reports the rest', () => {
    const result = plan([account('acct-a'), account('acct-b', { status: 'paused' }), account('acct-c')]);
    expect(result.plan).toEqual(['acct-c', 'acct-a']);
    expect(result.needsProbe).toEqual(['acct-c', 'acct-a']);
    expect(result.excluded).toEqual([{ accountId: 'acct-b', reasons: ['account_paused'], availableAt: null }]);
    expect(result.outcome).toEqual({ kind: 'planned' });
    expect(result.notes.strategy).toBe('bridge_ring');
  });

  it('answers all_exhausted with the earliest moment an account frees up', () => {
    const health = new RoutingHealth();
    health.coolUntil('acct-c', NOW + 30 * MINUTE + 1);
    const result = plan(
      [
        account('acct-a', { windows: exhaustedUntil(NOW + 90 * MINUTE) }),
        account('acct-b', { windows: exhaustedUntil(NOW + 45 * MINUTE) }),
        account('acct-c'),
      ],
      {},
      health,
    );
    expect(result.plan).toEqual([]);
    expect(result.outcome).toEqual({
      kind: 'all_exhausted',
      retryAt: NOW + 30 * MINUTE + 1,
      retryAfterSeconds: 1801,
      counts: { quota_exhausted: 2, cooling_down: 1 },
    });
  });

  it('uses the later of an account’s blocks and never answers less than one second', () => {
    const health = new RoutingHealth();
    health.coolUntil('acct-a', NOW + 10);
    const result = plan([account('acct-a', { windows: exhaustedUntil(NOW + 20) })], {}, health);
    expect(result.outcome).toMatchObject({ kind: 'all_exhausted', retryAt: NOW + 20, retryAfterSeconds: 1 });
  });

  it('ignores accounts that waiting cannot bring back (disabled, paused, re-auth, other model)', () => {
    const result = plan([
      account('acct-a', { windows: exhaustedUntil(NOW + 60 * MINUTE) }),
      account('acct-b', { status: 'disabled' }),
      account('acct-c', { status: 'reauth_required' }),
      account('acct-d', { models: ['gpt-4.1'] }),
      account('acct-e', { status: 'paused', windows: exhaustedUntil(NOW + MINUTE) }),
    ]);
    expect(result.outcome).toEqual({
      kind: 'all_exhausted',
      retryAt: NOW + 60 * MINUTE,
      retryAfterSeconds: 3600,
      counts: { quota_exhausted: 2, account_disabled: 1, account_reauth_required: 1, model_unsupported: 1, account_paused: 1 },
    });
  });

  it('answers no_eligible_backend when nothing is merely waiting for a reset', () => {
    expect(plan([account('acct-a', { status: 'disabled' })]).outcome).toEqual({
      kind: 'no_eligible_backend',
      counts: { account_disabled: 1 },
    });
    expect(plan([]).outcome).toEqual({ kind: 'no_eligible_backend', counts: {} });
    expect(plan([account('acct-a', { windows: exhaustedUntil(null) })]).outcome).toEqual({
      kind: 'no_eligible_backend',
      counts: { quota_exhausted: 1 },
    });
  });

  it('answers no_eligible_backend when an account may come back sooner (open circuit)', () => {
    const health = new RoutingHealth();
    for (let i = 0; i < 3; i++) health.recordFailure({ accountId: 'acct-b', model: request.model, routeClass: 'stream' }, 'account', NOW);
    const result = plan([account('acct-a', { windows: exhaustedUntil(NOW + MINUTE) }), account('acct-b')], {}, health);
    expect(result.outcome).toEqual({ kind: 'no_eligible_backend', counts: { quota_exhausted: 1, circuit_open: 1 } });
  });

  it('judges a hard-pinned request by its pinned account alone', () => {
    const accounts = [account('acct-a', { windows: exhaustedUntil(NOW + 5 * MINUTE) }), account('acct-b')];
    const result = plan(accounts, { previousResponseAccountId: 'acct-a' });
    expect(result.outcome).toEqual({
      kind: 'all_exhausted',
      retryAt: NOW + 5 * MINUTE,
      retryAfterSeconds: 300,
      counts: { quota_exhausted: 1, pinned_elsewhere: 1 },
    });
    expect(plan(accounts, { previousResponseAccountId: 'acct-b' }).plan).toEqual(['acct-b']);
    expect(plan(accounts, { previousResponseAccountId: 'acct-gone' }).outcome.kind).toBe('no_eligible_backend');
  });
});
