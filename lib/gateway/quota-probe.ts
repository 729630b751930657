import { parseWhamUsage } from '../upstream/quota-evidence';
import { ACCEPT_JSON, upstreamHeaders } from '../upstream/headers';
import type { UpstreamAccess } from './context';

const PROBE_TIMEOUT_MS = 3_000;
/** Evidence older than this is refreshed by the background poll (routing calls it stale at 15 min). */
const POLL_AFTER_MS = 5 * 60_000;
const POLL_INTERVAL_MS = 60_000;

/**
 * Reads an account's windows from `wham/usage` before it gets traffic with no evidence at all.
 * One probe per account at a time; the result lands in the Pool registry like any evidence.
 */
export class QuotaProbe {
  private readonly inFlight = new Map<string, Promise<boolean>>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly access: UpstreamAccess) {
    this.timer = setInterval(() => void this.refreshStale(), POLL_INTERVAL_MS).unref();
  }

  close() {
    clearInterval(this.timer);
  }

  /**
   * Background poll: every serving account whose newest evidence is old (or whose exhausted window
   * has reset) is probed, so routing always has a current picture, not only of accounts it uses.
   */
  async refreshStale(): Promise<void> {
    const now = this.access.clock();
    const stale = this.access.pools
      .loadedPools()
      .flatMap((pool) => pool.snapshots)
      .filter((account) => account.status === 'active')
      .filter((account) => {
        const newest = Math.max(0, ...account.windows.map((w) => w.observedAt));
        const resetPassed = account.windows.some((w) => w.usedPercent >= 100 && w.resetsAt !== null && w.resetsAt <= now);
        return now - newest > POLL_AFTER_MS || resetPassed;
      });
    await Promise.all(stale.map((account) => this.probe(account.id)));
  }

  /** True when the account answered with usable evidence. */
  probe(accountId: string): Promise<boolean> {
    let pending = this.inFlight.get(accountId);
    if (!pending) {
      pending = this.run(accountId).finally(() => this.inFlight.delete(accountId));
      this.inFlight.set(accountId, pending);
    }
    return pending;
  }

  private async run(accountId: string): Promise<boolean> {
    const { pools, credentials, client, upstreamBaseUrl, identity, clock } = this.access;
    const account = pools.account(accountId);
    if (!account) return false;
    try {
      const token = await credentials.accessToken(accountId);
      const response = await client.request(`${upstreamBaseUrl}/wham/usage`, {
        method: 'GET',
        headers: upstreamHeaders(identity, { accessToken: token, chatgptAccountId: account.chatgptAccountId }, ACCEPT_JSON),
        headersTimeout: PROBE_TIMEOUT_MS,
        bodyTimeout: PROBE_TIMEOUT_MS,
      });
      const body: unknown = await response.body.json().catch(() => null);
      if (response.statusCode !== 200) return false;
      const usage = parseWhamUsage(body, clock());
      if (!usage) return false;
      pools.recordWindows(accountId, usage.windows, 'wham_usage');
      return usage.windows.length > 0;
    } catch {
      return false;
    }
  }
}
