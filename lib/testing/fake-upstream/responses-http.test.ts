import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordedHeader, startFakeUpstream, type FakeUpstream, type IssuedCredentials } from './index';
import { authHeaders, parseSse, postResponses, turnBody, userMessage, zstdStoredFrame } from './test-support';

const TURN_EVENT_TYPES = [
  'codex.rate_limits',
  'response.created',
  'response.in_progress',
  'response.output_item.added',
  'response.content_part.added',
  'response.output_text.delta',
  'response.output_text.delta',
  'response.output_text.done',
  'response.content_part.done',
  'response.output_item.done',
  'response.completed',
];

let upstream: FakeUpstream;
let alice: IssuedCredentials;

beforeEach(async () => {
  upstream = await startFakeUpstream();
  alice = upstream.addAccount({ accountId: 'acct-alice' });
});
afterEach(() => upstream.close());

async function streamedEvents(response: Response) {
  expect(response.status).toBe(200);
  return parseSse(await response.text());
}

function completedResponse(events: ReturnType<typeof parseSse>) {
  const completed = events.find((event) => event.data.type === 'response.completed');
  return completed?.data.response as { id: string; output: Array<Record<string, unknown>>; usage: Record<string, any> };
}

describe('POST /backend-api/codex/responses over SSE', () => {
  it('stamps each frame with its send time on the monotonic clock when asked', async () => {
    upstream.setEventStamps(true);
    const before = process.hrtime.bigint();
    const text = await (await postResponses(upstream, alice, turnBody('say hi'))).text();
    const stamps = [...text.matchAll(/^: sent (\d+)\nevent: /gm)].map((match) => BigInt(match[1]!));
    expect(stamps).toHaveLength(TURN_EVENT_TYPES.length);
    expect(stamps.every((stamp) => stamp >= before && stamp <= process.hrtime.bigint())).toBe(true);
    expect(parseSse(text).map((event) => event.data.type)).toEqual(TURN_EVENT_TYPES);
  });

  it('streams a long answer ([[words:N]]) one delta per word', async () => {
    const events = await streamedEvents(await postResponses(upstream, alice, turnBody('tell me more [[words:40]]')));
    const deltas = events.filter((event) => event.data.type === 'response.output_text.delta').map((event) => event.data.delta as string);
    expect(deltas).toHaveLength(43);
    const text = (completedResponse(events).output[0] as { content: [{ text: string }] }).content[0].text;
    expect(deltas.join('')).toBe(text);
    expect(text).toMatch(/^hi from acct-alice and more and/);
  });

  it('streams a Responses event sequence ending in response.completed', async () => {
    const response = await postResponses(upstream, alice, turnBody('say hi'));
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = await streamedEvents(response);

    expect(events.map((event) => event.data.type)).toEqual(TURN_EVENT_TYPES);
    expect(events.every((event) => event.event === event.data.type)).toBe(true);
    const sequenceNumbers = events.slice(1).map((event) => event.data.sequence_number as number);
    expect(sequenceNumbers).toEqual([...sequenceNumbers].sort((a, b) => a - b));
    expect(new Set(sequenceNumbers).size).toBe(sequenceNumbers.length);

    const final = completedResponse(events);
    expect(final.id).toMatch(/^resp_/);
    expect(final.output[0]).toMatchObject({ type: 'message', content: [{ type: 'output_text', text: 'hi from acct-alice' }] });
    expect(final.usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number), total_tokens: expect.any(Number) });
    expect(final.usage.input_tokens_details.cached_tokens).toBe(0);
    expect(events[0].data).toMatchObject({ plan_type: 'plus', rate_limits: { primary: { window_minutes: 300 } } });

    // The same prompt cache key on the same account is a cache hit, reported as cached tokens.
    const again = completedResponse(await streamedEvents(await postResponses(upstream, alice, turnBody('say hi'))));
    expect(again.usage.input_tokens_details.cached_tokens).toBeGreaterThan(0);
    expect(again.usage.input_tokens).toBeGreaterThanOrEqual(again.usage.input_tokens_details.cached_tokens);
    expect(again.id).not.toBe(final.id);
  });

  it('sends rate-limit, etag, model, request-id and turn-state headers and charges the account', async () => {
    const response = await postResponses(upstream, alice, turnBody('hi'), { 'x-codex-turn-state': 'ts-sticky' });
    await response.text();
    const headers = response.headers;
    expect(headers.get('x-codex-primary-used-percent')).toBe('1.0');
    expect(headers.get('x-codex-primary-window-minutes')).toBe('300');
    expect(Number(headers.get('x-codex-primary-reset-at'))).toBeGreaterThan(Date.now() / 1000);
    expect(Number(headers.get('x-codex-primary-reset-after-seconds'))).toBeGreaterThan(0);
    expect(headers.get('x-codex-secondary-window-minutes')).toBe('10080');
    expect(headers.get('x-codex-secondary-used-percent')).toBe('1.0');
    expect(headers.get('x-codex-credits-has-credits')).toBe('false');
    expect(headers.get('x-codex-credits-unlimited')).toBe('false');
    expect(headers.get('x-codex-turn-state')).toBe('ts-sticky');
    expect(headers.get('x-models-etag')).toBe(upstream.modelsEtag);
    expect(headers.get('openai-model')).toBe('gpt-5.5');
    expect(headers.get('x-request-id')).toMatch(/^req_/);
    expect(upstream.account('acct-alice').usage().primary.usedPercent).toBe(1);

    const fresh = await postResponses(upstream, alice, turnBody('hi'));
    await fresh.text();
    expect(fresh.headers.get('x-codex-turn-state')).toMatch(/^ts_/);
  });

  it('records the request with raw header case and order, decoded body and account', async () => {
    await (await postResponses(upstream, alice, turnBody('hi'), { 'Session-Id': 'thread-1' })).text();
    const [recorded] = upstream.requests;
    expect(recorded).toMatchObject({ transport: 'http', kind: 'request', method: 'POST', path: '/backend-api/codex/responses', accountId: 'acct-alice' });
    expect(recorded.headers.some(([name]) => name === 'Session-Id')).toBe(true);
    expect(recordedHeader(recorded, 'session-id')).toBe('thread-1');
    expect(recorded.body).toMatchObject({ model: 'gpt-5.5', prompt_cache_key: 'thread-1' });
  });

  it('writes events one at a time so streaming is observable', async () => {
    upstream.setEventDelayMs(25);
    const response = await postResponses(upstream, alice, turnBody('hi'));
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('codex.rate_limits');
    expect(new TextDecoder().decode(first.value)).not.toContain('response.completed');
    await reader.cancel();
  });

  it('answers with a JSON response object when stream is false', async () => {
    const response = await postResponses(upstream, alice, { ...turnBody('hi'), stream: false });
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toMatchObject({ object: 'response', status: 'completed', output: [{ type: 'message' }] });
  });
});

