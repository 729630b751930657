import { describe, expect, it } from 'vitest';
import { DEFAULT_HEALTH_SETTINGS, RoutingHealth, type HealthKey } from './health';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const KEY: HealthKey = { accountId: 'acct-a', model: 'gpt-5.2-codex', routeClass: 'stream' };

function failTimes(health: RoutingHealth, times: number, now: number, key = KEY) {
  for (let i = 0; i < times; i++) health.recordFailure(key, 'account', now);
}

describe('RoutingHealth circuits', () => {
  it('opens after three account faults and refuses for 60 s', () => {
    const health = new RoutingHealth();
    failTimes(health, 2, T0);
    expect(health.beginAttempt(KEY, T0)).toBe('allowed');
    failTimes(health, 1, T0);
    expect(health.beginAttempt(KEY, T0)).toBe('circuit_open');
    expect(health.circuitRefusal(KEY.accountId, KEY.model, KEY.routeClass, T0 + 59_999)).toBe('circuit_open');
    expect(health.beginAttempt(KEY, T0 + 59_999)).toBe('circuit_open');
  });

  it('admits exactly one probe after 60 s and closes on its success', () => {
    const health = new RoutingHealth();
    failTimes(health, 3, T0);
    const probeAt = T0 + 60_000;
    expect(health.circuitRefusal(KEY.accountId, KEY.model, KEY.routeClass, probeAt)).toBeNull();
    expect(health.beginAttempt(KEY, probeAt)).toBe('allowed');
    expect(health.beginAttempt(KEY, probeAt + 1)).toBe('circuit_probe_in_flight');
    expect(health.circuitRefusal(KEY.accountId, KEY.model, KEY.routeClass, probeAt + 1)).toBe('circuit_probe_in_flight');

    health.recordSuccess(KEY);
    expect(health.circuitRefusal(KEY.accountId, KEY.model, KEY.routeClass, probeAt + 2)).toBeNull();
    expect(health.beginAttempt(KEY, probeAt + 2)).toBe('allowed');
    expect(health.beginAttempt(KEY, probeAt + 3)).toBe('allowed');
    // Closed again with a clean count: two failures do not reopen it.
    failTimes(health, 2, probeAt + 4);
    expect(health.beginAttempt(KEY, probeAt + 5)).toBe('allowed');
  });

  it('reopens for another 60 s when the probe fails', () => {
    const health = new RoutingHealth();
    failTimes(health, 3, T0);
    const probeAt = T0 + 60_000;
    expect(health.beginAttempt(KEY, probeAt)).toBe('allowed');
    health.recordFailure(KEY, 'account', probeAt + 500);
    expect(health.beginAttempt(KEY, probeAt + 60_499)).toBe('circuit_open');
    expect(health.beginAttempt(KEY, probeAt + 60_500)).toBe('allowed');
  });

  it('frees the probe slot after a neutral outcome or when the probe is presumed lost', () => {
    const health = new RoutingHealth();
    failTimes(health, 3, T0);
    const probeAt = T0 + 60_000;
    expect(health.beginAttempt(KEY, probeAt)).toBe('allowed');
    health.recordFailure(KEY, 'client', probeAt + 10);
    expect(health.beginAttempt(KEY, probeAt + 20)).toBe('allowed');
    // That second probe never reports back. A probe may be a stream of many minutes, so its slot
    // stays taken past openMs, and is reclaimed only after the probe lease (15 minutes).
    const lease = DEFAULT_HEALTH_SETTINGS.probeLeaseMs;
    expect(health.beginAttempt(KEY, probeAt + 20 + 5 * 60_000)).toBe('circuit_probe_in_flight');
    expect(health.beginAttempt(KEY, probeAt + 19 + lease)).toBe('circuit_probe_in_flight');
    expect(health.beginAttempt(KEY, probeAt + 20 + lease)).toBe('allowed');
    // The reclaimed slot is reused, not stacked on the lost probe: one neutral outcome frees it again.
    health.recordFailure(KEY, 'platform', probeAt + 25 + lease);
    expect(health.beginAttempt(KEY, probeAt + 30 + lease)).toBe('allowed');
  });

  it('resets the failure count on success while closed', () => {
    const health = new RoutingHealth();
    failTimes(health, 2, T0);
    health.recordSuccess(KEY);
    failTimes(health, 2, T0 + 1);
    expect(health.beginAttempt(KEY, T0 + 2)).toBe('allowed');
    failTimes(health, 1, T0 + 3);
    expect(health.beginAttempt(KEY, T0 + 4)).toBe('circuit_open');
  });

  it('never counts client or platform faults', () => {
    const health = new RoutingHealth();
    for (let i = 0; i < 10; i++) {
      health.recordFailure(KEY, 'client', T0);
      health.recordFailure(KEY, 'platform', T0);
    }
    expect(health.beginAttempt(KEY, T0)).toBe('allowed');
    expect(health.isDemoted(KEY.accountId, T0)).toBe(false);
  });

  it('keeps circuits apart per model and route class', () => {
    const health = new RoutingHealth();
    failTimes(health, 3, T0);
    expect(health.beginAttempt({ ...KEY, routeClass: 'http' }, T0)).toBe('allowed');
    expect(health.beginAttempt({ ...KEY, model: 'gpt-5.2' }, T0)).toBe('allowed');
    expect(health.beginAttempt({ ...KEY, accountId: 'acct-b' }, T0)).toBe('allowed');
  });

  it('follows changed settings', () => {
    const health = new RoutingHealth();
    health.settings = { ...DEFAULT_HEALTH_SETTINGS, failureThreshold: 1, openMs: 5_000 };
    failTimes(health, 1, T0);
    expect(health.beginAttempt(KEY, T0 + 4_999)).toBe('circuit_open');
    expect(health.beginAttempt(KEY, T0 + 5_000)).toBe('allowed');
  });
});

describe('RoutingHealth demotion and cooldown', () => {
  it('demotes an account for 60 s from its latest failure, and a success clears it', () => {
    const health = new RoutingHealth();
    health.recordFailure(KEY, 'account', T0);
    health.recordFailure({ ...KEY, routeClass: 'http' }, 'account', T0 + 30_000);
    expect(health.isDemoted(KEY.accountId, T0 + 89_999)).toBe(true);
    expect(health.isDemoted(KEY.accountId, T0 + 90_000)).toBe(false);

    health.recordFailure(KEY, 'account', T0 + 100_000);
    health.recordSuccess(KEY);
    expect(health.isDemoted(KEY.accountId, T0 + 100_001)).toBe(false);
  });

  it('cools an account until the latest reset it was told', () => {
    const health = new RoutingHealth();
    health.coolUntil('acct-a', T0 + 5_000);
    health.coolUntil('acct-a', T0 + 2_000);
    expect(health.cooldownEnd('acct-a', T0)).toBe(T0 + 5_000);
    expect(health.cooldownEnd('acct-a', T0 + 5_000)).toBeNull();
    expect(health.cooldownEnd('acct-b', T0)).toBeNull();
  });
});
