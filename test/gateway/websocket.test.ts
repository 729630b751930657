import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHarness, warmAccounts, type Harness } from '../support/gateway-harness';
import { publishChange } from '../../lib/events';
import { updatePool } from '../../lib/pools';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

type Frame = { type: string; [k: string]: unknown };

/** A Responses-websocket client that collects frames and can wait for one. */
async function connect(harness: Harness, headers: Record<string, string> = {}) {
  const socket = new WebSocket(`${harness.url.replace('http', 'ws')}/backend-api/codex/responses`, {
    headers: { authorization: `Bearer ${harness.key}`, 'openai-beta': 'responses_websockets=2026-02-06', ...headers },
  });
  const frames: Frame[] = [];
  let upgradeHeaders: Record<string, string | string[] | undefined> = {};
  socket.on('upgrade', (res) => (upgradeHeaders = res.headers));
  socket.on('message', (data) => frames.push(JSON.parse(data.toString()) as Frame));
  const closed = new Promise<{ code: number }>((resolve) => socket.on('close', (code) => resolve({ code })));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const waitFor = async (predicate: (f: Frame) => boolean, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = frames.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching frame; got ${frames.map((f) => f.type).join(',')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const turn = async (input: string, extra: Record<string, unknown> = {}) => {
    const start = frames.length;
    socket.send(JSON.stringify({ type: 'response.create', model: 'gpt-5.5', stream: true, store: false, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: input }] }], ...extra }));
    await waitFor((f) => frames.indexOf(f) >= start && (f.type === 'response.completed' || f.type === 'error'));
    return frames.slice(start);
  };
  return { socket, frames, upgradeHeaders: () => upgradeHeaders, closed, waitFor, turn };
}

const text = (frames: Frame[]) => (frames.find((f) => f.type === 'response.output_text.done') as { text?: string } | undefined)?.text;
const responseId = (frames: Frame[]) => (frames.find((f) => f.type === 'response.created') as unknown as { response: { id: string } }).response.id;

