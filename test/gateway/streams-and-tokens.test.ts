import { connect as connectTcp } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { completedText, servedBy, startHarness, streamTurn, warmAccounts, type Harness } from '../support/gateway-harness';

let h: Harness;
afterEach(async () => {
  await h?.close();
});



async function firstAccountFor(harness: Harness, session: Record<string, string>) {
  return servedBy(completedText(await streamTurn(harness, { headers: session })))!;
}

/** A stream whose upstream sends `afterEvents` events, then neither sends nor ends. */
async function openHangingStream(harness: Harness, afterEvents = 6) {
  await warmAccounts(harness);
  harness.upstream.account('acct-a').failNext(1, { hangAfterEvents: afterEvents });
  const controller = new AbortController();
  const response = await fetch(`${harness.url}/backend-api/codex/responses`, {
    method: 'POST',
    signal: controller.signal,
    headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-5.5', stream: true, input: [] }),
  });
  return { controller, reader: response.body!.getReader() };
}

describe('streams', () => {
  it('sends a large request body whole to every account it tries', async () => {
    h = await startHarness({ accounts: ['acct-a', 'acct-b'] });
    await warmAccounts(h);
    const session = { 'x-codex-session-id': 'large-body' };
    const first = await firstAccountFor(h, session);
    // About 200 KB, as a long conversation's request is.
    const instructions = 'Follow the repository conventions. '.repeat(6000);
    h.upstream.account(first).failNext(1, { responseFailed: 'server_error' });
    const since = h.upstream.requests.length;
    const result = await streamTurn(h, { headers: session, body: { instructions } });
    expect(result.status).toBe(200);
    expect(servedBy(completedText(result))).not.toBe(first);
    const sent = h.upstream.requests.slice(since).filter((r) => r.path.endsWith('/codex/responses'));
    expect(sent.map((r) => r.accountId)).toEqual([first, servedBy(completedText(result))]);
    for (const request of sent) expect((request.body as { instructions?: string }).instructions).toBe(instructions);
  }, 30_000);

  it('retries a stream that fails before its first output on the next account', async () => {
    h = await startHarness({ accounts: ['acct-a', 'acct-b'] });
    await warmAccounts(h);
    const session = { 'x-codex-session-id': 'stream-1' };
    const first = await firstAccountFor(h, session);
    h.upstream.account(first).failNext(1, { responseFailed: 'server_error' });
    const result = await streamTurn(h, { headers: session });
    expect(result.status).toBe(200);
    expect(servedBy(completedText(result))).not.toBe(first);
    // The client saw one clean response: no failed event, one completion.
    expect(result.events.filter((e) => e.type === 'response.failed')).toHaveLength(0);
    expect(result.events.filter((e) => e.type === 'response.completed')).toHaveLength(1);

    h.upstream.account(servedBy(completedText(result))!).failNext(1, { truncateAfterEvents: 2 });
    const truncatedEarly = await streamTurn(h, { headers: session });
    expect(truncatedEarly.events.at(-1)?.type).toBe('response.completed');
  });

  it('gives the client the failed response when no account serves it, not a 502 of its own', async () => {
    h = await startHarness({ accounts: ['acct-a'] });
    await warmAccounts(h);
    h.upstream.account('acct-a').failNext(1, { responseFailed: 'usage_not_included' });
    const result = await streamTurn(h);
    // The Codex CLI reads the failure code to tell the user why (and not to retry).
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const failed = result.events.find((e) => e.type === 'response.failed') as { response: { error: { code: string } } } | undefined;
    expect(failed?.response.error.code).toBe('usage_not_included');
    expect(result.events.some((e) => e.type === 'response.completed')).toBe(false);
    await h.gateway.context.requestLog.flush();
    const row = await h.db.prisma.requestLog.findFirst({ where: { errorCode: 'usage_not_included' } });
    expect(row).toMatchObject({ status: 200, errorClass: 'account', attemptCount: 1 });
  });

  it('does not retry once output has reached the client', async () => {
    h = await startHarness({ accounts: ['acct-a', 'acct-b'] });
    await warmAccounts(h);
    const session = { 'x-codex-session-id': 'stream-2' };
    const first = await firstAccountFor(h, session);
    const before = h.turns();
    // Cut after the text delta: the client already has output, so no replay elsewhere.
    h.upstream.account(first).failNext(1, { truncateAfterEvents: 6 });
    const result = await streamTurn(h, { headers: session });
    expect(h.turns() - before).toBe(1);
    expect(result.events.some((e) => e.type === 'response.output_text.delta')).toBe(true);
    expect(result.events.some((e) => e.type === 'response.completed')).toBe(false);
    await h.gateway.context.requestLog.flush();
    const row = await h.db.prisma.requestLog.findFirst({ where: { errorCode: 'stream_incomplete' } });
    expect(row).toMatchObject({ attemptCount: 1, errorClass: 'account' });
  });

  it("ends the client's stream at the terminal event when the upstream keeps its own open, and logs the row", async () => {
    h = await startHarness({ accounts: ['acct-a'] });
    // Every event is sent, response.completed included, and then the upstream body never ends.
    const { reader } = await openHangingStream(h, 1000);
    const decoder = new TextDecoder();
    let text = '';
    let ended = false;
    const deadline = new Promise<'timed out'>((resolve) => setTimeout(() => resolve('timed out'), 3000));
    for (;;) {
      const read = await Promise.race([reader.read(), deadline]);
      if (read === 'timed out') break;
      if (read.done) {
        ended = true;
        break;
      }
      text += decoder.decode(read.value, { stream: true });
    }
    expect(text).toContain('response.completed');
    // The Codex CLI reports a turn done only at the end of the body: it must not wait on the upstream.
    expect(ended).toBe(true);
    // Time passes before the upstream is given up after its grace period.
    h.clock.advance(5_000);
    // The upstream is given up after a grace period; the request is logged as served.
    let row = null;
    for (let i = 0; i < 50 && !row; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await h.gateway.context.requestLog.flush();
      row = await h.db.prisma.requestLog.findFirst({ where: { route: '/backend-api/codex/responses', status: 200 } });
    }
    expect(row).toMatchObject({ status: 200, errorCode: null });
    expect(row!.outputTokens).toBeGreaterThan(0);
    // Logged as the client saw it, not as long as the upstream was waited for.
    expect(row!.latencyMs).toBeLessThan(1500);
    const attempts = await h.db.prisma.requestAttempt.findMany({ where: { requestId: row!.id } });
    expect(attempts.map((attempt) => attempt.latencyMs < 1500)).toEqual([true]);
  });

  it('drops a client that stops reading, and the upstream stream behind it', async () => {
    h = await startHarness({ accounts: ['acct-a'], gateway: { timeouts: { connectMs: 15_000, headersMs: 300_000, bodyIdleMs: 500 } } });
    await warmAccounts(h);
    const body = JSON.stringify({ model: 'gpt-5.5', stream: true, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'long [[words:99999]]' }] }] });
    const socket = connectTcp(Number(new URL(h.url).port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`POST /backend-api/codex/responses HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${h.key}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    // Reads the head, then nothing more: the gateway's writes back up.
    await new Promise((resolve) => socket.once('data', resolve));
    socket.pause();
    // (A paused socket cannot see its own close: the gateway's log row tells.)
    let row = null;
    for (let i = 0; i < 150 && !row; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await h.gateway.context.requestLog.flush();
      row = await h.db.prisma.requestLog.findFirst({ where: { route: '/backend-api/codex/responses', status: 499 } });
    }
    socket.destroy();
    expect(row).toMatchObject({ errorCode: 'client_closed' });
  }, 30_000);

  it('keeps a quiet stream alive with SSE comments', async () => {
    h = await startHarness({ accounts: ['acct-a'] });
    h.gateway.context.sseKeepaliveMs = 50;
    const { controller, reader } = await openHangingStream(h);
    let text = '';
    while (!text.includes(': keepalive')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain('response.output_text.delta');
    controller.abort();
  });

  it('aborts the upstream request when the client disconnects, and still logs the row', async () => {
    h = await startHarness({ accounts: ['acct-a'] });
    const { controller, reader } = await openHangingStream(h);
    await reader.read();
    controller.abort();
    // The upstream hangs forever: the row can only be written if the gateway stopped reading it.
    let row = null;
    for (let i = 0; i < 50 && !row; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await h.gateway.context.requestLog.flush();
      row = await h.db.prisma.requestLog.findFirst({ where: { status: 499 } });
    }
    expect(row).toMatchObject({ status: 499, errorClass: 'client', errorCode: 'client_closed' });
  });
});

describe('a client that leaves while sending its body', () => {
  it('is logged as gone (499, client), not as a gateway failure', async () => {
    h = await startHarness({ accounts: ['acct-a'] });
    const socket = connectTcp(Number(new URL(h.url).port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /backend-api/codex/responses HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${h.key}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"model":"gpt-5.5",`,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.destroy();
    let row = null;
    for (let i = 0; i < 50 && !row; i++) {
      await new Promise((r) => setTimeout(r, 50));
      await h.gateway.context.requestLog.flush();
      row = await h.db.prisma.requestLog.findFirst();
    }
    expect(row).toMatchObject({ status: 499, errorClass: 'client', errorCode: 'client_closed' });
  });
});

