import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayContext } from './context';
import { sendJson } from './operations';

/** `GET /backend-api/codex/models`: the Pool's catalog, sorted by slug, with a weak ETag. */
export async function handleModels(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse) {
  const key = await ctx.keys.authenticate(req.headers.authorization);
  await ctx.catalog.ensure(key.poolId);
  const pool = await ctx.pools.get(key.poolId);
  const catalog = pool?.catalog ?? { models: [], etag: 'W/"empty"' };
  if (noneMatch(req.headers['if-none-match'], catalog.etag)) {
    res.writeHead(304, { etag: catalog.etag }).end();
    return;
  }
  sendJson(res, 200, { models: catalog.models }, { etag: catalog.etag, 'x-models-etag': catalog.etag });
}

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2): a list, `*`, with or without `W/`. */
function noneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}

/**
 * `GET /backend-api/wham/usage` (and its aliases): Codex-shaped usage for the whole Pool. Each
 * window reports the mean use over accounts that can still serve, and the earliest reset, so a
 * client sees "how much is left" for the Pool rather than for one account. The Codex CLI decodes
 * every window field as a required whole number: the mean is rounded, and a window whose reset is
 * not known yet reports the latest it can be, one window length from now.
 */
export async function handleUsage(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse) {
  const key = await ctx.keys.authenticate(req.headers.authorization);
  const pool = await ctx.pools.get(key.poolId);
  const now = ctx.clock();
  const accounts = (pool?.snapshots ?? []).filter((a) => a.status === 'active' || a.status === 'refreshing');
  const window = (kind: 'primary' | 'secondary', defaultMinutes: number) => {
    const current = accounts.flatMap((a) => a.windows.filter((w) => w.kind === kind && (w.resetsAt === null || w.resetsAt > now)));
    if (current.length === 0) return null;
    const used = current.reduce((sum, w) => sum + Math.min(100, w.usedPercent), 0) / current.length;
    const windowSeconds = Math.round((current[0]!.windowMinutes || defaultMinutes) * 60);
    const resets = current.map((w) => w.resetsAt).filter((r): r is number => r !== null);
    const resetAt = resets.length ? Math.min(...resets) : now + windowSeconds * 1000;
    return {
      used_percent: Math.round(used),
      limit_window_seconds: windowSeconds,
      reset_after_seconds: Math.max(0, Math.ceil((resetAt - now) / 1000)),
      reset_at: Math.ceil(resetAt / 1000),
    };
  };
  const primary = window('primary', 300);
  const secondary = window('secondary', 10080);
  const exhausted = accounts.length === 0 || accounts.every((a) => a.windows.some((w) => w.usedPercent >= 100 && (w.resetsAt ?? 0) > now));
  sendJson(res, 200, {
    plan_type: 'pro',
    rate_limit: { allowed: !exhausted, limit_reached: exhausted, primary_window: primary, secondary_window: secondary },
    credits: { has_credits: false, unlimited: false, balance: '0' },
  });
}