describe('Responses websocket', () => {
  it('bridges prewarm and chained turns to one upstream socket and answers with the turn state', async () => {
    h = await startHarness({ accounts: ['acct-a', 'acct-b'] });
    const client = await connect(h, { 'x-codex-turn-state': 'ts-1' });
    expect(client.upgradeHeaders()['x-codex-turn-state']).toBe('ts-1');
    expect(client.upgradeHeaders()['x-models-etag']).toMatch(/^W\//);
    const prewarm = await client.turn('', { generate: false });
    expect(prewarm.at(-1)?.type).toBe('response.completed');
    const first = await client.turn('say hi', { previous_response_id: responseId(prewarm) });
    const owner = text(first)!.replace('hi from ', '');
    const second = await client.turn('again', { previous_response_id: responseId(first) });
    expect(text(second)).toBe(`hi from ${owner}`);
    const upgrades = h.upstream.requests.filter((r) => r.transport === 'websocket' && r.kind === 'request');
    expect(upgrades).toHaveLength(1);
    client.socket.close();

    await h.gateway.context.requestLog.flush();
    const rows = await h.db.prisma.requestLog.findMany({ where: { transport: 'websocket' } });
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.status === 200 && r.accountId === h.accountIds[owner])).toBe(true);
    expect(rows.filter((r) => r.inputTokens > 0)).toHaveLength(2);

    // A reconnect carrying the turn state goes back to the same account.
    const again = await connect(h, { 'x-codex-turn-state': 'ts-1' });
    expect(text(await again.turn('back'))).toBe(`hi from ${owner}`);
    again.socket.close();
  });

  it('moves to the next account when the upgrade is refused with 429, and refreshes on a 401 upgrade', async () => {
    h = await startHarness({ accounts: ['acct-a', 'acct-b'] });
    const first = await connect(h, { 'x-codex-turn-state': 'ts-2' });
    const owner = text(await first.turn('hi'))!.replace('hi from ', '');
    first.socket.close();
    // The reconnect prefers the same account, which now refuses the upgrade: the other serves.
    h.upstream.account(owner).failNext(1, { wsUpgradeStatus: 429 });
    const client = await connect(h, { 'x-codex-turn-state': 'ts-2' });
    const frames = await client.turn('hi');
    expect(text(frames)).toBe(`hi from ${owner === 'acct-a' ? 'acct-b' : 'acct-a'}`);

    h.upstream.account('acct-a').expireAccessToken();
    h.upstream.account('acct-b').expireAccessToken();
    const before = h.upstream.tokenEndpointCalls();
    const other = await connect(h);
    expect(text(await other.turn('hi'))).toMatch(/hi from acct-[ab]/);
    expect(h.upstream.tokenEndpointCalls() - before).toBe(1);
  });

  it('probes an account without quota evidence before opening a socket on it', async () => {
    h = await startHarness({ accounts: ['acct-a', 'acct-b'] });
    // acct-a is planned first; it has no evidence yet, and is in fact out of quota.
    await h.db.prisma.upstreamAccount.update({ where: { id: h.accountIds['acct-a'] }, data: { priority: 10 } });
    await h.gateway.context.pools.reload(h.poolId);
    h.upstream.account('acct-a').exhaustUntil(Math.floor(h.clock.now / 1000) + 1200);
    const client = await connect(h);
    expect(text(await client.turn('hi'))).toBe('hi from acct-b');
    const upgrades = h.upstream.requests.filter((r) => r.transport === 'websocket' && r.kind === 'request');
    expect(upgrades.map((r) => r.accountId)).toEqual(['acct-b']);
  });

  it('answers one usage-limit error with the earliest reset when every upgrade is refused for quota', async () => {
    h = await startHarness({ accounts: ['acct-a', 'acct-b'] });
    await warmAccounts(h);
    const base = Math.floor(h.clock.now / 1000);
    for (const [account, reset] of [['acct-a', base + 1200], ['acct-b', base + 600]] as const) {
      h.upstream.account(account).exhaustUntil(reset);
      h.upstream.account(account).failNext(1, { wsUpgradeStatus: 429 });
    }
    const client = await connect(h);
    const [error] = await client.turn('hi');
    expect(error).toMatchObject({ type: 'error', status: 429, error: { code: 'usage_limit_reached', resets_at: base + 600, resets_in_seconds: 600 } });
  });

  it('tries no more accounts in one turn than the Pool ring size, however many fail', async () => {
    const accounts = ['acct-a', 'acct-b', 'acct-c', 'acct-d'];
    h = await startHarness({ accounts });
    await updatePool(h.db, h.poolId, { ringSize: 2 });
    await h.gateway.context.pools.reload(h.poolId);
    await warmAccounts(h);
    for (const account of accounts) h.upstream.account(account).failNext(1, { wsErrorFrame: { status: 500, error: { type: 'server_error', code: 'server_error' } } });
    const client = await connect(h);
    const frames = await client.turn('hi');
    expect(frames.at(-1)).toMatchObject({ type: 'error' });
    const tried = h.upstream.requests.filter((r) => r.transport === 'websocket' && r.kind === 'ws-message');
    expect(tried.length).toBe(2);
  });

  it('moves a turn whose response fails before any output to another account, and passes the failure on when none serves', async () => {
    h = await startHarness({ accounts: ['acct-a', 'acct-b'] });
    await warmAccounts(h);
    const client = await connect(h);
    for (const account of ['acct-a', 'acct-b']) h.upstream.account(account).failNext(1, { responseFailed: 'server_error' });
    client.socket.send(JSON.stringify({ type: 'response.create', model: 'gpt-5.5', stream: true, store: false, input: [] }));
    const frame = (await client.waitFor((f) => f.type === 'response.failed' || f.type === 'error')) as { type: string; response?: { error?: { code?: string } } };
    expect(frame.type).toBe('response.failed');
    expect(frame.response?.error?.code).toBe('server_error');
    const tried = h.upstream.requests.filter((r) => r.transport === 'websocket' && r.kind === 'ws-message');
    expect(tried.map((r) => r.accountId).sort()).toEqual(['acct-a', 'acct-b']);

    // Only A fails now (its demotion over): every turn is served, whichever account a new
    // connection tries first.
    h.clock.advance(61_000);
    h.upstream.account('acct-a').failNext(1, { responseFailed: 'server_error' });
    for (let i = 0; i < 20 && h.upstream.account('acct-a').pendingFaults() > 0; i++) {
      const fresh = await connect(h, { 'x-codex-turn-state': `retry-${i}` });
      const served = await fresh.turn(`hi ${i}`);
      fresh.socket.close();
      expect(served.at(-1)?.type).toBe('response.completed');
      expect(served.some((f) => f.type === 'response.failed')).toBe(false);
    }
    expect(h.upstream.account('acct-a').pendingFaults()).toBe(0);
  });

  it('gives the client a clean error event and a failed row when the upstream socket dies mid-turn', async () => {
    h = await startHarness({ accounts: ['acct-a'] });
    const client = await connect(h);
    await client.turn('warm up');
    h.upstream.account('acct-a').failNext(1, { wsDropAfterEvents: 6 });
    const frames = await client.turn('this one breaks');
    expect(frames.some((f) => f.type === 'response.output_text.delta')).toBe(true);
    expect(frames.at(-1)).toMatchObject({ type: 'error', status: 502, error: { code: 'upstream_connection_lost' } });
    expect((await client.closed).code).toBe(1011);
    await h.gateway.context.requestLog.flush();
    const failed = await h.db.prisma.requestLog.findFirst({ where: { transport: 'websocket', status: 502 } });
    expect(failed).toMatchObject({ errorCode: 'upstream_connection_lost', errorClass: 'account' });
  });

  it('closes sockets with 1008 when their key is revoked, and 1003 on binary frames', async () => {
    h = await startHarness({ accounts: ['acct-a'] });
    const client = await connect(h);
    await client.turn('hi');
    const key = await h.db.prisma.apiKey.findFirstOrThrow();
    const revokedAt = Date.now();
    await h.db.prisma.apiKey.update({ where: { id: key.id }, data: { status: 'revoked' } });
    publishChange({ kind: 'api_key', apiKeyId: key.id, prefix: key.prefix });
    expect((await client.closed).code).toBe(1008);
    expect(Date.now() - revokedAt).toBeLessThan(1000);

    await h.db.prisma.apiKey.update({ where: { id: key.id }, data: { status: 'active' } });
    publishChange({ kind: 'api_key', apiKeyId: key.id, prefix: key.prefix });
    const binary = await connect(h);
    binary.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await binary.closed).code).toBe(1003);
  });

  it('applies a key policy changed while the socket is open from the next turn', async () => {
    h = await startHarness({ accounts: ['acct-a'] });
    const client = await connect(h);
    expect((await client.turn('hi')).at(-1)?.type).toBe('response.completed');
    const key = await h.db.prisma.apiKey.findFirstOrThrow();
    await h.db.prisma.apiKey.update({ where: { id: key.id }, data: { allowedModels: ['gpt-fake-1'] } });
    publishChange({ kind: 'api_key', apiKeyId: key.id, prefix: key.prefix });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const refused = (await client.turn('again')).at(-1) as { type: string; error?: { code?: string } };
    expect(refused).toMatchObject({ type: 'error', error: { code: 'model_not_allowed' } });
    client.socket.close();
    // Refused here, so nothing went upstream: no attempt, no account on the row.
    await h.gateway.context.requestLog.flush();
    const row = await h.db.prisma.requestLog.findFirstOrThrow({ where: { errorCode: 'model_not_allowed' } });
    expect(row).toMatchObject({ accountId: null, attemptCount: 0 });
  });

  it('ends an idle socket bound to an account an operator takes out of rotation', async () => {
    h = await startHarness({ accounts: ['acct-a', 'acct-b'] });
    const client = await connect(h);
    const owner = text(await client.turn('hi'))!.replace('hi from ', '');
    const accountId = h.accountIds[owner]!;
    await h.db.prisma.upstreamAccount.update({ where: { id: accountId }, data: { status: 'paused' } });
    publishChange({ kind: 'account', accountId, poolId: h.poolId });
    expect((await client.closed).code).toBe(1012);
    // The client's new socket lands on the other account.
    const again = await connect(h);
    expect(text(await again.turn('hi'))).not.toBe(`hi from ${owner}`);
    again.socket.close();
  });

  it('moves a turn for a model its account lacks: a fresh upstream, or for a chained turn a new socket', async () => {
    h = await startHarness({ accounts: ['acct-a', 'acct-b'] });
    await warmAccounts(h);
    const client = await connect(h, { 'x-codex-turn-state': 'ts-switch' });
    const first = await client.turn('hi');
    const owner = text(first)!.replace('hi from ', '');
    const other = owner === 'acct-a' ? 'acct-b' : 'acct-a';
    (h.upstream.account(owner).models as string[]).splice(0, Infinity, 'gpt-5.5');
    h.gateway.context.pools.setAccountModels(h.accountIds[owner]!, ['gpt-5.5']);
    // Chained: the conversation is on the owner, which cannot serve it on: the client replays it.
    client.socket.send(JSON.stringify({ type: 'response.create', model: 'gpt-fake-1', previous_response_id: responseId(first), input: [] }));
    expect((await client.closed).code).toBe(1012);
    // The same conversation's next socket starts on the owner again; an unchained turn moves.
    const again = await connect(h, { 'x-codex-turn-state': 'ts-switch' });
    expect(text(await again.turn('hi'))).toBe(`hi from ${owner}`);
    expect(text(await again.turn('switch', { model: 'gpt-fake-1' }))).toBe(`hi from ${other}`);
    again.socket.close();
  });

  it('opens a new upstream socket when the old one reaches its age limit, on the same account', async () => {
    h = await startHarness({ accounts: ['acct-a'] });
    h.upstream.setWsConnectionMaxAgeMs(1000);
    const client = await connect(h);
    const first = await client.turn('hi');
    h.clock.advance(2000);
    expect(text(await client.turn('later'))).toBe('hi from acct-a');
    // A chained turn's conversation was on the old socket: the client replays it on a new one.
    h.clock.advance(2000);
    client.socket.send(JSON.stringify({ type: 'response.create', model: 'gpt-5.5', previous_response_id: responseId(first), input: [] }));
    expect((await client.closed).code).toBe(1012);
  });

  it('on shutdown closes idle sockets at once and busy ones when their turn ends', async () => {
    h = await startHarness({ accounts: ['acct-a'] });
    const idle = await connect(h);
    const busy = await connect(h);
    await idle.turn('warm');
    h.upstream.setEventDelayMs(100);
    const running = busy.turn('slow');
    await busy.waitFor((f) => f.type === 'response.output_text.delta');
    const draining = h.gateway.drain(Date.now() + 20_000);
    expect((await idle.closed).code).toBe(1001);
    // The idle socket went while the other turn was still streaming (about a second more).
    expect(busy.frames.some((f) => f.type === 'response.completed')).toBe(false);
    expect((await running).at(-1)?.type).toBe('response.completed');
    expect((await busy.closed).code).toBe(1001);
    await draining;

    // A turn still running at the deadline is cut, and its row says the server ended it.
    await h.close();
    h = await startHarness({ accounts: ['acct-a'] });
    h.upstream.setEventDelayMs(100);
    const late = await connect(h);
    void late.turn('slow').catch(() => undefined);
    await late.waitFor((f) => f.type === 'response.output_text.delta');
    await h.gateway.drain(Date.now());
    expect((await late.closed).code).toBe(1001);
    await h.gateway.context.requestLog.flush();
    const cut = await h.db.prisma.requestLog.findFirstOrThrow({ where: { errorCode: 'socket_closed' } });
    expect(cut).toMatchObject({ status: 503, errorClass: 'platform' });
  });

  it('answers JSON that is not an object with an error frame, and carries on', async () => {
    h = await startHarness({ accounts: ['acct-a'] });
    const client = await connect(h);
    for (const odd of ['null', '42', '[]', '"text"']) client.socket.send(odd);
    await client.waitFor(() => client.frames.filter((f) => f.type === 'error').length === 4);
    expect((await client.turn('hi')).at(-1)?.type).toBe('response.completed');
    client.socket.close();
  });

  it('rechecks keys only on sockets of the Pool that changed', async () => {
    h = await startHarness({ accounts: ['acct-a'] });
    const client = await connect(h);
    await client.turn('hi');
    // Revoked without its own event: only a recheck of this socket's key would notice.
    const key = await h.db.prisma.apiKey.findFirstOrThrow();
    await h.db.prisma.apiKey.update({ where: { id: key.id }, data: { status: 'revoked' } });
    const other = await h.db.prisma.pool.create({ data: { name: 'elsewhere' } });
    publishChange({ kind: 'pool', poolId: other.id });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
    publishChange({ kind: 'pool', poolId: h.poolId });
    expect((await client.closed).code).toBe(1008);
  });

  it('fails a turn over to each other account once, then ends the socket that lost its conversation', async () => {
    h = await startHarness({ accounts: ['acct-a', 'acct-b'] });
    const client = await connect(h);
    const owner = text(await client.turn('hi'))!.replace('hi from ', '');
    const other = owner === 'acct-a' ? 'acct-b' : 'acct-a';
    const mark = h.upstream.requests.length;
    for (const account of [owner, other, owner]) {
      h.upstream.account(account).failNext(1, { wsErrorFrame: { status: 500, error: { type: 'server_error', code: 'server_error' } } });
    }
    expect((await client.turn('again')).at(-1)).toMatchObject({ type: 'error' });
    const tried = h.upstream.requests.slice(mark).filter((r) => r.kind === 'ws-message').map((r) => r.accountId);
    expect(tried).toEqual([owner, other]);
    expect((await client.closed).code).toBe(1012);
  });

  it('keeps accounts that answered an in-band 429 with Retry-After out until then', async () => {
    h = await startHarness({ accounts: ['acct-a', 'acct-b'] });
    await warmAccounts(h);
    for (const account of ['acct-a', 'acct-b']) h.upstream.account(account).failNext(1, { rateLimited: { retryAfterSeconds: 120 } });
    const first = await connect(h);
    expect((await first.turn('hi')).at(-1)).toMatchObject({ type: 'error', status: 429 });
    const sent = h.upstream.requests.filter((r) => r.kind === 'ws-message').length;
    const next = await connect(h);
    expect((await next.turn('again')).at(-1)).toMatchObject({ type: 'error', status: 429 });
    expect(h.upstream.requests.filter((r) => r.kind === 'ws-message').length).toBe(sent);
    next.socket.close();
  });

  it('refuses an upgrade without a valid key with a 401 in OpenAI shape', async () => {
    h = await startHarness({ accounts: ['acct-a'] });
    const socket = new WebSocket(`${h.url.replace('http', 'ws')}/backend-api/codex/responses`, { headers: { authorization: 'Bearer nope' } });
    const status = await new Promise<number>((resolve) => socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);
  });
});