describe('tokens', () => {
  it.each(['pglite', 'postgres'] as const)('refreshes an expired token once while 20 concurrent requests wait (%s)', async (database) => {
    h = await startHarness({ accounts: ['acct-a'], database });
    await warmAccounts(h);
    const before = h.upstream.tokenEndpointCalls();
    h.upstream.account('acct-a').expireAccessToken();
    h.upstream.account('acct-a').setRefreshDelayMs(300);
    const results = await Promise.all(Array.from({ length: 20 }, () => streamTurn(h)));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(h.upstream.tokenEndpointCalls() - before).toBe(1);
    const row = await h.db.prisma.upstreamAccount.findUniqueOrThrow({ where: { id: h.accountIds['acct-a'] } });
    expect(row.lastRefreshAt).not.toBeNull();
  });

  it('refreshes more accounts at once than the database pool has connections (postgres)', async () => {
    // Each refresh holds a cross-process lock while it reads and writes its account: the lock must
    // not take the connections those reads and writes need.
    const accounts = Array.from({ length: 12 }, (_, i) => `acct-${i}`);
    h = await startHarness({ accounts, database: 'postgres' });
    const { credentials } = h.gateway.context;
    const ids = accounts.map((account) => h.accountIds[account]!);
    await h.gateway.context.pools.get(h.poolId);
    for (const account of accounts) h.upstream.account(account).setRefreshDelayMs(200);
    const before = h.upstream.tokenEndpointCalls();
    const stale = await Promise.all(ids.map((id) => credentials.accessToken(id)));
    const fresh = await Promise.all(ids.map((id, i) => credentials.accessToken(id, stale[i])));
    expect(h.upstream.tokenEndpointCalls() - before).toBe(12);
    fresh.forEach((token, i) => expect(token).not.toBe(stale[i]));
  }, 20_000);

  it('refreshes ahead of expiry without waiting for a 401', async () => {
    h = await startHarness({ accounts: ['acct-a'], accessTokenTtlSeconds: 120 });
    await warmAccounts(h);
    expect(h.upstream.tokenEndpointCalls()).toBe(1);
    const result = await streamTurn(h);
    expect(result.status).toBe(200);
  });

  it('keeps serving with a token that still works when refreshing it ahead of expiry fails', async () => {
    h = await startHarness({ accounts: ['acct-a'], accessTokenTtlSeconds: 240 });
    h.upstream.account('acct-a').setRefreshFailure('server_error');
    await warmAccounts(h);
    const calls = h.upstream.tokenEndpointCalls();
    expect(calls).toBe(1);
    for (let i = 0; i < 3; i++) expect((await streamTurn(h)).status).toBe(200);
    // The failed refresh waits out its backoff before it is tried again, and the account is not cooled.
    expect(h.upstream.tokenEndpointCalls()).toBe(calls);
    expect(h.gateway.context.health.cooldownEnd(h.accountIds['acct-a']!, h.clock.now)).toBeNull();
    h.upstream.account('acct-a').setRefreshFailure(null);
    h.clock.advance(31_000);
    expect((await streamTurn(h)).status).toBe(200);
    expect(h.upstream.tokenEndpointCalls()).toBe(calls + 1);
  });

  it('answers 503, not a usage limit, while an account with no working token waits out a failed refresh', async () => {
    h = await startHarness({ accounts: ['acct-a'] });
    await warmAccounts(h);
    h.upstream.account('acct-a').expireAccessToken();
    h.upstream.account('acct-a').setRefreshFailure('server_error');
    expect((await streamTurn(h)).status).toBe(502);
    const waiting = await streamTurn(h);
    expect(waiting.status).toBe(503);
    expect(JSON.parse(waiting.text).error).toMatchObject({ code: 'no_eligible_backend', reasons: { token_refresh_backoff: 1 } });
    expect(h.gateway.context.health.cooldownEnd(h.accountIds['acct-a']!, h.clock.now)).toBeNull();
    // After the backoff the refresh is tried again, and the account serves.
    h.upstream.account('acct-a').setRefreshFailure(null);
    h.clock.advance(31_000);
    expect((await streamTurn(h)).status).toBe(200);
  });

  it('marks the account reauth_required on invalid_grant and routes around it', async () => {
    h = await startHarness({ accounts: ['acct-a', 'acct-b'] });
    await warmAccounts(h);
    // A conversation that acct-a serves, so acct-a is tried first (the order hashes the Pool's id).
    let session = 0;
    while ((await firstAccountFor(h, { 'x-codex-session-id': `r-${session}` })) !== 'acct-a') session += 1;
    h.upstream.account('acct-a').expireAccessToken();
    h.upstream.account('acct-a').setRefreshFailure('invalid_grant');
    for (let i = session; i < session + 6; i++) {
      const result = await streamTurn(h, { headers: { 'x-codex-session-id': `r-${i}` } });
      expect(result.status).toBe(200);
      expect(servedBy(completedText(result))).toBe('acct-b');
    }
    const row = await h.db.prisma.upstreamAccount.findUniqueOrThrow({ where: { id: h.accountIds['acct-a'] } });
    expect(row.status).toBe('reauth_required');
    expect(row.lastErrorCode).toBe('invalid_grant');
    expect(h.upstream.tokenEndpointCalls()).toBe(1);
  });
});

