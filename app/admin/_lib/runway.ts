/**
 * Runway forecast for one Pool and one quota window kind, from the latest quota evidence of its
 * accounts. Each account's burn rate is its used share over the time elapsed in its current
 * window; the Pool burns the sum. At that rate the remaining headroom lasts `exhaustsInMs`; if
 * that ends before the next reset, `extraAccounts` more accounts (each bringing a full window)
 * would carry the Pool to it.
 */
export type RunwayWindow = { usedPercent: number; windowMinutes: number; resetsAt: Date | null };
export type Runway = {
  accounts: number;
  remainingPercent: number;
  burnPercentPerHour: number;
  exhaustsAt: Date | null;
  nextResetAt: Date | null;
  extraAccounts: number;
};

export function forecastRunway(windows: RunwayWindow[], now = new Date()): Runway {
  let remaining = 0;
  let ratePerMs = 0;
  let nextReset: number | null = null;
  for (const w of windows) {
    const windowMs = w.windowMinutes * 60_000;
    const resetsAt = w.resetsAt && w.resetsAt.getTime() > now.getTime() ? w.resetsAt.getTime() : null;
    // A window whose reset has passed has started over, whatever its last reading said.
    const resetPassed = w.resetsAt !== null && w.resetsAt.getTime() <= now.getTime();
    const used = resetPassed ? 0 : Math.max(0, Math.min(100, w.usedPercent));
    remaining += 100 - used;
    if (resetsAt !== null) {
      const elapsed = Math.max(60_000, windowMs - (resetsAt - now.getTime()));
      ratePerMs += used / elapsed;
      nextReset = nextReset === null ? resetsAt : Math.min(nextReset, resetsAt);
    }
  }
  const exhaustsIn = ratePerMs > 0 ? remaining / ratePerMs : null;
  let extra = 0;
  if (ratePerMs > 0 && nextReset !== null) {
    const needed = ratePerMs * (nextReset - now.getTime());
    if (needed > remaining) extra = Math.ceil((needed - remaining) / 100);
  }
  return {
    accounts: windows.length,
    remainingPercent: remaining,
    burnPercentPerHour: ratePerMs * 3_600_000,
    exhaustsAt: exhaustsIn === null ? null : new Date(now.getTime() + exhaustsIn),
    nextResetAt: nextReset === null ? null : new Date(nextReset),
    extraAccounts: extra,
  };
}
