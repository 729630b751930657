import type { IncomingMessage } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startFakeUpstream, type FakeUpstream, type IssuedCredentials } from './index';
import { authHeaders, turnBody, userMessage } from './test-support';

const BETA = { 'openai-beta': 'responses_websockets=2026-02-06' };
type Frame = Record<string, any>;

let upstream: FakeUpstream;
let alice: IssuedCredentials;

beforeEach(async () => {
  upstream = await startFakeUpstream();
  alice = upstream.addAccount({ accountId: 'acct-alice' });
});
afterEach(() => upstream.close());

function socketUrl(): string {
  return `${upstream.backendBaseUrl.replace(/^http/, 'ws')}/codex/responses`;
}

/** An open socket plus an inbox, so a test can wait for the frames of one turn. */
class Client {
  private readonly inbox: Frame[] = [];
  private waiter?: () => void;
  closeCode?: number;

  constructor(readonly ws: WebSocket, readonly upgrade: IncomingMessage) {
    ws.on('message', (data) => {
      this.inbox.push(JSON.parse(data.toString()));
      this.waiter?.();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.waiter?.();
    });
  }

  static open(headers: Record<string, string>): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(socketUrl(), { headers, perMessageDeflate: true });
      ws.once('upgrade', (response) => ws.once('open', () => resolve(new Client(ws, response))));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Frames up to and including the first whose type is one of `endTypes`, or until the socket closes. */
  async until(...endTypes: string[]): Promise<Frame[]> {
    const frames: Frame[] = [];
    for (;;) {
      const frame = this.inbox.shift();
      if (frame) {
        frames.push(frame);
        if (endTypes.includes(frame.type)) return frames;
        continue;
      }
      if (this.closeCode !== undefined) return frames;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }
}

function create(text: string, extra: Record<string, unknown> = {}) {
  return { type: 'response.create', ...turnBody(text), ...extra };
}

function refusedUpgrade(headers: Record<string, string>): Promise<{ status: number; body: any; headers: IncomingMessage['headers'] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(socketUrl(), { headers });
    ws.once('open', () => reject(new Error('upgrade unexpectedly accepted')));
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), headers: res.headers }));
    });
  });
}

const completedOf = (frames: Frame[]) => frames.find((frame) => frame.type === 'response.completed')?.response;

describe('websocket /backend-api/codex/responses', () => {
  it('answers the upgrade with turn-state, models etag and model headers and negotiates permessage-deflate', async () => {
    const client = await Client.open({ ...authHeaders(alice), ...BETA, 'x-codex-routing-hint': 'model=gpt-fake-1' });
    expect(client.upgrade.headers['x-codex-turn-state']).toMatch(/^ts_/);
    expect(client.upgrade.headers['x-models-etag']).toBe(upstream.modelsEtag);
    expect(client.upgrade.headers['openai-model']).toBe('gpt-fake-1');
    expect(client.ws.extensions).toContain('permessage-deflate');
    const upgrade = upstream.requests[0];
    expect(upgrade).toMatchObject({ transport: 'websocket', kind: 'request', accountId: 'acct-alice' });
    client.ws.close();
  });

  it('prewarms, then chains a turn with previous_response_id on the same socket', async () => {
    const client = await Client.open({ ...authHeaders(alice), ...BETA });
    client.send(create('developer context', { generate: false }));
    const prewarm = await client.until('response.completed');
    expect(prewarm.map((frame) => frame.type)).toEqual(['codex.rate_limits', 'response.created', 'response.in_progress', 'response.completed']);
    const prewarmId = completedOf(prewarm).id;

    client.send(create('say hi', { previous_response_id: prewarmId }));
    const turn = await client.until('response.completed');
    expect(turn[0]).toMatchObject({ type: 'codex.rate_limits', rate_limits: { primary: { window_minutes: 300 } } });
    expect(completedOf(turn)).toMatchObject({
      previous_response_id: prewarmId,
      output: [{ type: 'message', content: [{ text: 'hi from acct-alice' }] }],
      usage: { input_tokens_details: { cached_tokens: expect.any(Number) } },
    });
    const frames = upstream.requests.filter((request) => request.kind === 'ws-message');
    expect(frames).toHaveLength(2);
    expect(frames[1].body).toMatchObject({ previous_response_id: prewarmId });
    client.ws.close();
  });

  it('runs a tool round trip with only the new items on the chained frame', async () => {
    const client = await Client.open({ ...authHeaders(alice), ...BETA });
    client.send(create('do it [[tool]]'));
    const first = completedOf(await client.until('response.completed'));
    const call = first.output[0];
    expect(call).toMatchObject({ type: 'function_call', name: 'exec_command' });

    client.send(create('', { previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: call.call_id, output: 'ok' }] }));
    const second = completedOf(await client.until('response.completed'));
    expect(second.output[0].content[0].text).toBe('hi from acct-alice after running the tool');
    client.ws.close();
  });

  it('refuses an unknown previous_response_id with an in-band 400 frame', async () => {
    const client = await Client.open({ ...authHeaders(alice), ...BETA });
    client.send(create('hi', { previous_response_id: 'resp_elsewhere' }));
    const [frame] = await client.until('error');
    expect(frame).toMatchObject({
      type: 'error',
      status: 400,
      error: { type: 'invalid_request_error', code: 'previous_response_not_found' },
    });
    client.ws.close();
  });

  it('reports exhaustion as an in-band 429 with limit headers', async () => {
    const resetsAt = Math.floor(Date.now() / 1000) + 600;
    upstream.account('acct-alice').exhaustUntil(resetsAt);
    const client = await Client.open({ ...authHeaders(alice), ...BETA });
    client.send(create('hi'));
    const [frame] = await client.until('error');
    expect(frame).toMatchObject({
      status: 429,
      error: { type: 'usage_limit_reached', resets_at: resetsAt },
      headers: { 'x-codex-primary-used-percent': '100.0' },
    });
    client.ws.close();
  });
});

