import { randomBytes } from 'node:crypto';
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, streamTurn, type Harness } from '../support/gateway-harness';
import { publishChange } from '../../lib/events';
import { ZSTD_ENCODED_TURN, ZSTD_WINDOW_BOMB, zstdStoredFrame, zstdTinyBlocks } from '../../lib/testing/fake-upstream/test-support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ accounts: ['acct-a'] });
});
afterAll(async () => {
  await h?.close();
});

const body = JSON.stringify({ model: 'gpt-5.5', stream: true, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }] });

async function post(headers: Record<string, string>, payload: Buffer | string = body) {
  const response = await fetch(`${h.url}/backend-api/codex/responses`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof payload === 'string' ? payload : new Uint8Array(payload) });
  return { status: response.status, headers: response.headers, json: (await response.json().catch(() => null)) as { error?: Record<string, unknown> } | null };
}

async function setKey(data: Record<string, unknown>) {
  const key = await h.db.prisma.apiKey.findFirstOrThrow();
  await h.db.prisma.apiKey.update({ where: { id: key.id }, data });
  publishChange({ kind: 'api_key', apiKeyId: key.id, prefix: key.prefix });
}

describe('key authentication', () => {
  it('answers 401 in OpenAI shape for missing, wrong, paused, revoked and expired keys', async () => {
    const cases: [Record<string, string>, string][] = [
      [{}, 'api_key_missing'],
      [{ authorization: 'Bearer nonsense' }, 'api_key_missing'],
      [{ authorization: `Bearer ${h.key.slice(0, -2)}xx` }, 'api_key_missing'],
    ];
    for (const [headers, code] of cases) {
      const result = await post(headers);
      expect(result.status).toBe(401);
      expect(result.json?.error).toEqual({ message: expect.any(String), type: 'invalid_request_error', code, param: null });
    }
    const auth = { authorization: `Bearer ${h.key}` };
    await setKey({ status: 'paused' });
    expect((await post(auth)).json?.error?.code).toBe('api_key_paused');
    await setKey({ status: 'revoked' });
    expect((await post(auth)).json?.error?.code).toBe('api_key_revoked');
    await setKey({ status: 'active', expiresAt: new Date(h.clock.now - 1000) });
    expect((await post(auth)).json?.error?.code).toBe('api_key_expired');
    await setKey({ expiresAt: null });
    await h.db.prisma.pool.update({ where: { id: h.poolId }, data: { status: 'disabled' } });
    publishChange({ kind: 'pool', poolId: h.poolId });
    expect((await post(auth)).json?.error?.code).toBe('api_key_missing');
    await h.db.prisma.pool.update({ where: { id: h.poolId }, data: { status: 'active' } });
    publishChange({ kind: 'pool', poolId: h.poolId });
    expect((await post(auth)).status).toBe(200);
    // The scheme's name is not case-sensitive.
    expect((await post({ authorization: `bearer ${h.key}` })).status).toBe(200);
  });
});

