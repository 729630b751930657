import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RoutingHealth } from './health';
import { orderCandidates } from './strategies';
import {
  DEFAULT_ROUTING_POLICY,
  type AccountSnapshot,
  type EligibleAccount,
  type PoolRoutingPolicy,
  type QuotaState,
  type RouteRequest,
  type RoutingStrategy,
} from './types';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
const MODEL = 'gpt-5.2-codex';

function eligible(id: string, overrides: Partial<AccountSnapshot> = {}, quotaState: QuotaState = 'precise', headroomPercent = 50): EligibleAccount {
  return {
    account: { id, poolId: 'pool-1', status: 'active', models: [], weight: 1, priority: 0, windows: [], ...overrides },
    quotaState,
    headroomPercent,
  };
}

const ABC = [eligible('acct-a'), eligible('acct-b'), eligible('acct-c')];

function order(
  candidates: readonly EligibleAccount[],
  request: Partial<RouteRequest> = {},
  policy: Partial<PoolRoutingPolicy> = {},
  health = new RoutingHealth(),
) {
  return orderCandidates(
    candidates,
    { model: MODEL, routeClass: 'stream', seed: 'seed-1', ...request },
    { ...DEFAULT_ROUTING_POLICY, ...policy },
    health,
    NOW,
  );
}

/** Independent restatement of the documented score, to pin the hashing contract across nodes. */
function referenceScore(seed: string, accountId: string, weight = 1): number {
  const top52 = Number(createHash('sha256').update(`${seed}:${accountId}`).digest().readBigUInt64BE(0) >> 12n);
  return -weight / Math.log((top52 + 0.5) / 2 ** 52);
}

function firstChoiceShares(candidates: readonly EligibleAccount[], strategy: RoutingStrategy, seeds: number) {
  const wins = new Map<string, number>();
  for (let i = 0; i < seeds; i++) {
    const [first] = order(candidates, { seed: `seed-${i}` }, { strategy }).plan;
    wins.set(first, (wins.get(first) ?? 0) + 1);
  }
  return Object.fromEntries([...wins].map(([id, count]) => [id, count / seeds]));
}

