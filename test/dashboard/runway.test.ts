import { describe, expect, it } from 'vitest';
import { forecastRunway } from '../../app/admin/_lib/runway';

const now = new Date('2026-01-01T12:00:00Z');
const h = 3_600_000;

describe('forecastRunway', () => {
  it('has no forecast without usage', () => {
    const r = forecastRunway([{ usedPercent: 0, windowMinutes: 300, resetsAt: new Date(now.getTime() + 2 * h) }], now);
    expect(r.exhaustsAt).toBeNull();
    expect(r.extraAccounts).toBe(0);
    expect(r.remainingPercent).toBe(100);
  });

  it('projects exhaustion and the accounts needed to reach the next reset', () => {
    // 5-hour window, 1 hour in, 50% used: 50%/h; 50% left lasts 1 h, but the reset is 4 h away.
    const r = forecastRunway([{ usedPercent: 50, windowMinutes: 300, resetsAt: new Date(now.getTime() + 4 * h) }], now);
    expect(r.burnPercentPerHour).toBeCloseTo(50);
    expect(r.exhaustsAt!.getTime()).toBe(now.getTime() + h);
    // Needs 200% in 4 h, has 50%: 150% more = 2 accounts.
    expect(r.extraAccounts).toBe(2);
  });

  it('needs nothing extra when headroom outlasts the reset', () => {
    const r = forecastRunway([
      { usedPercent: 10, windowMinutes: 300, resetsAt: new Date(now.getTime() + 4 * h) },
      { usedPercent: 0, windowMinutes: 300, resetsAt: null },
    ], now);
    expect(r.extraAccounts).toBe(0);
    expect(r.accounts).toBe(2);
  });

  it('counts exhausted accounts, and a window past its reset as full again', () => {
    const exhausted = forecastRunway([{ usedPercent: 100, windowMinutes: 300, resetsAt: new Date(now.getTime() + 2 * h) }], now);
    expect(exhausted.accounts).toBe(1);
    expect(exhausted.remainingPercent).toBe(0);
    expect(exhausted.extraAccounts).toBeGreaterThan(0);
    const reset = forecastRunway([{ usedPercent: 100, windowMinutes: 300, resetsAt: new Date(now.getTime() - h) }], now);
    expect(reset.remainingPercent).toBe(100);
  });
});
