/**
 * The data lib/routing decides over. The gateway builds these from its caches; every timestamp is
 * epoch milliseconds and every function takes `now` explicitly, so tests can run on a fake clock.
 */

export type AccountStatus = 'active' | 'paused' | 'refreshing' | 'reauth_required' | 'disabled';

export type RouteClass = 'http' | 'stream' | 'compact' | 'websocket' | 'file';

export type RoutingStrategy =
  | 'bridge_ring'
  | 'deterministic_rotation'
  | 'least_recent_success'
  | 'quota_first';

/** Who caused a failed attempt. Only `account` faults count against an account's health. */
export type FaultClass = 'client' | 'account' | 'platform';

export interface QuotaWindow {
  /** `primary` is the short (5 h) window, `secondary` the weekly one. */
  kind: 'primary' | 'secondary';
  /** 0–100; may exceed 100 when the upstream overshoots. */
  usedPercent: number;
  /** 0 when the source did not say. */
  windowMinutes: number;
  resetsAt: number | null;
  observedAt: number;
}

export interface AccountSnapshot {
  id: string;
  poolId: string;
  status: AccountStatus;
  /** Catalog slugs the account serves; empty means unknown and is treated as "serves every model". */
  models: readonly string[];
  /** Relative share under weighted rendezvous hashing; 1 by default. */
  weight: number;
  /** Higher priority groups are tried first; 0 by default. */
  priority: number;
  lastSuccessAt?: number;
  windows: readonly QuotaWindow[];
}

export interface PoolRoutingPolicy {
  strategy: RoutingStrategy;
  /** How many accounts one request may try, failover included. */
  ringSize: number;
  stickySessions: boolean;
  promptCacheAffinity: boolean;
}

export const DEFAULT_ROUTING_POLICY: Readonly<PoolRoutingPolicy> = {
  strategy: 'bridge_ring',
  ringSize: 3,
  stickySessions: true,
  promptCacheAffinity: true,
};

export interface RouteRequest {
  /** Catalog slug. Not checked for `file` routes, which are not bound to a model. */
  model: string;
  routeClass: RouteClass;
  /** Hashed session key (see continuityHasher); its presence blocks prompt-cache locality. */
  continuityKey?: string;
  /** Hard pin: the account that holds the previous response. */
  previousResponseAccountId?: string;
  /** Hard pin: the account that holds the referenced files. */
  filePinAccountId?: string;
  promptCacheKeyHash?: string;
  /**
   * Spreads requests over accounts; stable per session when derived from the continuity key.
   * Absent for a request with no key at all: each account then draws its rendezvous unit at random,
   * the same weighted spread without hashing a throwaway seed.
   */
  seed?: string;
  /** Soft preference: the account the session-affinity map remembers for this session. */
  sessionAccountId?: string;
}

/**
 * How well an eligible account's quota is known: `precise` has a current 5 h window, `weekly_only`
 * only a current weekly one, `needs_probe` nothing current, so the gateway must read `wham/usage`
 * before sending it traffic.
 */
export type QuotaState = 'precise' | 'weekly_only' | 'needs_probe';

export type ReasonCode =
  | 'account_paused'
  | 'account_disabled'
  | 'account_reauth_required'
  | 'model_unsupported'
  | 'cooling_down'
  | 'token_refresh_backoff'
  | 'quota_exhausted'
  | 'circuit_open'
  | 'circuit_probe_in_flight'
  | 'pinned_elsewhere';

export interface EligibleAccount {
  account: AccountSnapshot;
  quotaState: QuotaState;
  /** Lowest remaining percentage over the current windows; 0 when nothing is known. */
  headroomPercent: number;
}

export interface ExcludedAccount {
  accountId: string;
  reasons: ReasonCode[];
  /**
   * When the quota and cooldown blocks on this account all lift (the latest of them); null when it
   * has none, or one of them has no known end.
   */
  availableAt: number | null;
}