describe('orderCandidates strategies', () => {
  it('bridge_ring orders by descending rendezvous score of seed:accountId', () => {
    expect(order(ABC, { seed: 'seed-1' }).plan).toEqual(['acct-c', 'acct-a', 'acct-b']);
    expect(order(ABC, { seed: 'seed-2' }).plan).toEqual(['acct-b', 'acct-a', 'acct-c']);
    for (let i = 0; i < 50; i++) {
      const seed = `s${i}`;
      const expected = ['acct-a', 'acct-b', 'acct-c'].sort((x, y) => referenceScore(seed, y) - referenceScore(seed, x));
      expect(order(ABC, { seed }).plan).toEqual(expected);
    }
  });

  it('bridge_ring is independent of input order and keeps a seed on its account when another account leaves', () => {
    expect(order([...ABC].reverse(), { seed: 'seed-1' }).plan).toEqual(['acct-c', 'acct-a', 'acct-b']);
    // acct-b is last for seed-1; removing it must not move seed-1 off acct-c.
    expect(order([ABC[0], ABC[2]], { seed: 'seed-1' }).plan).toEqual(['acct-c', 'acct-a']);
  });

  it.each<RoutingStrategy>(['bridge_ring', 'deterministic_rotation'])('%s spreads 1,000 seeds over three equal accounts', (strategy) => {
    const shares = firstChoiceShares(ABC, strategy, 1000);
    expect(Object.keys(shares).sort()).toEqual(['acct-a', 'acct-b', 'acct-c']);
    for (const share of Object.values(shares)) {
      expect(share).toBeGreaterThanOrEqual(0.25);
      expect(share).toBeLessThanOrEqual(0.42);
    }
  });

  it('bridge_ring gives a weight-2 account about twice the share of a weight-1 account', () => {
    const shares = firstChoiceShares([eligible('heavy', { weight: 2 }), eligible('light-1'), eligible('light-2')], 'bridge_ring', 3000);
    expect(shares.heavy).toBeGreaterThan(0.45);
    expect(shares.heavy).toBeLessThan(0.55);
    const ratio = shares.heavy / ((shares['light-1'] + shares['light-2']) / 2);
    expect(ratio).toBeGreaterThan(1.7);
    expect(ratio).toBeLessThan(2.3);
  });

  it('deterministic_rotation rotates the id-sorted ring by hash(seed) mod n', () => {
    const shuffled = [ABC[1], ABC[2], ABC[0]];
    expect(order(shuffled, { seed: 'seed-1' }, { strategy: 'deterministic_rotation' }).plan).toEqual(['acct-a', 'acct-b', 'acct-c']);
    expect(order(shuffled, { seed: 'seed-2' }, { strategy: 'deterministic_rotation' }).plan).toEqual(['acct-b', 'acct-c', 'acct-a']);
    expect(order(shuffled, { seed: 'seed-3' }, { strategy: 'deterministic_rotation' }).plan).toEqual(['acct-c', 'acct-a', 'acct-b']);
  });

  it('least_recent_success puts never-used first, then the oldest success, ties by rendezvous', () => {
    const candidates = [
      eligible('acct-a', { lastSuccessAt: NOW - 10 }),
      eligible('acct-b', { lastSuccessAt: NOW - 5_000 }),
      eligible('acct-c', { lastSuccessAt: NOW - 10 }),
      eligible('acct-d'),
    ];
    // seed-1 ranks acct-c above acct-a.
    expect(order(candidates, { seed: 'seed-1' }, { strategy: 'least_recent_success', ringSize: 4 }).plan).toEqual([
      'acct-d',
      'acct-b',
      'acct-c',
      'acct-a',
    ]);
  });

  it('quota_first prefers the most headroom, ties by rendezvous', () => {
    const candidates = [eligible('acct-a', {}, 'precise', 20), eligible('acct-b', {}, 'precise', 90), eligible('acct-c', {}, 'precise', 20)];
    expect(order(candidates, { seed: 'seed-1' }, { strategy: 'quota_first' }).plan).toEqual(['acct-b', 'acct-c', 'acct-a']);
  });

  it('lets every strategy be deterministic for a seed', () => {
    for (const strategy of ['bridge_ring', 'deterministic_rotation', 'least_recent_success', 'quota_first'] as const) {
      const first = order(ABC, { seed: 'seed-x' }, { strategy }).plan;
      expect(order(ABC, { seed: 'seed-x' }, { strategy }).plan).toEqual(first);
    }
  });
});

