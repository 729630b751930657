export type {
  AccountSnapshot,
  AccountStatus,
  EligibleAccount,
  ExcludedAccount,
  FaultClass,
  PoolRoutingPolicy,
  QuotaState,
  QuotaWindow,
  ReasonCode,
  RouteClass,
  RouteRequest,
  RoutingStrategy,
} from './types';
export { DEFAULT_ROUTING_POLICY } from './types';
export { QUOTA_FRESHNESS_MS, assessQuota } from './eligibility';
export { RoutingHealth, DEFAULT_HEALTH_SETTINGS, type HealthKey, type HealthSettings, type CircuitRefusal } from './health';
export type { OrderNotes, PromptCacheLocality, SessionAffinity } from './strategies';
export { planRoute, NEEDS_OPERATOR_OR_OTHER_REQUEST, type RoutePlan, type RoutePlanInput, type RouteOutcome, type ReasonCounts } from './plan';
export {
  pickContinuityHeader,
  continuityHasher,
  type ContinuityHasher,
  NEVER_FORWARDED_CONTINUITY_HEADERS,
  type AffinityKind,
  type ContinuityHeader,
} from './continuity';