describe('/v1/responses websocket', () => {
  it('takes public response.create frames, chains on the socket and hides Codex-only events', async () => {
    h = await startHarness({ accounts: ['acct-a'] });
    const socket = new WebSocket(`${h.url.replace('http', 'ws')}/v1/responses`, { headers: { authorization: `Bearer ${h.key}` } });
    const frames: Frame[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(data.toString()) as Frame));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const until = async (count: number) => {
      for (let i = 0; i < 200 && frames.filter((f) => f.type === 'response.completed' || f.type === 'error').length < count; i++) await new Promise((r) => setTimeout(r, 10));
    };
    socket.send(JSON.stringify({ type: 'response.create', model: 'gpt-5.5', input: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }] }));
    await until(1);
    expect(text(frames)).toBe('hi from acct-a');
    expect(frames.some((f) => f.type.startsWith('codex.'))).toBe(false);
    socket.send(JSON.stringify({ type: 'response.create', model: 'gpt-5.5', previous_response_id: responseId(frames), input: 'again' }));
    await until(2);
    expect(frames.filter((f) => f.type === 'response.completed')).toHaveLength(2);
    const upstreamFrame = h.upstream.requests.filter((r) => r.kind === 'ws-message')[0]!;
    expect(upstreamFrame.body).toMatchObject({ instructions: 'be brief', store: false });
    socket.close();
  });
});