describe('orderCandidates precedence', () => {
  it('tries higher priority groups first, strategy order within a group', () => {
    const candidates = [eligible('acct-a'), eligible('acct-b', { priority: 5 }), eligible('acct-c'), eligible('acct-d', { priority: 5 })];
    // seed-1 rendezvous order over all four: c, d, a, b.
    expect(order(candidates, { seed: 'seed-1' }, { ringSize: 4 }).plan).toEqual(['acct-d', 'acct-b', 'acct-c', 'acct-a']);
  });

  it('orders precise, then weekly_only, then needs_probe, and lists planned accounts needing a probe', () => {
    const candidates = [eligible('acct-a', {}, 'needs_probe'), eligible('acct-b', {}, 'weekly_only'), eligible('acct-c', {}, 'precise')];
    const result = order(candidates, { seed: 'seed-2' });
    expect(result.plan).toEqual(['acct-c', 'acct-b', 'acct-a']);
    expect(result.needsProbe).toEqual(['acct-a']);
  });

  it('moves the session account to the front when sessions are sticky', () => {
    const sticky = order(ABC, { seed: 'seed-1', sessionAccountId: 'acct-b' });
    expect(sticky.plan).toEqual(['acct-b', 'acct-c', 'acct-a']);
    expect(sticky.notes.sessionAffinity).toBe('hit');

    const notSticky = order(ABC, { seed: 'seed-1', sessionAccountId: 'acct-b' }, { stickySessions: false });
    expect(notSticky.plan).toEqual(['acct-c', 'acct-a', 'acct-b']);
    expect(notSticky.notes.sessionAffinity).toBe('disabled');

    const gone = order(ABC, { seed: 'seed-1', sessionAccountId: 'acct-z' });
    expect(gone.plan).toEqual(['acct-c', 'acct-a', 'acct-b']);
    expect(gone.notes.sessionAffinity).toBe('miss');
  });

  it('lets the session account beat priority and quota tier', () => {
    const candidates = [eligible('acct-a', { priority: 9 }), eligible('acct-b', {}, 'needs_probe')];
    expect(order(candidates, { sessionAccountId: 'acct-b' }).plan).toEqual(['acct-b', 'acct-a']);
  });

  it('moves demoted accounts to the back, even the session account', () => {
    const health = new RoutingHealth();
    health.recordFailure({ accountId: 'acct-c', model: MODEL, routeClass: 'http' }, 'account', NOW - 1_000);
    health.recordFailure({ accountId: 'acct-b', model: MODEL, routeClass: 'http' }, 'account', NOW - 1_000);
    const result = order(ABC, { seed: 'seed-1', sessionAccountId: 'acct-b' }, {}, health);
    expect(result.plan).toEqual(['acct-a', 'acct-b', 'acct-c']);
    expect(result.notes.demotedAccountIds).toEqual(['acct-b', 'acct-c']);

    const afterDemotion = orderCandidates(ABC, { model: MODEL, routeClass: 'stream', seed: 'seed-1' }, DEFAULT_ROUTING_POLICY, health, NOW + 60_000);
    expect(afterDemotion.plan).toEqual(['acct-c', 'acct-a', 'acct-b']);
  });

  it('truncates the plan to the ring size, at least one', () => {
    const five = ['acct-a', 'acct-b', 'acct-c', 'acct-d', 'acct-e'].map((id) => eligible(id));
    const result = order(five, { seed: 'seed-1' });
    expect(result.plan).toEqual(['acct-c', 'acct-e', 'acct-d']);
    expect(result.notes.candidateCount).toBe(5);
    expect(order(five, { seed: 'seed-1' }, { ringSize: 0 }).plan).toEqual(['acct-c']);
    expect(order(five, { seed: 'seed-1' }, { ringSize: 10 }).plan).toHaveLength(5);
  });
});

describe('prompt-cache locality', () => {
  it('replaces the strategy order with the rendezvous order of the cache key', () => {
    const result = order(ABC, { seed: 'seed-2', promptCacheKeyHash: 'cache-key' }, { strategy: 'deterministic_rotation' });
    expect(result.notes.promptCacheLocality).toBe('applied');
    expect(result.plan).toEqual(['acct-c', 'acct-a', 'acct-b']);
    expect(order(ABC, { seed: 'seed-1', promptCacheKeyHash: 'cache-key' }).plan).toEqual(['acct-c', 'acct-a', 'acct-b']);
  });

  it('yields to a sticky session, the pool toggle, a missing key and a single candidate', () => {
    const blocked = order(ABC, { seed: 'seed-2', promptCacheKeyHash: 'cache-key', continuityKey: 'k' });
    expect(blocked.notes.promptCacheLocality).toBe('blocked_by_session');
    expect(blocked.plan).toEqual(['acct-b', 'acct-a', 'acct-c']);
    expect(order(ABC, { seed: 'seed-2', promptCacheKeyHash: 'cache-key', continuityKey: 'k' }, { stickySessions: false }).notes.promptCacheLocality).toBe('applied');
    expect(order(ABC, { promptCacheKeyHash: 'cache-key' }, { promptCacheAffinity: false }).notes.promptCacheLocality).toBe('disabled');
    expect(order(ABC).notes.promptCacheLocality).toBe('no_prompt_cache_key');
    expect(order([ABC[0]], { promptCacheKeyHash: 'cache-key' }).notes.promptCacheLocality).toBe('single_candidate');
  });
});
