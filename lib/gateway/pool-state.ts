import { createHash, randomUUID } from 'node:crypto';
import { SerialFlush, type Database } from '../db';
import type { Logger } from '../log';
import { onChange } from '../events';
import type { IncomingHttpHeaders } from 'node:http';
import { parseRateLimitEventData, parseRateLimitHeaders } from '../upstream/quota-evidence';
import type { AccountSnapshot, AccountStatus, PoolRoutingPolicy, QuotaWindow } from '../routing';

export type AccountState = {
  snapshot: AccountSnapshot;
  label: string;
  chatgptAccountId: string;
  chatgptUserId: string;
  planType: string | null;
  accessTokenCipher: string;
  refreshTokenCipher: string;
  tokenKeyVersion: number;
  tokenExpiresAt: number | null;
};

export type ModelInfo = { slug: string } & Record<string, unknown>;

export type PoolState = {
  id: string;
  name: string;
  status: 'active' | 'disabled' | 'archived';
  policy: PoolRoutingPolicy;
  v1CompatibilityEnabled: boolean;
  accounts: Map<string, AccountState>;
  /** Routing input, rebuilt whenever an account changes; the hot path only reads it. */
  snapshots: AccountSnapshot[];
  catalog: { models: ModelInfo[]; etag: string };
};

const RELOAD_INTERVAL_MS = 30_000;
const WRITE_BEHIND_MS = 1_000;
/**
 * Evidence that only restates what an account's snapshot says, observed this recently, changes
 * nothing: every response carries the same rate-limit headers, and quota evidence counts as
 * fresh for minutes, not seconds.
 */
const RESTATED_WITHIN_MS = 5_000;
/** How far two readings of one reset may differ and still be the same (relative resets drift). */
const RESET_TOLERANCE_MS = 1_000;

/**
 * The gateway's in-memory view of Pools, their accounts and quota windows. Requests read it
 * without touching the database; evidence is applied here at once and written behind.
 */
