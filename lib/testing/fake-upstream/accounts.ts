/** The ChatGPT accounts one fake server stands in for, with the knobs tests turn on each of them. */
import { FaultQueue, type Fault, type FaultSite } from './faults';
import { TokenStore, type IssuedCredentials } from './tokens';
import { UsageMeter, type PlanType, type UsagePatch, type UsageSnapshot } from './usage';

export const DEFAULT_MODELS: readonly string[] = ['gpt-5.5', 'gpt-fake-1'];

export type AddAccountOptions = {
  accountId: string;
  email?: string;
  planType?: PlanType;
  /** Lifetime of each access token the fake issues for this account (default one hour). */
  accessTokenTtlSeconds?: number;
  /** Model slugs this account may use; others are refused with 400 (default `DEFAULT_MODELS`). */
  models?: string[];
};

export type RefreshFailure =
  | 'invalid_grant'
  | 'refresh_token_reused'
  | 'refresh_token_expired'
  | 'refresh_token_invalidated'
  | 'server_error';

/** What a test can see and change on one account; returned by `FakeUpstream.account(id)`. */
export interface FakeAccountControls {
  readonly accountId: string;
  readonly email: string;
  readonly planType: PlanType;
  readonly models: readonly string[];
  /** The newest credentials (they change after each successful refresh). */
  tokens(): IssuedCredentials;
  usage(): UsageSnapshot;
  setUsage(patch: UsagePatch): void;
  /** How much each served `/responses` turn adds to both windows' used percent (default 1). */
  setUsageStepPercent(percent: number): void;
  /** Model requests answer 429 `usage_limit_reached` until this epoch second. */
  exhaustUntil(epochSeconds: number): void;
  /** Every access token issued so far answers 401 `token_expired`; a refresh issues a working one. */
  expireAccessToken(): void;
  /** Makes every refresh of this account fail this way until set back to null. */
  setRefreshFailure(failure: RefreshFailure | null): void;
  setRefreshDelayMs(ms: number): void;
  failNext(count: number, fault: Fault): void;
  pendingFaults(): number;
  /** Drops every queued fault. */
  clearFaults(): void;
}

export class FakeAccount implements FakeAccountControls {
  readonly accountId: string;
  readonly email: string;
  readonly planType: PlanType;
  readonly models: readonly string[];
  readonly userId: string;
  refreshFailure: RefreshFailure | null = null;
  refreshDelayMs = 0;
  private usageStepPercent = 1;
  private readonly faults = new FaultQueue();
  private readonly meter: UsageMeter;
  private readonly promptCacheKeys = new Set<string>();

  constructor(
    options: AddAccountOptions,
    private readonly tokenStore: TokenStore,
    private readonly nowSeconds: () => number,
  ) {
    this.accountId = options.accountId;
    this.email = options.email ?? `${options.accountId}@fake-upstream.test`;
    this.planType = options.planType ?? 'plus';
    this.models = [...(options.models ?? DEFAULT_MODELS)];
    this.userId = `user-${options.accountId}`;
    this.meter = new UsageMeter(nowSeconds());
  }

  tokens(): IssuedCredentials {
    const credentials = this.tokenStore.currentCredentials(this.accountId);
    if (!credentials) throw new Error(`fake upstream: account ${this.accountId} has no credentials`);
    return credentials;
  }

  usage(): UsageSnapshot {
    return this.meter.snapshot(this.nowSeconds());
  }

  setUsage(patch: UsagePatch): void {
    this.meter.apply(patch, this.nowSeconds());
  }

  setUsageStepPercent(percent: number): void {
    this.usageStepPercent = percent;
  }

  exhaustUntil(epochSeconds: number): void {
    this.meter.exhaustUntil(epochSeconds, this.nowSeconds());
  }

  expireAccessToken(): void {
    this.tokenStore.expireAccessTokensOf(this.accountId);
  }

  setRefreshFailure(failure: RefreshFailure | null): void {
    this.refreshFailure = failure;
  }

  setRefreshDelayMs(ms: number): void {
    this.refreshDelayMs = ms;
  }

  failNext(count: number, fault: Fault): void {
    this.faults.push(count, fault);
  }

  pendingFaults(): number {
    return this.faults.size;
  }

  clearFaults(): void {
    this.faults.clear();
  }

  takeFault(site: FaultSite): Fault | undefined {
    return this.faults.take(site);
  }

  limitReachedUntil(): number | null {
    return this.meter.limitReachedUntil(this.nowSeconds());
  }

  chargeTurn(): void {
    this.meter.charge(this.usageStepPercent, this.nowSeconds());
  }

  /** True when this account served the prompt cache key before, so the reply reports cached tokens. */
  hitPromptCache(promptCacheKey: string | undefined): boolean {
    if (!promptCacheKey) return false;
    const hit = this.promptCacheKeys.has(promptCacheKey);
    this.promptCacheKeys.add(promptCacheKey);
    return hit;
  }
}

export class AccountRegistry {
  private readonly accounts = new Map<string, FakeAccount>();

  constructor(
    readonly tokenStore: TokenStore,
    private readonly nowSeconds: () => number,
  ) {}

  add(options: AddAccountOptions): IssuedCredentials {
    if (this.accounts.has(options.accountId)) {
      throw new Error(`fake upstream: account ${options.accountId} already exists`);
    }
    const account = new FakeAccount(options, this.tokenStore, this.nowSeconds);
    this.accounts.set(account.accountId, account);
    return this.tokenStore.issue({
      accountId: account.accountId,
      userId: account.userId,
      email: account.email,
      planType: account.planType,
      accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600,
    });
  }

  find(accountId: string): FakeAccount | undefined {
    return this.accounts.get(accountId);
  }

  get(accountId: string): FakeAccount {
    const account = this.accounts.get(accountId);
    if (!account) throw new Error(`fake upstream: unknown account ${accountId}`);
    return account;
  }
}