describe('scenarios', () => {
  it('calls exec_command for [[tool]] and answers with text once the output arrives', async () => {
    const first = completedResponse(await streamedEvents(await postResponses(upstream, alice, turnBody('run it [[tool]]'))));
    const call = first.output[0];
    expect(call).toMatchObject({ type: 'function_call', name: 'exec_command', call_id: expect.stringMatching(/^call_/) });

    const followUp = turnBody('run it [[tool]]', {
      input: [userMessage('run it [[tool]]'), call, { type: 'function_call_output', call_id: call.call_id, output: 'ok' }],
    });
    const second = completedResponse(await streamedEvents(await postResponses(upstream, alice, followUp)));
    expect(second.output[0]).toMatchObject({ type: 'message', content: [{ text: 'hi from acct-alice after running the tool' }] });
  });

  it('adds a reasoning item with encrypted content for [[reasoning]]', async () => {
    const events = await streamedEvents(await postResponses(upstream, alice, turnBody('think [[reasoning]]')));
    const final = completedResponse(events);
    expect(final.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect(final.output[0].encrypted_content).toEqual(expect.any(String));
    expect(final.usage.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
    expect(events.map((event) => event.data.type)).toContain('response.reasoning_summary_text.delta');
  });

  it('answers a compaction_trigger with exactly one compaction item', async () => {
    const body = turnBody('long history', { input: [userMessage('long history'), { type: 'compaction_trigger' }] });
    const final = completedResponse(await streamedEvents(await postResponses(upstream, alice, body)));
    expect(final.output).toHaveLength(1);
    expect(final.output[0]).toMatchObject({ type: 'compaction', encrypted_content: expect.any(String) });
  });

  it('answers a prewarm (generate:false) with no output and zero usage, without charging', async () => {
    const events = await streamedEvents(await postResponses(upstream, alice, turnBody('x', { generate: false })));
    expect(events.map((event) => event.data.type)).toEqual(['codex.rate_limits', 'response.created', 'response.in_progress', 'response.completed']);
    expect(completedResponse(events)).toMatchObject({ output: [], usage: { input_tokens: 0, total_tokens: 0 } });
    expect(upstream.account('acct-alice').usage().primary.usedPercent).toBe(0);
  });
});

describe('request bodies', () => {
  it('accepts gzip and zstd bodies and refuses a corrupt zstd body with 400', async () => {
    const json = Buffer.from(JSON.stringify(turnBody('compressed')));
    const send = (encoding: string, body: Buffer) =>
      fetch(`${upstream.backendBaseUrl}/codex/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding, ...authHeaders(alice) },
        body: new Uint8Array(body),
      });

    expect(completedResponse(await streamedEvents(await send('gzip', gzipSync(json))))).toBeDefined();
    expect(completedResponse(await streamedEvents(await send('zstd', zstdStoredFrame(json))))).toBeDefined();
    expect(upstream.requests.at(-1)?.body).toMatchObject({ model: 'gpt-5.5' });

    const corrupt = await send('zstd', Buffer.from('definitely not zstd'));
    expect(corrupt.status).toBe(400);
    expect(await corrupt.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('answers 400 JSON to malformed or invalid bodies and to an unsupported model', async () => {
    const malformed = await fetch(`${upstream.backendBaseUrl}/codex/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authHeaders(alice) },
      body: '{"model":',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('x-codex-primary-used-percent')).toBe('0.0');
    expect((await postResponses(upstream, alice, { model: 'gpt-5.5' })).status).toBe(400);
    const unsupported = await postResponses(upstream, alice, turnBody('hi', { model: 'gpt-unknown' }));
    expect(unsupported.status).toBe(400);
    expect(await unsupported.json()).toMatchObject({ error: { code: 'model_not_supported' } });
  });
});

describe('authentication and limits', () => {
  it('answers 401 token_expired to a bad or expired token and 403 to a foreign account id', async () => {
    const bad = await postResponses(upstream, { accessToken: 'nope', accountId: 'acct-alice' }, turnBody('hi'));
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({
      error: { message: 'Provided authentication token is expired. Please try signing in again.', code: 'token_expired' },
      status: 401,
    });

    const mismatch = await postResponses(upstream, { ...alice, accountId: 'acct-other' }, turnBody('hi'));
    expect(mismatch.status).toBe(403);
    expect(await mismatch.json()).toMatchObject({ error: { code: 'account_mismatch' } });

    upstream.account('acct-alice').expireAccessToken();
    const expired = await postResponses(upstream, alice, turnBody('hi'));
    expect(expired.status).toBe(401);
    expect(expired.headers.get('x-codex-primary-window-minutes')).toBe('300');

  });

  it('answers unknown paths with 404 JSON that still carries the limit headers', async () => {
    const response = await fetch(`${upstream.backendBaseUrl}/no/such/thing`, { headers: authHeaders(alice) });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
    expect(response.headers.get('x-codex-secondary-window-minutes')).toBe('10080');
  });

  it('expires tokens by the injected clock', async () => {
    let now = Date.now();
    const clocked = await startFakeUpstream({ clock: () => now });
    try {
      const bob = clocked.addAccount({ accountId: 'acct-bob', accessTokenTtlSeconds: 60 });
      expect((await postResponses(clocked, bob, turnBody('hi'))).status).toBe(200);
      now += 61_000;
      expect((await postResponses(clocked, bob, turnBody('hi'))).status).toBe(401);
    } finally {
      await clocked.close();
    }
  });

  it('answers 429 usage_limit_reached with resets_at and headers at 100 while exhausted', async () => {
    const resetsAt = Math.floor(Date.now() / 1000) + 1800;
    upstream.account('acct-alice').exhaustUntil(resetsAt);
    const response = await postResponses(upstream, alice, turnBody('hi'));
    expect(response.status).toBe(429);
    expect(response.headers.get('x-codex-primary-used-percent')).toBe('100.0');
    expect(response.headers.get('x-codex-primary-reset-at')).toBe(String(resetsAt));
    const body = await response.json();
    expect(body.error).toMatchObject({ type: 'usage_limit_reached', plan_type: 'plus', resets_at: resetsAt });
    expect(body.error.resets_in_seconds).toBeGreaterThan(1790);
  });

  it('drives an account into exhaustion by its usage step', async () => {
    upstream.account('acct-alice').setUsageStepPercent(50);
    expect((await postResponses(upstream, alice, turnBody('one'))).status).toBe(200);
    const second = await postResponses(upstream, alice, turnBody('two'));
    await second.text();
    expect(second.headers.get('x-codex-primary-used-percent')).toBe('100.0');
    expect((await postResponses(upstream, alice, turnBody('three'))).status).toBe(429);
  });
});

describe('failNext faults', () => {
  it('fails with 500 once, then succeeds', async () => {
    upstream.account('acct-alice').failNext(1, { status: 500 });
    const failed = await postResponses(upstream, alice, turnBody('hi'));
    expect(failed.status).toBe(500);
    expect(failed.headers.get('x-codex-primary-used-percent')).toBeTruthy();
    expect((await postResponses(upstream, alice, turnBody('hi'))).status).toBe(200);
    expect(upstream.account('acct-alice').pendingFaults()).toBe(0);
  });

  it('truncates the stream before response.completed', async () => {
    upstream.account('acct-alice').failNext(1, { truncateAfterEvents: 3 });
    const events = await streamedEvents(await postResponses(upstream, alice, turnBody('hi')));
    expect(events.map((event) => event.data.type)).toEqual(['codex.rate_limits', 'response.created', 'response.in_progress']);
  });

  it('resets the connection mid-stream', async () => {
    upstream.account('acct-alice').failNext(1, { resetAfterEvents: 2 });
    const response = await postResponses(upstream, alice, turnBody('hi'));
    await expect(response.text()).rejects.toThrow();
  });

  it('hangs after some events, leaving the stream open', async () => {
    upstream.account('acct-alice').failNext(1, { hangAfterEvents: 2 });
    const response = await postResponses(upstream, alice, turnBody('hi'));
    const reader = response.body!.getReader();
    let received = '';
    while (!received.includes('response.created')) received += new TextDecoder().decode((await reader.read()).value);
    const next = await Promise.race([reader.read().then(() => 'more'), new Promise((resolve) => setTimeout(() => resolve('hung'), 150))]);
    expect(next).toBe('hung');
    await reader.cancel();
  });

  it('answers 429 rate_limit_exceeded with retry-after', async () => {
    upstream.account('acct-alice').failNext(1, { rateLimited: { retryAfterSeconds: 2 } });
    const response = await postResponses(upstream, alice, turnBody('hi'));
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(await response.json()).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
  });

  it('fails the response in-stream with the given code', async () => {
    upstream.account('acct-alice').failNext(1, { responseFailed: 'context_length_exceeded' });
    const events = await streamedEvents(await postResponses(upstream, alice, turnBody('hi')));
    const failed = events.at(-1)!.data;
    expect(failed).toMatchObject({ type: 'response.failed', response: { status: 'failed', error: { code: 'context_length_exceeded' } } });
    expect(upstream.account('acct-alice').usage().primary.usedPercent).toBe(0);
  });

  it('delays the first byte', async () => {
    upstream.account('acct-alice').failNext(1, { slowFirstByteMs: 120 });
    const started = Date.now();
    const response = await postResponses(upstream, alice, turnBody('hi'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(completedResponse(await streamedEvents(response))).toBeDefined();
  });

  it('leaves websocket-only faults for the websocket', async () => {
    upstream.account('acct-alice').failNext(1, { wsDropAfterEvents: 1 });
    expect((await postResponses(upstream, alice, turnBody('hi'))).status).toBe(200);
    expect(upstream.account('acct-alice').pendingFaults()).toBe(1);
  });
});