export class PoolRegistry {
  private readonly pools = new Map<string, PoolState>();
  private readonly loading = new Map<string, Promise<PoolState | null>>();
  private readonly stale = new Set<string>();
  private readonly accountPool = new Map<string, string>();
  private readonly pendingWindows = new Map<string, { accountId: string; window: QuotaWindow; source: string }>();
  private readonly windowWriter = new SerialFlush(
    () => this.writePendingWindows(),
    () => this.pendingWindows.size > 0,
  );
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unsubscribe: () => void;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
  ) {
    this.unsubscribe = onChange((event) => {
      if (event.kind === 'pool' || event.kind === 'account') {
        this.reload(event.poolId).catch((err: unknown) => this.log.warn({ err }, 'pool reload failed'));
      }
    });
    this.timers.push(setInterval(() => void this.reloadAll(), RELOAD_INTERVAL_MS).unref());
    this.timers.push(setInterval(() => void this.flushWindows(), WRITE_BEHIND_MS).unref());
  }

  async close() {
    this.unsubscribe();
    for (const timer of this.timers) clearInterval(timer);
    await this.flushWindows();
  }

  async get(poolId: string): Promise<PoolState | null> {
    return this.pools.get(poolId) ?? this.reload(poolId);
  }

  /** The Pool with the changes being loaded now: waits for a load under way rather than answering from before it. */
  latest(poolId: string): Promise<PoolState | null> {
    return this.loading.get(poolId) ?? this.get(poolId);
  }

  loadedPools(): PoolState[] {
    return [...this.pools.values()];
  }

  poolOf(accountId: string): PoolState | undefined {
    const poolId = this.accountPool.get(accountId);
    return poolId ? this.pools.get(poolId) : undefined;
  }

  account(accountId: string): AccountState | undefined {
    return this.poolOf(accountId)?.accounts.get(accountId);
  }

  /**
   * Loads a Pool again. A change that arrives while a load is running may not be in that load's
   * read, so one more load follows it.
   */
  reload(poolId: string): Promise<PoolState | null> {
    const inFlight = this.loading.get(poolId);
    if (inFlight) {
      this.stale.add(poolId);
      return inFlight;
    }
    const load = this.load(poolId).finally(() => {
      this.loading.delete(poolId);
      if (this.stale.delete(poolId)) this.reload(poolId).catch((err: unknown) => this.log.warn({ err }, 'pool reload failed'));
    });
    this.loading.set(poolId, load);
    return load;
  }

  private async reloadAll() {
    await Promise.all([...this.pools.keys()].map((id) => this.reload(id).catch((err: unknown) => this.log.warn({ err }, 'pool reload failed'))));
  }

  private async load(poolId: string): Promise<PoolState | null> {
    const row = await this.db.prisma.pool.findUnique({
      where: { id: poolId },
      include: { accounts: { include: { quotaWindows: true } }, models: true },
    });
    if (!row) {
      this.pools.delete(poolId);
      return null;
    }
    const previous = this.pools.get(poolId);
    const accounts = new Map<string, AccountState>();
    for (const account of row.accounts) {
      const known = previous?.accounts.get(account.id)?.snapshot;
      const stored: QuotaWindow[] = account.quotaWindows.map((w) => ({
        kind: w.kind,
        usedPercent: w.usedPercent,
        windowMinutes: w.windowMinutes,
        resetsAt: w.resetsAt?.getTime() ?? null,
        observedAt: w.observedAt.getTime(),
      }));
      accounts.set(account.id, {
        snapshot: {
          id: account.id,
          poolId,
          status: account.status,
          models: account.supportedModels,
          weight: account.weight,
          priority: account.priority,
          lastSuccessAt: known?.lastSuccessAt,
          // Evidence observed here may be newer than what the write-behind has stored yet.
          windows: newestWindows(stored, known?.windows ?? []),
        },
        label: account.label,
        chatgptAccountId: account.chatgptAccountId,
        chatgptUserId: account.chatgptUserId,
        planType: account.planType,
        accessTokenCipher: account.accessTokenCipher,
        refreshTokenCipher: account.refreshTokenCipher,
        tokenKeyVersion: account.tokenKeyVersion,
        tokenExpiresAt: account.tokenExpiresAt?.getTime() ?? null,
      });
      this.accountPool.set(account.id, poolId);
    }
    const models = row.models
      .map((m) => ({ ...(m.info as Record<string, unknown>), slug: m.slug }))
      .sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
    const state: PoolState = {
      id: row.id,
      name: row.name,
      status: row.status,
      policy: { strategy: row.strategy, ringSize: row.ringSize, stickySessions: row.stickySessions, promptCacheAffinity: row.promptCacheAffinity },
      v1CompatibilityEnabled: row.v1CompatibilityEnabled,
      accounts,
      snapshots: [...accounts.values()].map((a) => a.snapshot),
      catalog: { models, etag: weakEtag(JSON.stringify({ models })) },
    };
    this.pools.set(poolId, state);
    return state;
  }

  /** Applies quota evidence now and persists it behind the request. */
  recordWindows(accountId: string, windows: readonly QuotaWindow[], source: string) {
    if (windows.length === 0) return;
    const known = this.account(accountId)?.snapshot.windows;
    if (known && windows.every((window) => restates(known, window))) return;
    this.updateSnapshot(accountId, (snapshot) => ({ ...snapshot, windows: newestWindows(windows, snapshot.windows) }));
    for (const window of windows) this.pendingWindows.set(`${accountId}:${window.kind}`, { accountId, window, source });
  }

  /** Evidence from an upstream response's `x-codex-*` rate-limit headers. */
  recordHeaderEvidence(accountId: string, headers: IncomingHttpHeaders, now: number, source: string) {
    this.recordWindows(accountId, parseRateLimitHeaders(headers, now), source);
  }

  /** Evidence from a `codex.rate_limits` stream event (its raw `data`), over either transport. */
  recordEventEvidence(accountId: string, data: string, now: number) {
    const parsed = parseRateLimitEventData(data, now);
    if (parsed) this.recordWindows(accountId, parsed.windows, 'rate_limit_event');
  }

  markSuccess(accountId: string, now: number) {
    this.updateSnapshot(accountId, (snapshot) => ({ ...snapshot, lastSuccessAt: now }));
  }

  async setStatus(accountId: string, status: AccountStatus, lastErrorCode: string | null = null) {
    this.updateSnapshot(accountId, (snapshot) => ({ ...snapshot, status }));
    await this.db.prisma.upstreamAccount.update({ where: { id: accountId }, data: { status, lastErrorCode } }).catch((err: unknown) => {
      this.log.error({ err, accountId }, 'account status was not saved');
    });
  }

  updateAccount(accountId: string, patch: Partial<Omit<AccountState, 'snapshot'>>) {
    const pool = this.poolOf(accountId);
    const account = pool?.accounts.get(accountId);
    if (account) Object.assign(account, patch);
  }

  setCatalog(poolId: string, models: ModelInfo[]) {
    const pool = this.pools.get(poolId);
    if (!pool) return;
    const sorted = [...models].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
    pool.catalog = { models: sorted, etag: weakEtag(JSON.stringify({ models: sorted })) };
  }

  setAccountModels(accountId: string, models: string[]) {
    this.updateSnapshot(accountId, (snapshot) => ({ ...snapshot, models }));
  }

  private updateSnapshot(accountId: string, change: (snapshot: AccountSnapshot) => AccountSnapshot) {
    const pool = this.poolOf(accountId);
    const account = pool?.accounts.get(accountId);
    if (!pool || !account) return;
    const previous = account.snapshot;
    account.snapshot = change(previous);
    // Planning is synchronous, so the routing input can be updated in place.
    const index = pool.snapshots.indexOf(previous);
    if (index === -1) pool.snapshots = [...pool.accounts.values()].map((a) => a.snapshot);
    else pool.snapshots[index] = account.snapshot;
  }

  /** Writes the pending evidence; one write at a time, however slow the database. */
  flushWindows(): Promise<void> {
    return this.windowWriter.run();
  }

  /**
   * Writes the pending evidence in one statement: rows travel as one JSON parameter, accounts
   * deleted meanwhile are skipped, and a row never overwrites newer evidence (another process).
   */
  private async writePendingWindows() {
    const rows = [...this.pendingWindows.values()].map(({ accountId, window, source }) => ({
      id: randomUUID(),
      accountId,
      kind: window.kind,
      usedPercent: window.usedPercent,
      windowMinutes: window.windowMinutes,
      resetsAt: window.resetsAt === null ? null : new Date(window.resetsAt).toISOString(),
      observedAt: new Date(window.observedAt).toISOString(),
      source,
    }));
    this.pendingWindows.clear();
    await this.db
      .sql(
        `INSERT INTO "QuotaWindow" ("id", "accountId", "kind", "usedPercent", "windowMinutes", "resetsAt", "observedAt", "source")
         SELECT r."id", r."accountId", r."kind", r."usedPercent", r."windowMinutes", r."resetsAt", r."observedAt", r."source"
           FROM json_populate_recordset(NULL::"QuotaWindow", $1::json) AS r
          WHERE EXISTS (SELECT 1 FROM "UpstreamAccount" a WHERE a."id" = r."accountId")
         ON CONFLICT ("accountId", "kind") DO UPDATE SET
           "usedPercent" = EXCLUDED."usedPercent", "windowMinutes" = EXCLUDED."windowMinutes", "resetsAt" = EXCLUDED."resetsAt",
           "observedAt" = EXCLUDED."observedAt", "source" = EXCLUDED."source"
          WHERE "QuotaWindow"."observedAt" <= EXCLUDED."observedAt"`,
        [JSON.stringify(rows)],
      )
      .catch((err: unknown) => this.log.warn({ err, rows: rows.length }, 'quota windows were not saved'));
  }
}

/** Whether `window` says what a recent window of its kind already said. */
function restates(known: readonly QuotaWindow[], window: QuotaWindow): boolean {
  const current = known.find((candidate) => candidate.kind === window.kind);
  return (
    current !== undefined &&
    window.observedAt - current.observedAt < RESTATED_WITHIN_MS &&
    window.observedAt >= current.observedAt &&
    current.usedPercent === window.usedPercent &&
    current.windowMinutes === window.windowMinutes &&
    (current.resetsAt === null ? window.resetsAt === null : window.resetsAt !== null && Math.abs(window.resetsAt - current.resetsAt) <= RESET_TOLERANCE_MS)
  );
}

function newestWindows(incoming: readonly QuotaWindow[], existing: readonly QuotaWindow[]): QuotaWindow[] {
  const byKind = new Map<string, QuotaWindow>();
  for (const window of [...existing, ...incoming]) {
    const current = byKind.get(window.kind);
    if (!current || window.observedAt >= current.observedAt) byKind.set(window.kind, window);
  }
  return [...byKind.values()];
}

export function weakEtag(body: string): string {
  return `W/"${createHash('sha256').update(body).digest('hex').slice(0, 20)}"`;
}