describe('leaving an account mid-conversation', () => {
  it('closes the socket (1012) when a chained turn cannot continue, so the client replays elsewhere', async () => {
    h = await startHarness({ accounts: ['acct-a', 'acct-b'] });
    const client = await connect(h);
    const first = await client.turn('hi');
    const owner = text(first)!.replace('hi from ', '');
    h.upstream.account(owner).failNext(1, { status: 503 });
    client.socket.send(JSON.stringify({ type: 'response.create', model: 'gpt-5.5', previous_response_id: responseId(first), input: [] }));
    expect((await client.closed).code).toBe(1012);
    // The replay on a new socket (full history, no previous_response_id) is served.
    const again = await connect(h);
    expect(text(await again.turn('hi, full history'))).toMatch(/hi from acct-[ab]/);
  });
});

describe('websocket caps', () => {
  it('refuses sockets over the per-key cap from settings and frees the slot on close', async () => {
    h = await startHarness({ accounts: ['acct-a'] });
    const { saveSettings } = await import('../../lib/settings');
    await saveSettings(h.db, h.runtime.keys.hashKey, { websocketMaxPerKey: 1 });
    const first = await connect(h);
    const refused = new WebSocket(`${h.url.replace('http', 'ws')}/backend-api/codex/responses`, { headers: { authorization: `Bearer ${h.key}` } });
    const status = await new Promise<number>((resolve) => refused.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(429);
    first.socket.close();
    await first.closed;
    await new Promise((r) => setTimeout(r, 50));
    const again = await connect(h);
    expect(text(await again.turn('hi'))).toBe('hi from acct-a');
    again.socket.close();
    await saveSettings(h.db, h.runtime.keys.hashKey, { websocketMaxPerKey: 10_000 });
  });
});