describe('request bodies', () => {
  const auth = () => ({ authorization: `Bearer ${h.key}` });

  it('decodes gzip, deflate and zstd bodies', async () => {
    expect((await post({ ...auth(), 'content-encoding': 'gzip' }, gzipSync(body))).status).toBe(200);
    expect((await post({ ...auth(), 'content-encoding': 'deflate' }, deflateSync(body))).status).toBe(200);
    expect((await post({ ...auth(), 'content-encoding': 'zstd' }, zstdStoredFrame(Buffer.from(body)))).status).toBe(200);
    expect((await post({ ...auth(), 'content-encoding': 'zstd' }, ZSTD_ENCODED_TURN.fromPipe)).status).toBe(200);
    expect((await post({ ...auth(), 'content-encoding': 'zstd' }, ZSTD_ENCODED_TURN.fromFile)).status).toBe(200);
    // Frames one after another (RFC 8878): the body is their contents joined. Their windows (2 MB,
    // then four of 4 MB) are needed in turn, not at once.
    const fiveFrames = Buffer.concat([ZSTD_ENCODED_TURN.fromPipe, ...Array.from({ length: 4 }, () => zstdStoredFrame(Buffer.from(' '), 22))]);
    expect((await post({ ...auth(), 'content-encoding': 'zstd' }, fiveFrames)).status).toBe(200);
    // A coding list whose other entries are no-ops is the one coding.
    expect((await post({ ...auth(), 'content-encoding': 'GZIP, identity' }, gzipSync(body))).status).toBe(200);
    expect((await post({ ...auth(), 'content-encoding': 'gzip, zstd' }, gzipSync(body))).json?.error?.code).toBe('unsupported_content_encoding');
  });

  it('refuses zstd bodies that would cost gigabytes to decode before decoding them', async () => {
    // Ten bytes that declare a 2 GB window: decoding would set that much memory aside first.
    const bomb = await post({ ...auth(), 'content-encoding': 'zstd' }, ZSTD_WINDOW_BOMB);
    expect(bomb.status).toBe(413);
    expect(bomb.json?.error?.code).toBe('zstd_window_too_large');
    // Thousands of one-byte blocks under an 8 MB window: the decoder would move 8 MB per block.
    const shifts = await post({ ...auth(), 'content-encoding': 'zstd' }, zstdTinyBlocks(5000));
    expect(shifts.status).toBe(413);
    expect(shifts.json?.error?.code).toBe('zstd_window_too_large');
  });

  it('refuses bad encodings, bombs and junk with clear codes', async () => {
    expect((await post({ ...auth(), 'content-encoding': 'br' }, body)).json?.error?.code).toBe('unsupported_content_encoding');
    expect((await post({ ...auth(), 'content-encoding': 'gzip' }, 'not gzip')).json?.error?.code).toBe('invalid_compressed_body');
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 32));
    const refused = await post({ ...auth(), 'content-encoding': 'gzip' }, bomb);
    expect(refused.status).toBe(413);
    expect(refused.json?.error?.code).toBe('decompression_ratio_exceeded');
    expect((await post(auth(), '{not json')).json?.error).toMatchObject({ code: 'invalid_request' });
    expect((await post(auth(), '{"stream":true}')).json?.error).toMatchObject({ code: 'invalid_request', param: 'model' });
  });

  it('applies the body limits set in the instance settings', async () => {
    const { saveSettings } = await import('../../lib/settings');
    const big = JSON.stringify({ model: 'gpt-5.5', stream: true, input: [], instructions: 'x'.repeat(1536 * 1024) });
    expect((await post(auth(), big)).status).toBe(200);
    await saveSettings(h.db, h.runtime.keys.hashKey, { requestBodyMaxMb: 1, compressedRequestBodyMaxMb: 1 });
    await new Promise((r) => setTimeout(r, 150));
    try {
      const refused = await post(auth(), big);
      expect(refused.status).toBe(413);
      expect(refused.json?.error?.code).toBe('decompressed_request_too_large');
    } finally {
      await saveSettings(h.db, h.runtime.keys.hashKey, { requestBodyMaxMb: 64, compressedRequestBodyMaxMb: 32 });
      await new Promise((r) => setTimeout(r, 150));
    }
  });
});

describe('key policy', () => {
  it('enforces the model allow-list and requests per minute before any upstream call', async () => {
    const auth = { authorization: `Bearer ${h.key}` };
    await setKey({ allowedModels: ['gpt-fake-1'] });
    const before = h.turns();
    const refused = await post(auth);
    expect(refused.status).toBe(403);
    expect(refused.json?.error).toMatchObject({ code: 'model_not_allowed', param: 'model' });
    // Routes that name their model elsewhere are held to the list too.
    const image = await fetch(`${h.url}/v1/images/generations`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-image-1', prompt: 'a lighthouse' }),
    });
    expect(image.status).toBe(403);
    expect(((await image.json()) as { error: { code: string } }).error.code).toBe('model_not_allowed');
    const unnamed = await fetch(`${h.url}/v1/images/generations`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'a lighthouse' }) });
    expect(unnamed.status).toBe(403);
    // /v1/models lists what the key may use.
    await h.gateway.context.catalog.sync(h.poolId);
    const listed = (await (await fetch(`${h.url}/v1/models`, { headers: auth })).json()) as { data: { id: string }[] };
    expect(listed.data.map((model) => model.id)).toEqual(['gpt-fake-1']);
    expect(h.turns()).toBe(before);
    await setKey({ allowedModels: [], requestsPerMinute: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await streamTurn(h)).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect(h.turns() - before).toBe(2);
    const limited = await streamTurn(h);
    expect(JSON.parse(limited.text).error.code).toBe('api_key_policy_limit_exceeded');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    await setKey({ requestsPerMinute: null });
  });
});

describe('a model no account has', () => {
  it('is refused as not found (404), before any upstream call, on both surfaces', async () => {
    // Once the accounts' catalogs are known (before, the upstream itself refuses the model).
    await h.gateway.context.catalog.sync(h.poolId);
    const before = h.turns();
    const backend = await streamTurn(h, { body: { model: 'gpt-nope' } });
    expect(backend.status).toBe(404);
    expect(JSON.parse(backend.text).error).toMatchObject({ code: 'model_not_found', param: 'model', type: 'invalid_request_error' });
    const chat = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-nope', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(chat.status).toBe(404);
    expect(h.turns()).toBe(before);
  });
});