describe('websocket upgrade refusals', () => {
  it('refuses a missing beta header with 400, a bad token with 401', async () => {
    expect((await refusedUpgrade(authHeaders(alice))).status).toBe(400);
    const unauthorized = await refusedUpgrade({ ...BETA, authorization: 'Bearer nope', 'chatgpt-account-id': 'acct-alice' });
    expect(unauthorized).toMatchObject({ status: 401, body: { error: { code: 'token_expired' } } });
  });

  it('answers a scripted upgrade status, then accepts the next upgrade', async () => {
    upstream.account('acct-alice').failNext(1, { wsUpgradeStatus: 429 });
    const refused = await refusedUpgrade({ ...authHeaders(alice), ...BETA });
    expect(refused).toMatchObject({ status: 429, body: { error: { type: 'usage_limit_reached' } } });
    expect(refused.headers['x-codex-primary-used-percent']).toBe('100.0');
    const client = await Client.open({ ...authHeaders(alice), ...BETA });
    client.ws.close();
  });
});

describe('websocket faults', () => {
  it('sends a scripted in-band error frame', async () => {
    upstream.account('acct-alice').failNext(1, { wsErrorFrame: { status: 400, error: { code: 'websocket_connection_limit_reached' } } });
    const client = await Client.open({ ...authHeaders(alice), ...BETA });
    client.send(create('hi'));
    const [frame] = await client.until('error');
    expect(frame).toMatchObject({ type: 'error', status: 400, error: { code: 'websocket_connection_limit_reached' }, headers: expect.any(Object) });
    client.ws.close();
  });

  it('drops the connection without a close frame after N events', async () => {
    upstream.account('acct-alice').failNext(1, { wsDropAfterEvents: 2 });
    const client = await Client.open({ ...authHeaders(alice), ...BETA });
    client.send(create('hi'));
    const frames = await client.until('response.completed');
    expect(frames.map((frame) => frame.type)).toEqual(['codex.rate_limits', 'response.created']);
    expect(client.closeCode).toBe(1006);
  });

  it('closes with code 1011 when scripted', async () => {
    upstream.account('acct-alice').failNext(1, { wsCloseAfterEvents: 1 });
    const client = await Client.open({ ...authHeaders(alice), ...BETA });
    client.send(create('hi'));
    await client.until('response.completed');
    expect(client.closeCode).toBe(1011);
  });

  it('ends connections older than the configured cap with websocket_connection_limit_reached', async () => {
    upstream.setWsConnectionMaxAgeMs(0);
    const client = await Client.open({ ...authHeaders(alice), ...BETA });
    client.send(create('hi', { input: [userMessage('hi')] }));
    const [frame] = await client.until('error');
    expect(frame).toMatchObject({ status: 400, error: { code: 'websocket_connection_limit_reached' } });
  });
});
