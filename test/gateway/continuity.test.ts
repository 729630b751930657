import { afterEach, describe, expect, it } from 'vitest';
import { completedText, servedBy, startHarness, streamTurn, warmAccounts, type Harness } from '../support/gateway-harness';
import { recordedHeader } from '../../lib/testing/fake-upstream';
import { updatePool } from '../../lib/pools';

let h: Harness;
afterEach(async () => {
  await h?.close();
});


const ACCOUNTS = ['acct-a', 'acct-b', 'acct-c', 'acct-d'];

describe('continuity', () => {
  it('keeps a conversation on one account while it is eligible, and spreads conversations', async () => {
    h = await startHarness({ accounts: ACCOUNTS });
    await warmAccounts(h);
    const spread = new Set<string>();
    for (const session of ['one', 'two', 'three', 'four', 'five', 'six']) {
      const headers = { 'session-id': session };
      const first = servedBy(completedText(await streamTurn(h, { headers })))!;
      spread.add(first);
      for (let i = 0; i < 3; i++) expect(servedBy(completedText(await streamTurn(h, { headers })))).toBe(first);
    }
    expect(spread.size).toBeGreaterThan(1);

    // When the account stops being eligible the conversation moves, then stays on its new account.
    const headers = { 'x-codex-window-id': 'thread-9:0' };
    const home = servedBy(completedText(await streamTurn(h, { headers })))!;
    await h.gateway.context.pools.setStatus(h.accountIds[home]!, 'paused');
    const moved = servedBy(completedText(await streamTurn(h, { headers })))!;
    expect(moved).not.toBe(home);
    expect(servedBy(completedText(await streamTurn(h, { headers })))).toBe(moved);
  });

  it('never forwards session-id, x-session-affinity or the client key upstream', async () => {
    h = await startHarness({ accounts: ['acct-a'] });
    await warmAccounts(h);
    await streamTurn(h, {
      headers: { 'session-id': 'sess-secret', 'x-session-affinity': 'aff', 'x-codex-window-id': 'thread-1:0', 'x-codex-turn-metadata': '{}' },
    });
    const turn = h.upstream.requests.find((r) => r.path === '/backend-api/codex/responses')!;
    expect(recordedHeader(turn, 'session-id')).toBeUndefined();
    expect(recordedHeader(turn, 'x-session-affinity')).toBeUndefined();
    expect(recordedHeader(turn, 'x-codex-window-id')).toBe('thread-1:0');
    expect(recordedHeader(turn, 'x-codex-turn-metadata')).toBe('{}');
    expect(recordedHeader(turn, 'authorization')).not.toContain(h.key);
    expect(recordedHeader(turn, 'chatgpt-account-id')).toBe('acct-a');
  });

  it('pins previous_response_id to the account that produced it', async () => {
    h = await startHarness({ accounts: ACCOUNTS });
    await warmAccounts(h);
    const first = await streamTurn(h);
    const owner = servedBy(completedText(first))!;
    const responseId = (first.events.find((e) => e.type === 'response.created') as unknown as { response: { id: string } }).response.id;
    // Over HTTP the backend keeps no responses (it answers 400 previous_response_not_found, which
    // is final), but the request must still reach the account that made the response.
    for (let i = 0; i < 6; i++) {
      const before = h.turns();
      await streamTurn(h, { body: { previous_response_id: responseId }, headers: { 'x-codex-session-id': `other-${i}` } });
      expect(h.turns()).toBe(before + 1);
      expect(h.upstream.requests.filter((r) => r.path === '/backend-api/codex/responses').at(-1)?.accountId).toBe(owner);
    }
    // When the owner cannot serve, the pin is a hard one: a clear 503, not another account.
    await h.gateway.context.pools.setStatus(h.accountIds[owner]!, 'paused');
    const refused = await streamTurn(h, { body: { previous_response_id: responseId } });
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.text).error.code).toBe('pinned_continuation_unavailable');
  });

  it('uses prompt_cache_key for locality when there is no session', async () => {
    h = await startHarness({ accounts: ACCOUNTS });
    await warmAccounts(h);
    const homes = new Set<string>();
    for (const cacheKey of ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8']) {
      const first = servedBy(completedText(await streamTurn(h, { body: { prompt_cache_key: cacheKey } })))!;
      homes.add(first);
      for (let i = 0; i < 3; i++) expect(servedBy(completedText(await streamTurn(h, { body: { prompt_cache_key: cacheKey } })))).toBe(first);
    }
    expect(homes.size).toBeGreaterThan(1);
  });

  it('ignores prompt_cache_key when the Pool turns prompt-cache affinity off', async () => {
    h = await startHarness({ accounts: ACCOUNTS });
    await updatePool(h.db, h.poolId, { promptCacheAffinity: false });
    await h.gateway.context.pools.reload(h.poolId);
    await warmAccounts(h);
    const served = new Set<string | undefined>();
    // With the key as a seed, all twenty would land on one account; without it, one in 4^19.
    for (let i = 0; i < 20; i++) served.add(servedBy(completedText(await streamTurn(h, { body: { prompt_cache_key: 'same' } }))));
    expect(served.size).toBeGreaterThan(1);
  });
});

describe('circuit breaker', () => {
  it('opens after 3 failures and half-opens after 60 s with one probe', async () => {
    h = await startHarness({ accounts: ['acct-a'] });
    await warmAccounts(h);
    h.upstream.account('acct-a').failNext(3, { status: 500 });
    for (let i = 0; i < 3; i++) {
      expect((await streamTurn(h)).status).toBe(500);
      h.clock.advance(61_000); // past each demotion, so only the circuit decides
    }
    h.clock.advance(-61_000);
    const turns = h.turns();
    const open = await streamTurn(h);
    expect(open.status).toBe(503);
    expect(JSON.parse(open.text).error).toMatchObject({ code: 'no_eligible_backend', reasons: { circuit_open: 1 } });
    expect(h.turns()).toBe(turns);

    h.clock.advance(61_000);
    const probe = await streamTurn(h);
    expect(probe.status).toBe(200);
    expect(h.turns()).toBe(turns + 1);
    expect((await streamTurn(h)).status).toBe(200);
  });
});