describe('catalog and helper routes', () => {
  it('lists the Pool catalog sorted by slug with a weak ETag that streamed responses repeat', async () => {
    const response = await fetch(`${h.url}/backend-api/codex/models`, { headers: { authorization: `Bearer ${h.key}` } });
    const catalog = (await response.json()) as { models: { slug: string }[] };
    expect(catalog.models.map((m) => m.slug)).toEqual(['gpt-5.5', 'gpt-fake-1']);
    const etag = response.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"/);
    for (const ifNoneMatch of [etag, etag.slice(2), `W/"other", ${etag}`, '*']) {
      const again = await fetch(`${h.url}/backend-api/codex/v1/models`, { headers: { authorization: `Bearer ${h.key}`, 'if-none-match': ifNoneMatch } });
      expect(again.status, ifNoneMatch).toBe(304);
      expect(again.headers.get('etag')).toBe(etag);
    }
    const changed = await fetch(`${h.url}/backend-api/codex/models`, { headers: { authorization: `Bearer ${h.key}`, 'if-none-match': 'W/"other"' } });
    expect(changed.status).toBe(200);
    expect((await streamTurn(h)).headers.get('x-models-etag')).toBe(etag);
  });

  it('reports Pool usage in the Codex shape', async () => {
    await streamTurn(h);
    for (const path of ['/backend-api/wham/usage', '/wham/usage', '/api/codex/usage']) {
      const usage = (await (await fetch(`${h.url}${path}`, { headers: { authorization: `Bearer ${h.key}` } })).json()) as {
        rate_limit: { allowed: boolean; primary_window: { used_percent: number; limit_window_seconds: number } };
      };
      expect(usage.rate_limit.allowed).toBe(true);
      expect(usage.rate_limit.primary_window.limit_window_seconds).toBe(18000);
      expect(usage.rate_limit.primary_window.used_percent).toBeGreaterThan(0);
    }
  });

  it('reports usage as the Codex CLI decodes it: whole numbers, never null, even with a fractional mean or no known reset', async () => {
    const accountId = h.accountIds['acct-a']!;
    h.gateway.context.pools.recordHeaderEvidence(
      accountId,
      { 'x-codex-primary-used-percent': '12.5', 'x-codex-primary-window-minutes': '300', 'x-codex-secondary-used-percent': '40.25', 'x-codex-secondary-window-minutes': '10080' },
      h.clock.now,
      'response_headers',
    );
    const usage = (await (await fetch(`${h.url}/backend-api/wham/usage`, { headers: { authorization: `Bearer ${h.key}` } })).json()) as {
      rate_limit: Record<'primary_window' | 'secondary_window', Record<string, unknown>>;
    };
    for (const window of [usage.rate_limit.primary_window, usage.rate_limit.secondary_window]) {
      // codex-backend-openapi-models: RateLimitWindowSnapshot's four fields are all plain i32.
      for (const field of ['used_percent', 'limit_window_seconds', 'reset_after_seconds', 'reset_at']) expect(Number.isInteger(window[field]), field).toBe(true);
    }
    expect(usage.rate_limit.primary_window).toMatchObject({ used_percent: 13, limit_window_seconds: 18_000, reset_after_seconds: 18_000 });
    expect(usage.rate_limit.secondary_window.used_percent).toBe(40);
  });

  it('answers a malformed escape in a file id with a 400, not a crash', async () => {
    for (const [method, path] of [['POST', '/backend-api/files/%E0%A4%A/uploaded'], ['GET', '/v1/files/%E0%A4%A']]) {
      const response = await fetch(`${h.url}${path}`, { method, headers: { authorization: `Bearer ${h.key}` } });
      expect(response.status, path).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
    }
  });

  it('answers unserved Codex helper routes with a plain 404 and no upstream call', async () => {
    const before = h.upstream.requests.length;
    const response = await fetch(`${h.url}/backend-api/codex/analytics-events/events`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('Not Found');
    expect(h.upstream.requests.length).toBe(before);
  });
});

describe('instance settings', () => {
  it('applies the IP allowlist and the Codex client version without a restart', async () => {
    const { saveSettings } = await import('../../lib/settings');
    await saveSettings(h.db, h.runtime.keys.hashKey, { ipAllowlist: ['10.9.9.9'], codexClientVersion: '0.170.1' });
    await new Promise((r) => setTimeout(r, 150));
    const denied = await streamTurn(h);
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.text).error.code).toBe('access_denied');

    await saveSettings(h.db, h.runtime.keys.hashKey, { ipAllowlist: ['127.0.0.0/8', '::1'] });
    await new Promise((r) => setTimeout(r, 150));
    expect((await streamTurn(h)).status).toBe(200);
    const turn = h.upstream.requests.filter((r) => r.path === '/backend-api/codex/responses').at(-1)!;
    expect(turn.headers.find(([name]) => name.toLowerCase() === 'version')?.[1]).toBe('0.170.1');
    await saveSettings(h.db, h.runtime.keys.hashKey, { ipAllowlist: [] });
  });
});