describe('refresh on request', () => {
  it('refreshes an account token at once when an operator asks', async () => {
    h = await startHarness({ accounts: ['acct-a'] });
    await warmAccounts(h);
    const { requestTokenRefresh } = await import('../../lib/accounts');
    const { publishChange } = await import('../../lib/events');
    const before = h.upstream.tokenEndpointCalls();
    await requestTokenRefresh(h.db, h.accountIds['acct-a']!);
    publishChange({ kind: 'account_refresh', accountId: h.accountIds['acct-a']!, poolId: h.poolId });
    for (let i = 0; i < 50 && h.upstream.tokenEndpointCalls() === before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(h.upstream.tokenEndpointCalls()).toBe(before + 1);
    const row = await h.db.prisma.upstreamAccount.findUniqueOrThrow({ where: { id: h.accountIds['acct-a'] } });
    expect(row.tokenExpiresAt!.getTime()).toBeGreaterThan(h.clock.now);
  });
});

describe('quota evidence persistence', () => {
  it.each(['pglite', 'postgres'] as const)('writes windows behind requests, newest wins (%s)', async (database) => {
    h = await startHarness({ accounts: ['acct-a'], database });
    await warmAccounts(h);
    await streamTurn(h);
    await h.gateway.context.pools.flushWindows();
    const rows = await h.db.prisma.quotaWindow.findMany({ where: { accountId: h.accountIds['acct-a'] }, orderBy: { kind: 'asc' } });
    expect(rows.map((r) => r.kind)).toEqual(['primary', 'secondary']);
    expect(rows[0]!.usedPercent).toBeGreaterThan(0);
    // An older reading never replaces a newer one.
    await h.db.prisma.quotaWindow.update({ where: { id: rows[0]!.id }, data: { observedAt: new Date(h.clock.now + 60_000), usedPercent: 77 } });
    h.gateway.context.pools.recordWindows(h.accountIds['acct-a']!, [{ kind: 'primary', usedPercent: 5, windowMinutes: 300, resetsAt: h.clock.now + 3_600_000, observedAt: h.clock.now }], 'test');
    await h.gateway.context.pools.flushWindows();
    expect((await h.db.prisma.quotaWindow.findUniqueOrThrow({ where: { id: rows[0]!.id } })).usedPercent).toBe(77);
  });

  it('leaves the windows alone when a response restates a recent reading', async () => {
    h = await startHarness({ accounts: ['acct-a'] });
    h.upstream.account('acct-a').setUsageStepPercent(0);
    await warmAccounts(h);
    await streamTurn(h);
    const windowsOf = () => h.gateway.context.pools.account(h.accountIds['acct-a']!)!.snapshot.windows;
    const read = windowsOf();
    expect(read.length).toBeGreaterThan(0);
    await streamTurn(h);
    expect(windowsOf()).toBe(read);
    // A reading older than a few seconds is renewed, and a changed one applies at once.
    h.clock.advance(6_000);
    await streamTurn(h);
    const renewed = windowsOf();
    expect(renewed).not.toBe(read);
    expect(renewed[0]!.observedAt).toBe(h.clock.now);
    h.upstream.account('acct-a').setUsageStepPercent(7);
    await streamTurn(h);
    expect(windowsOf()).not.toBe(renewed);
  });
});
