/**
 * Login throttling: failures are counted per account (email) and per client IP in a sliding
 * window; past the limit every attempt fails with the same generic message until the window
 * passes. In memory, per process: enough to make online guessing slow.
 */
const WINDOW_MS = 15 * 60 * 1000;
const LIMITS = { account: 5, ip: 20 } as const;

type Kind = keyof typeof LIMITS;
const HOLDER = Symbol.for('codex-pooler.login-throttle');
type Store = Map<string, number[]>;

function store(): Store {
  const g = globalThis as { [HOLDER]?: Store };
  g[HOLDER] ??= new Map();
  return g[HOLDER];
}

function recent(key: string, now: number): number[] {
  const list = (store().get(key) ?? []).filter((t) => now - t < WINDOW_MS);
  if (list.length) store().set(key, list);
  else store().delete(key);
  return list;
}

function keys(email: string, ip: string | null): [Kind, string][] {
  const out: [Kind, string][] = [['account', `account:${email}`]];
  if (ip) out.push(['ip', `ip:${ip}`]);
  return out;
}

export function isThrottled(email: string, ip: string | null, now = Date.now()): boolean {
  return keys(email, ip).some(([kind, key]) => recent(key, now).length >= LIMITS[kind]);
}

export function recordFailure(email: string, ip: string | null, now = Date.now()): void {
  for (const [, key] of keys(email, ip)) store().set(key, [...recent(key, now), now]);
}

/** After a successful sign-in: the account starts afresh, and the IP gets this attempt back. */
export function clearFailures(email: string, ip: string | null = null): void {
  store().delete(`account:${email}`);
  if (ip) store().get(`ip:${ip}`)?.pop();
}

export function resetThrottle(): void {
  store().clear();
}
