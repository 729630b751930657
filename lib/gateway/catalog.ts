import { z } from 'zod';
import { ACCEPT_JSON, upstreamHeaders } from '../upstream/headers';
import type { UpstreamAccess } from './context';
import type { ModelInfo } from './pool-state';

const SYNC_INTERVAL_MS = 30 * 60_000;
const ENSURE_INTERVAL_MS = 60_000;
const modelsResponseSchema = z.object({ models: z.array(z.object({ slug: z.string().min(1) }).passthrough()) });

/**
 * A Pool's model catalog: the union of what each of its accounts lists at
 * `GET /backend-api/codex/models`, synced when a Pool is first served, when an account joins,
 * and every 30 minutes.
 */
export class CatalogSync {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly lastSync = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly access: UpstreamAccess) {
    this.timer = setInterval(() => {
      for (const poolId of this.lastSync.keys()) void this.sync(poolId);
    }, SYNC_INTERVAL_MS).unref();
  }

  close() {
    clearInterval(this.timer);
  }

  /** Syncs when the Pool has accounts that were never synced (new Pool, newly imported account). */
  async ensure(poolId: string): Promise<void> {
    // At most once a minute per Pool: an account whose /models keeps failing must not make every
    // request sync again.
    if (this.access.clock() - (this.lastSync.get(poolId) ?? 0) < ENSURE_INTERVAL_MS) return;
    const pool = await this.access.pools.get(poolId).catch(() => null);
    if (!pool) return;
    const unsynced = [...pool.accounts.values()].some((a) => a.snapshot.models.length === 0 && a.snapshot.status === 'active');
    if (unsynced || pool.catalog.models.length === 0) await this.sync(poolId);
  }

  /** Never rejects: a failed sync is logged and the previous catalog stays. */
  sync(poolId: string): Promise<void> {
    let pending = this.inFlight.get(poolId);
    if (!pending) {
      pending = this.run(poolId)
        .catch((err: unknown) => this.access.runtime.log.warn({ err, poolId }, 'model catalog sync failed'))
        .finally(() => this.inFlight.delete(poolId));
      this.inFlight.set(poolId, pending);
    }
    return pending;
  }

  private async run(poolId: string): Promise<void> {
    const { pools, runtime } = this.access;
    this.lastSync.set(poolId, this.access.clock());
    const pool = await pools.get(poolId);
    if (!pool) return;
    const byAccount = await Promise.all(
      [...pool.accounts.entries()]
        .filter(([, account]) => account.snapshot.status === 'active')
        .map(async ([accountId]) => ({ accountId, models: await this.fetchModels(accountId) })),
    );
    const catalog = new Map<string, ModelInfo>();
    const { prisma } = runtime.db;
    for (const { accountId, models } of byAccount) {
      if (!models) continue;
      for (const model of models) if (!catalog.has(model.slug)) catalog.set(model.slug, model);
      const slugs = models.map((m) => m.slug).sort();
      pools.setAccountModels(accountId, slugs);
      await prisma.upstreamAccount.update({ where: { id: accountId }, data: { supportedModels: slugs } });
    }
    if (!byAccount.some((entry) => entry.models)) return;
    await prisma.$transaction([
      prisma.poolModel.deleteMany({ where: { poolId, slug: { notIn: [...catalog.keys()] } } }),
      ...[...catalog.values()].map((info) =>
        prisma.poolModel.upsert({
          where: { poolId_slug: { poolId, slug: info.slug } },
          create: { poolId, slug: info.slug, info: info as object, syncedAt: new Date() },
          update: { info: info as object, syncedAt: new Date() },
        }),
      ),
    ]);
    pools.setCatalog(poolId, [...catalog.values()]);
  }

  private async fetchModels(accountId: string): Promise<ModelInfo[] | null> {
    const { pools, credentials, client, upstreamBaseUrl, identity, runtime } = this.access;
    const account = pools.account(accountId);
    if (!account) return null;
    try {
      const token = await credentials.accessToken(accountId);
      const response = await client.request(`${upstreamBaseUrl}/codex/models?client_version=${encodeURIComponent(identity.version)}`, {
        method: 'GET',
        headers: upstreamHeaders(identity, { accessToken: token, chatgptAccountId: account.chatgptAccountId }, ACCEPT_JSON),
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      const body: unknown = await response.body.json().catch(() => null);
      const parsed = modelsResponseSchema.safeParse(body);
      if (response.statusCode !== 200 || !parsed.success) {
        runtime.log.warn({ accountId, status: response.statusCode }, 'model catalog sync failed for an account');
        return null;
      }
      return parsed.data.models as ModelInfo[];
    } catch (err) {
      runtime.log.warn({ err, accountId }, 'model catalog sync failed for an account');
      return null;
    }
  }
}