describe('operations', () => {
  it('exposes Prometheus metrics, behind the bearer once one is configured', async () => {
    await streamTurn(h);
    const open = await fetch(`${h.url}/metrics`);
    const text = await open.text();
    expect(open.headers.get('content-type')).toContain('text/plain');
    expect(text).toMatch(/codex_pooler_requests_total\{route="\/backend-api\/codex\/responses",status="200",fault="none"\} \d+/);
    expect(text).toMatch(/codex_pooler_accounts\{status="active"\} 1/);

    const { saveSettings } = await import('../../lib/settings');
    await saveSettings(h.db, h.runtime.keys.hashKey, { metricsBearer: 'a-long-metrics-token' });
    expect((await fetch(`${h.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${h.url}/metrics`, { headers: { authorization: 'Bearer a-long-metrics-token' } })).status).toBe(200);
    await saveSettings(h.db, h.runtime.keys.hashKey, { metricsBearer: null });
  });

  it('reports ready, and 503 once draining', async () => {
    expect(await (await fetch(`${h.url}/readyz`)).json()).toEqual({ status: 'ready' });
    expect(await (await fetch(`${h.url}/healthz`)).json()).toEqual({ status: 'ok' });
    await h.gateway.drain(Date.now());
    const draining = await fetch(`${h.url}/readyz`);
    expect(draining.status).toBe(503);
    expect(await draining.json()).toEqual({ status: 'unavailable' });
  });
});

describe('key lookups', () => {
  it('reads a new key once for a burst of requests, and made-up keys a few at a time', async () => {
    const counted = await startHarness({ accounts: ['acct-a'], countQueries: true });
    try {
      // All at once, as requests that arrive together reach the key check before any read returns.
      const { keys } = counted.gateway.context;
      const check = (key: string) => keys.authenticate(`Bearer ${key}`).then(() => 'ok', (error: { code: string }) => error.code);
      const burst = await Promise.all(Array.from({ length: 30 }, () => check(counted.key)));
      expect(burst).toEqual(Array(30).fill('ok'));
      expect(counted.queries.keyReads).toBe(1);

      const madeUp = () => `sk-cp-${randomBytes(6).toString('hex')}_${randomBytes(16).toString('hex')}`;
      const refused = await Promise.all(Array.from({ length: 40 }, () => check(madeUp())));
      expect(refused).toEqual(Array(40).fill('api_key_missing'));
      expect(counted.queries.keyReads).toBe(41);
      expect(counted.queries.mostKeyReadsInFlight).toBe(4);

      // A flood does not queue without bound: past 4 reads and 256 waiting, the rest are turned
      // away at once. The known key is still answered from memory meanwhile, even once its entry
      // is due for a re-read that the flood leaves no room for.
      counted.clock.advance(61_000);
      const flood = Array.from({ length: 300 }, () => check(madeUp()));
      const known = check(counted.key);
      const outcomes = await Promise.all(flood);
      expect(await known).toBe('ok');
      expect(outcomes.filter((code) => code === 'api_key_lookup_busy')).toHaveLength(40);
      // Once there is room, the due re-read of the known key happens.
      expect(await check(counted.key)).toBe('ok');
      expect(outcomes.filter((code) => code === 'api_key_missing')).toHaveLength(260);
      expect(counted.queries.keyReads).toBe(41 + 260 + 1);
    } finally {
      await counted.close();
    }
  });
});

describe('hot path', () => {
  it('makes no database round-trip per request for a cached key', async () => {
    const counted = await startHarness({ accounts: ['acct-a', 'acct-b'], countQueries: true });
    for (const id of ['acct-a', 'acct-b']) counted.upstream.account(id).setUsageStepPercent(0);
    try {
      for (let i = 0; i < 5; i++) await streamTurn(counted, { headers: { 'session-id': 'warm' } });
      await counted.gateway.context.requestLog.flush();
      await counted.gateway.context.pools.flushWindows();
      const before = counted.queries.count;
      for (let i = 0; i < 300; i++) expect((await streamTurn(counted, { headers: { 'session-id': 'warm' } })).status).toBe(200);
      // What remains is written behind the requests on timers (request-log batches, quota windows
      // coalesced per account), so it grows with elapsed time, not with the number of requests:
      // one query per request would be 300.
      await counted.gateway.context.requestLog.flush();
      await counted.gateway.context.pools.flushWindows();
      expect(counted.queries.count - before).toBeLessThan(100);
    } finally {
      await counted.close();
    }
  });
});
