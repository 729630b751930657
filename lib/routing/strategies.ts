import { hash } from 'node:crypto';
import type { RoutingHealth } from './health';
import type { EligibleAccount, PoolRoutingPolicy, QuotaState, RouteRequest, RoutingStrategy } from './types';

export type PromptCacheLocality =
  | 'applied'
  | 'disabled'
  | 'no_prompt_cache_key'
  | 'blocked_by_session'
  | 'single_candidate';

export type SessionAffinity = 'hit' | 'miss' | 'none' | 'disabled';

/** Why the plan looks the way it does, for request logs. */
export interface OrderNotes {
  strategy: RoutingStrategy;
  /** When applied, the prompt-cache key's rendezvous order replaced the strategy's. */
  promptCacheLocality: PromptCacheLocality;
  /** `miss`: the session's account is not eligible now, so the session moves. */
  sessionAffinity: SessionAffinity;
  demotedAccountIds: string[];
  /** Eligible accounts before the plan was cut to the ring size. */
  candidateCount: number;
}

export interface CandidateOrder {
  /** Account ids to try, in order; at most the ring size. */
  plan: string[];
  /** The planned accounts the gateway must probe (`wham/usage`) before sending them traffic. */
  needsProbe: string[];
  notes: OrderNotes;
}

const QUOTA_STATE_RANK: Record<QuotaState, number> = { precise: 0, weekly_only: 1, needs_probe: 2 };

/** Keeps a zero or negative weight well-defined: such an account almost always ranks last. */
const MIN_WEIGHT = 1e-6;

interface Candidate {
  entry: EligibleAccount;
  demoted: number;
  preferred: number;
  quotaRank: number;
  /** Position in the rotated id order (deterministic_rotation only). */
  rotation: number;
  /** Rendezvous score, computed on first use: most orderings never need all of them. */
  score: number;
}

/**
 * Orders eligible accounts into a plan. Precedence, strongest first: demoted accounts last, the
 * session's account first, higher priority first, better-known quota first (precise, weekly_only,
 * needs_probe), then the strategy's order (or the prompt-cache locality order). Hard pins were
 * already applied by eligibility.
 */
export function orderCandidates(
  eligible: readonly EligibleAccount[],
  request: RouteRequest,
  policy: PoolRoutingPolicy,
  health: RoutingHealth,
  now: number,
): CandidateOrder {
  const promptCacheLocality = localityFor(eligible.length, request, policy);
  // Locality ranks by the cache key's rendezvous order instead of the pool's strategy.
  const localitySeed = promptCacheLocality === 'applied' ? request.promptCacheKeyHash : undefined;
  const seed = localitySeed ?? request.seed;
  const strategy: RoutingStrategy = localitySeed === undefined ? policy.strategy : 'bridge_ring';
  const sessionAccountId = policy.stickySessions ? request.sessionAccountId : undefined;

  let sessionHit = false;
  const demotedAccountIds: string[] = [];
  const candidates: Candidate[] = eligible.map((entry) => {
    const demoted = health.isDemoted(entry.account.id, now);
    if (demoted) demotedAccountIds.push(entry.account.id);
    const preferred = entry.account.id === sessionAccountId;
    if (preferred) sessionHit = true;
    return {
      entry,
      demoted: demoted ? 1 : 0,
      preferred: preferred ? 1 : 0,
      quotaRank: QUOTA_STATE_RANK[entry.quotaState],
      rotation: 0,
      score: Number.NaN,
    };
  });
  if (strategy === 'deterministic_rotation') assignRotation(candidates, seed);

  const scoreOf = (candidate: Candidate): number => {
    if (Number.isNaN(candidate.score)) {
      candidate.score = rendezvousScore(seed, candidate.entry.account.id, candidate.entry.account.weight);
    }
    return candidate.score;
  };
  const byStrategy = strategyComparator(strategy, scoreOf);
  candidates.sort(
    (a, b) =>
      a.demoted - b.demoted ||
      b.preferred - a.preferred ||
      b.entry.account.priority - a.entry.account.priority ||
      a.quotaRank - b.quotaRank ||
      byStrategy(a, b),
  );

  const planLength = Math.min(candidates.length, Math.max(1, Math.trunc(policy.ringSize) || 1));
  const plan: string[] = [];
  const needsProbe: string[] = [];
  for (let i = 0; i < planLength; i++) {
    const { account, quotaState } = candidates[i].entry;
    plan.push(account.id);
    if (quotaState === 'needs_probe') needsProbe.push(account.id);
  }

  return {
    plan,
    needsProbe,
    notes: {
      strategy: policy.strategy,
      promptCacheLocality,
      sessionAffinity: sessionAffinityNote(policy, request, sessionHit),
      demotedAccountIds,
      candidateCount: candidates.length,
    },
  };
}

