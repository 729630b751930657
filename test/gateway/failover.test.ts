import { afterEach, describe, expect, it } from 'vitest';
import { completedText, servedBy, startHarness, streamTurn, warmAccounts, type Harness } from '../support/gateway-harness';
import { AccountPlan } from '../../lib/gateway/account-plan';

let h: Harness;
afterEach(async () => {
  await h?.close();
});



describe('failover', () => {
  it('fails over on 429 usage_limit_reached and cools the account until its reset', async () => {
    h = await startHarness({ accounts: ['acct-a', 'acct-b'] });
    await warmAccounts(h);
    const resetAt = Math.floor(h.clock.now / 1000) + 1800;
    h.upstream.account('acct-a').exhaustUntil(resetAt);

    // A's evidence is still fresh and says "usable": new conversations keep coming until one is
    // planned onto A first, which answers 429 — and every one is still served, by B.
    for (let i = 0; i < 40 && h.turns('acct-a') === 0; i++) {
      const result = await streamTurn(h, { headers: { 'x-codex-session-id': `s-${i}` } });
      expect(result.status).toBe(200);
      expect(servedBy(completedText(result))).toBe('acct-b');
    }
    const aTurns = h.turns('acct-a');
    expect(aTurns).toBe(1);
    // Cooled until the reset: A gets nothing more, whatever the session.
    for (let i = 0; i < 4; i++) await streamTurn(h, { headers: { 'x-codex-session-id': `t-${i}` } });
    expect(h.turns('acct-a')).toBe(aTurns);

    // After the reset (and the background evidence poll) A serves again.
    h.clock.advance(1801_000);
    await h.gateway.context.probe.refreshStale();
    const served = new Set<string | undefined>();
    for (let i = 0; i < 12; i++) served.add(servedBy(completedText(await streamTurn(h, { headers: { 'x-codex-session-id': `u-${i}` } }))));
    expect(served.has('acct-a')).toBe(true);

    await h.gateway.context.requestLog.flush();
    const failedOver = await h.db.prisma.requestLog.findFirst({ where: { attemptCount: 2 }, include: { attempts: { orderBy: { number: 'asc' } } } });
    expect(failedOver?.attempts.map((a) => [a.status, a.errorCode, a.errorClass])).toEqual([
      [429, 'usage_limit_reached', 'account'],
      [200, null, null],
    ]);
  });

  it('passes a single exhausted account’s 429 through, with Retry-After', async () => {
    h = await startHarness({ accounts: ['acct-a'] });
    await warmAccounts(h);
    const resetAt = Math.floor(h.clock.now / 1000) + 600;
    h.upstream.account('acct-a').exhaustUntil(resetAt);
    const result = await streamTurn(h);
    expect(result.status).toBe(429);
    const body = JSON.parse(result.text) as { error: { type: string; resets_at: number } };
    expect(body.error.type).toBe('usage_limit_reached');
    expect(body.error.resets_at).toBe(resetAt);
    expect(Number(result.headers.get('retry-after'))).toBe(600);
  });

  it('answers one 429 with Retry-After = the earliest reset when every account is exhausted', async () => {
    h = await startHarness({ accounts: ['acct-a', 'acct-b', 'acct-c'] });
    await warmAccounts(h);
    const base = Math.floor(h.clock.now / 1000);
    h.upstream.account('acct-a').exhaustUntil(base + 3000);
    h.upstream.account('acct-b').exhaustUntil(base + 900);
    h.upstream.account('acct-c').exhaustUntil(base + 7000);

    const first = await streamTurn(h);
    expect(first.status).toBe(429);
    expect(Number(first.headers.get('retry-after'))).toBe(900);
    const body = JSON.parse(first.text) as { error: { type: string; code: string; resets_at: number } };
    expect(body.error).toMatchObject({ type: 'usage_limit_reached', code: 'usage_limit_reached', resets_at: base + 900 });
    expect(h.turns()).toBe(3);

    // Now every account is known to be cooling: no upstream call at all.
    const second = await streamTurn(h);
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBe(900);
    expect(h.turns()).toBe(3);
    // The client asked nothing wrong: the rows put the refusal on the accounts.
    await h.gateway.context.requestLog.flush();
    const rows = await h.db.prisma.requestLog.findMany({ where: { status: 429 } });
    expect(rows.map((row) => [row.errorClass, row.errorCode])).toEqual([
      ['account', 'usage_limit_reached'],
      ['account', 'usage_limit_reached'],
    ]);
  });

  /** A one-account Pool (acct-a) with `count` requests already sent to it, as under load. */
  async function inFlightOnOneAccount(count: number) {
    h = await startHarness({ accounts: ['acct-a'] });
    await warmAccounts(h);
    const ctx = h.gateway.context;
    const accountId = h.accountIds['acct-a']!;
    const pool = (await ctx.pools.get(h.poolId))!;
    const inFlight = Array.from({ length: count }, () => new AccountPlan(ctx, { pool, model: 'gpt-5.5', routeClass: 'stream', continuity: {} }));
    for (const plan of inFlight) expect(await plan.admit(accountId)).toBe(true);
    return { ctx, accountId, inFlight };
  }

  it('keeps answering 429 with Retry-After after several usage limits at once: a usage limit opens no circuit', async () => {
    // Two requests already sent to A when its first 429 comes back.
    const { accountId, inFlight } = await inFlightOnOneAccount(2);
    const resetAt = Math.floor(h.clock.now / 1000) + 7200;
    h.upstream.account('acct-a').exhaustUntil(resetAt);

    expect((await streamTurn(h)).status).toBe(429);
    // Each one's own 429 cooled the account until the reset.
    for (const plan of inFlight) plan.failedOver(accountId, true, true);

    const later = await streamTurn(h);
    expect(later.status).toBe(429);
    expect(Number(later.headers.get('retry-after'))).toBe(7200);
    expect(JSON.parse(later.text).error.type).toBe('usage_limit_reached');
  });

  it('still counts a real failure against an account that another request has just cooled', async () => {
    const { ctx, accountId, inFlight } = await inFlightOnOneAccount(3);
    // Another request's rate limit puts A out for a minute; these three then fail with 5xx.
    ctx.health.coolUntil(accountId, h.clock.now + 60_000);
    for (const plan of inFlight) plan.failedOver(accountId, false, false);
    expect(ctx.health.circuitRefusal(accountId, 'gpt-5.5', 'stream', h.clock.now)).toBe('circuit_open');
  });

  it('takes Retry-After only from accounts that waiting brings back', async () => {
    h = await startHarness({ accounts: ['acct-a', 'acct-b'] });
    await warmAccounts(h);
    const ctx = h.gateway.context;
    const base = Math.floor(h.clock.now / 1000);
    // B's quota frees up in five minutes, but B is paused: that is no reason to come back then.
    h.upstream.account('acct-b').exhaustUntil(base + 300);
    await ctx.probe.probe(h.accountIds['acct-b']!);
    await ctx.pools.setStatus(h.accountIds['acct-b']!, 'paused');
    h.upstream.account('acct-a').exhaustUntil(base + 10_800);

    const result = await streamTurn(h);
    expect(result.status).toBe(429);
    expect(Number(result.headers.get('retry-after'))).toBe(10_800);
  });

  it('retries a 5xx on the next account, and that account is demoted', async () => {
    h = await startHarness({ accounts: ['acct-a', 'acct-b'] });
    await warmAccounts(h);
    const session = { 'x-codex-session-id': 'conversation-1' };
    const first = servedBy(completedText(await streamTurn(h, { headers: session })))!;
    const other = first === 'acct-a' ? 'acct-b' : 'acct-a';
    h.upstream.account(first).failNext(1, { status: 500 });

    const result = await streamTurn(h, { headers: session });
    expect(result.status).toBe(200);
    expect(servedBy(completedText(result))).toBe(other);
    await h.gateway.context.requestLog.flush();
    const log = await h.db.prisma.requestLog.findFirst({ where: { attemptCount: 2 }, include: { attempts: { orderBy: { number: 'asc' } } } });
    expect(log?.attempts.map((a) => [a.accountId, a.status, a.errorCode])).toEqual([
      [h.accountIds[first], 500, 'upstream_5xx'],
      [h.accountIds[other], 200, null],
    ]);
  });

  it('does not fail over a generic 404 or 400', async () => {
    h = await startHarness({ accounts: ['acct-a', 'acct-b'] });
    await warmAccounts(h);
    const session = { 'x-codex-session-id': 'final-errors' };
    const home = servedBy(completedText(await streamTurn(h, { headers: session })))!;
    for (const status of [404, 400] as const) {
      // Only the session's account fails; a failover would reach the healthy one and answer 200.
      h.upstream.account(home).failNext(1, { status });
      const before = h.turns();
      const result = await streamTurn(h, { headers: session });
      expect(result.status).toBe(status);
      expect(h.turns() - before).toBe(1);
    }
  });

  it('answers 429 with the earliest reset when the usage probe finds every account exhausted', async () => {
    h = await startHarness({ accounts: ['acct-a', 'acct-b'] });
    const base = Math.floor(h.clock.now / 1000);
    h.upstream.account('acct-a').exhaustUntil(base + 1200);
    h.upstream.account('acct-b').exhaustUntil(base + 600);
    const result = await streamTurn(h);
    expect(result.status).toBe(429);
    expect(Number(result.headers.get('retry-after'))).toBe(600);
    expect(h.turns()).toBe(0);
  });

  it('fails a JSON answer cut short over to the next account, and answers 502 when none is left', async () => {
    h = await startHarness({ accounts: ['acct-a', 'acct-b'] });
    await warmAccounts(h);
    const post = (session = 'json-1') =>
      fetch(`${h.url}/backend-api/codex/responses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json', 'x-codex-session-id': session },
        body: JSON.stringify({ model: 'gpt-5.5', stream: false, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'say hi' }] }] }),
      });
    h.upstream.account('acct-a').failNext(1, { truncateAfterEvents: 1 });
    h.upstream.account('acct-b').failNext(1, { truncateAfterEvents: 1 });
    const none = await post();
    expect(none.status).toBe(502);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('upstream_request_failed');
    expect(h.turns()).toBe(2);

    // Only A cuts its answer now (the demotions have passed): every request is served, whichever
    // account it tries first.
    h.clock.advance(61_000);
    h.upstream.account('acct-a').failNext(1, { truncateAfterEvents: 1 });
    for (let i = 0; i < 20 && h.upstream.account('acct-a').pendingFaults() > 0; i++) {
      const served = await post(`json-${i}`);
      expect(served.status).toBe(200);
      expect(((await served.json()) as { status: string }).status).toBe('completed');
    }
    expect(h.upstream.account('acct-a').pendingFaults()).toBe(0);
  });

  it('passes the upstream Retry-After of a rate limit on, and keeps the account out until then', async () => {
    h = await startHarness({ accounts: ['acct-a'] });
    await warmAccounts(h);
    h.upstream.account('acct-a').failNext(1, { rateLimited: { retryAfterSeconds: 7 } });
    const result = await streamTurn(h);
    expect(result.status).toBe(429);
    expect(result.headers.get('retry-after')).toBe('7');
    const turns = h.turns();
    const waiting = await streamTurn(h);
    expect(waiting.status).toBe(429);
    expect(waiting.headers.get('retry-after')).toBe('7');
    expect(h.turns()).toBe(turns);
    // A quota state, not a fault: no circuit opens, and the account serves once the wait is over.
    h.clock.advance(7_000);
    expect((await streamTurn(h)).status).toBe(200);
  });

  it('turns a 401 that survives a token refresh into a 502, not an error about the client key', async () => {
    h = await startHarness({ accounts: ['acct-a'] });
    await warmAccounts(h);
    h.upstream.account('acct-a').failNext(2, { status: 401 });
    const result = await streamTurn(h);
    expect(result.status).toBe(502);
    expect(JSON.parse(result.text).error.code).toBe('upstream_unauthorized');
  });
});
