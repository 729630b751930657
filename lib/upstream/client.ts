import { Pool, type Dispatcher } from 'undici';

export type UpstreamTimeouts = { connectMs: number; headersMs: number; bodyIdleMs: number };

export const DEFAULT_UPSTREAM_TIMEOUTS: UpstreamTimeouts = { connectMs: 15_000, headersMs: 300_000, bodyIdleMs: 300_000 };

/**
 * One keep-alive undici pool per upstream origin (Codex backend, OAuth server), shared by every
 * request of the process.
 */
export class UpstreamClient {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly timeouts: UpstreamTimeouts = DEFAULT_UPSTREAM_TIMEOUTS) {}

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connect: { timeout: this.timeouts.connectMs },
        keepAliveTimeout: 30_000,
        headersTimeout: this.timeouts.headersMs,
        bodyTimeout: this.timeouts.bodyIdleMs,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  request(url: string, options: Omit<Dispatcher.RequestOptions, 'origin' | 'path'>): Promise<Dispatcher.ResponseData> {
    const target = new URL(url);
    return this.pool(target.origin).request({ ...options, path: `${target.pathname}${target.search}` });
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    this.pools.clear();
  }
}