function localityFor(candidateCount: number, request: RouteRequest, policy: PoolRoutingPolicy): PromptCacheLocality {
  if (!policy.promptCacheAffinity) return 'disabled';
  if (!request.promptCacheKeyHash) return 'no_prompt_cache_key';
  // A sticky session already keeps the conversation on one account; the cache key must not move it.
  if (policy.stickySessions && request.continuityKey) return 'blocked_by_session';
  if (candidateCount < 2) return 'single_candidate';
  return 'applied';
}

function sessionAffinityNote(policy: PoolRoutingPolicy, request: RouteRequest, hit: boolean): SessionAffinity {
  if (!policy.stickySessions) return 'disabled';
  if (request.sessionAccountId === undefined) return 'none';
  return hit ? 'hit' : 'miss';
}

function strategyComparator(
  strategy: RoutingStrategy,
  scoreOf: (candidate: Candidate) => number,
): (a: Candidate, b: Candidate) => number {
  const byScore = (a: Candidate, b: Candidate) => scoreOf(b) - scoreOf(a);
  switch (strategy) {
    case 'bridge_ring':
      return byScore;
    case 'deterministic_rotation':
      return (a, b) => a.rotation - b.rotation;
    case 'least_recent_success':
      // Never succeeded counts as 0: such accounts go first.
      return (a, b) =>
        (a.entry.account.lastSuccessAt ?? 0) - (b.entry.account.lastSuccessAt ?? 0) || byScore(a, b);
    case 'quota_first':
      return (a, b) => b.entry.headroomPercent - a.entry.headroomPercent || byScore(a, b);
  }
}

/** Sorts by account id, then rotates that ring by hash(seed) mod n (a random offset without a seed). */
function assignRotation(candidates: Candidate[], seed: string | undefined): void {
  const byId = candidates.slice().sort((a, b) => compareIds(a.entry.account.id, b.entry.account.id));
  const offset = seed === undefined ? Math.floor(Math.random() * byId.length) : hashUint52(seed) % byId.length;
  byId.forEach((candidate, index) => {
    candidate.rotation = (index - offset + byId.length) % byId.length;
  });
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Weighted rendezvous hashing: every account draws u in (0,1) from sha256(seed:accountId) and scores
 * -weight/ln(u). The highest score wins, each account with probability weight/Σweights, and removing
 * an account only moves the seeds it held. Without a seed, u is drawn at random instead.
 */
function rendezvousScore(seed: string | undefined, accountId: string, weight: number): number {
  const unit = seed === undefined ? 1 - Math.random() : (hashUint52(`${seed}:${accountId}`) + 0.5) / 2 ** 52;
  return -Math.max(weight, MIN_WEIGHT) / Math.log(unit);
}

/**
 * The top 52 bits of sha256(text), its first 13 hex digits: exact in a double, unlike a full
 * uint64. Read from hex because Node 20's one-shot hash is several times slower returning a Buffer.
 */
function hashUint52(text: string): number {
  return Number.parseInt(hash('sha256', text, 'hex').slice(0, 13), 16);
}
