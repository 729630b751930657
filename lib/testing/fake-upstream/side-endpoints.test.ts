import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CODEX_CLIENT_ID, startFakeUpstream, type FakeUpstream, type IssuedCredentials } from './index';
import { authHeaders, postResponses, turnBody, userMessage } from './test-support';

let upstream: FakeUpstream;
let alice: IssuedCredentials;

beforeEach(async () => {
  upstream = await startFakeUpstream();
  alice = upstream.addAccount({ accountId: 'acct-alice', email: 'alice@example.test', planType: 'pro', models: ['gpt-fake-1'] });
});
afterEach(() => upstream.close());

function jwtClaims(token: string): Record<string, any> {
  const [header, payload, signature] = token.split('.');
  expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toMatchObject({ alg: 'none' });
  expect(signature).not.toBe('');
  return JSON.parse(Buffer.from(payload, 'base64url').toString());
}

function refresh(refreshToken: string, form = false): Promise<Response> {
  const fields = { client_id: CODEX_CLIENT_ID, grant_type: 'refresh_token', refresh_token: refreshToken, refresh_reason: 'unauthorized_recovery' };
  return fetch(`${upstream.authBaseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
    body: form ? new URLSearchParams(fields).toString() : JSON.stringify(fields),
  });
}

function get(path: string, credentials: Pick<IssuedCredentials, 'accessToken' | 'accountId'> = alice): Promise<Response> {
  return fetch(`${upstream.url}${path}`, { headers: authHeaders(credentials) });
}

function postJson(path: string, body: unknown): Promise<Response> {
  return fetch(`${upstream.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders(alice) },
    body: JSON.stringify(body),
  });
}

describe('issued credentials', () => {
  it('issues unsigned JWTs with the Codex claims and a Codex auth.json', () => {
    const claims = jwtClaims(alice.idToken);
    expect(claims).toMatchObject({
      email: 'alice@example.test',
      exp: expect.any(Number),
      'https://api.openai.com/auth': { chatgpt_plan_type: 'pro', chatgpt_account_id: 'acct-alice', chatgpt_user_id: expect.any(String) },
    });
    expect(jwtClaims(alice.accessToken).exp).toBeGreaterThan(Date.now() / 1000);
    expect(alice.authJson).toEqual({
      auth_mode: 'chatgpt',
      OPENAI_API_KEY: null,
      tokens: { id_token: alice.idToken, access_token: alice.accessToken, refresh_token: alice.refreshToken, account_id: 'acct-alice' },
      last_refresh: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });
});

describe('POST /oauth/token', () => {
  it('rotates the refresh token, refuses its reuse and counts calls', async () => {
    upstream.account('acct-alice').expireAccessToken();
    const response = await refresh(alice.refreshToken);
    expect(response.status).toBe(200);
    const tokens = await response.json();
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3600, id_token: expect.any(String) });
    expect(tokens.refresh_token).not.toBe(alice.refreshToken);
    expect(upstream.account('acct-alice').tokens().accessToken).toBe(tokens.access_token);
    const renewed = { accessToken: tokens.access_token, accountId: 'acct-alice' };
    expect((await postResponses(upstream, renewed, turnBody('hi', { model: 'gpt-fake-1' }))).status).toBe(200);

    const reused = await refresh(alice.refreshToken);
    expect(reused.status).toBe(401);
    expect(await reused.json()).toMatchObject({ error: { code: 'refresh_token_reused' } });

    const viaForm = await refresh(tokens.refresh_token, true);
    expect(viaForm.status).toBe(200);
    expect(upstream.tokenEndpointCalls(alice.refreshToken)).toBe(2);
    expect(upstream.tokenEndpointCalls()).toBe(3);
    expect(upstream.requests.at(-1)).toMatchObject({ accountId: 'acct-alice', body: { grant_type: 'refresh_token' } });
  });

  it('refuses a wrong client or grant', async () => {
    const wrongClient = await fetch(`${upstream.authBaseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'app_other', grant_type: 'refresh_token', refresh_token: alice.refreshToken }),
    });
    expect(wrongClient.status).toBe(401);
    const wrongGrant = await fetch(`${upstream.authBaseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: CODEX_CLIENT_ID, grant_type: 'password' }),
    });
    expect(await wrongGrant.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('applies the failure knobs', async () => {
    const account = upstream.account('acct-alice');
    account.setRefreshFailure('invalid_grant');
    const invalid = await refresh(alice.refreshToken);
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.any(String) });

    account.setRefreshFailure('refresh_token_expired');
    const expired = await refresh(alice.refreshToken);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ error: { code: 'refresh_token_expired' } });

    account.setRefreshFailure('server_error');
    expect((await refresh(alice.refreshToken)).status).toBe(500);

    account.setRefreshFailure(null);
    expect((await refresh(alice.refreshToken)).status).toBe(200);
  });

  it('lets only one of two concurrent refreshes with the same token win', async () => {
    upstream.account('acct-alice').setRefreshDelayMs(50);
    const statuses = (await Promise.all([refresh(alice.refreshToken), refresh(alice.refreshToken)])).map((r) => r.status);
    expect(statuses.sort()).toEqual([200, 401]);
    expect(upstream.tokenEndpointCalls(alice.refreshToken)).toBe(2);
  });
});

describe('ChatGPT side endpoints', () => {
  it('lists the account models with an ETag that follows the etag knob', async () => {
    const response = await get('/backend-api/codex/models?client_version=0.169.0');
    expect(response.headers.get('etag')).toBe(upstream.modelsEtag);
    const body = await response.json();
    expect(body.models.map((model: { slug: string }) => model.slug)).toEqual(['gpt-fake-1']);
    expect(body.models[0]).toMatchObject({ context_window: 272000, shell_type: 'shell_command', supported_reasoning_levels: expect.any(Array) });

    upstream.setModelsEtag('models-v2');
    expect((await get('/backend-api/codex/models?client_version=0.169.0')).headers.get('etag')).toBe('models-v2');
    const turn = await postResponses(upstream, alice, turnBody('hi', { model: 'gpt-fake-1' }));
    expect(turn.headers.get('x-models-etag')).toBe('models-v2');
  });

  it('reports usage in the wham shape, also under /api/codex/usage, and 401 for a bad token', async () => {
    upstream.account('acct-alice').setUsage({ primary: { usedPercent: 12 }, secondary: { usedPercent: 40 } });
    for (const path of ['/backend-api/wham/usage', '/api/codex/usage']) {
      const body = await (await get(path)).json();
      expect(body).toMatchObject({
        plan_type: 'pro',
        rate_limit: {
          allowed: true,
          limit_reached: false,
          primary_window: { used_percent: 12, limit_window_seconds: 18000, reset_after_seconds: expect.any(Number), reset_at: expect.any(Number) },
          secondary_window: { used_percent: 40, limit_window_seconds: 604800 },
        },
        credits: { has_credits: false, unlimited: false, balance: '0' },
      });
    }
    expect((await get('/backend-api/wham/usage', { accessToken: 'bad', accountId: 'acct-alice' })).status).toBe(401);
  });

  it('answers accounts/check, settings, profile, analytics and 404 for ps/*', async () => {
    expect(await (await get('/backend-api/wham/accounts/check')).json()).toMatchObject({
      account_ordering: ['acct-alice'],
      accounts: [{ id: 'acct-alice', workspace_backend_origin: 'NO_CONSTRAINT', account_routing_override: 'NO_CONSTRAINT' }],
    });
    expect(await (await get('/backend-api/wham/settings/user')).json()).toEqual({});
    expect(await (await get('/backend-api/wham/profiles/me')).json()).toEqual({});
    expect((await postJson('/backend-api/codex/analytics-events/events', { events: [] })).status).toBe(200);
    const plugins = await get('/backend-api/ps/plugins/installed?limit=200');
    expect(plugins.status).toBe(404);
    expect(await plugins.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('compacts over the v1 endpoint', async () => {
    const response = await postJson('/backend-api/codex/responses/compact', { model: 'gpt-fake-1', input: [userMessage('keep me')] });
    const { output } = await response.json();
    expect(output.at(-1)).toMatchObject({ type: 'compaction', encrypted_content: expect.any(String) });
    expect(output[0]).toMatchObject({ role: 'user' });
  });
});

describe('files and transcription', () => {
  it('creates, uploads and finalizes a file (retry, then success) owned by the account', async () => {
    const created = await (await postJson('/backend-api/files', { file_name: 'notes.txt', file_size: 5, use_case: 'codex' })).json();
    expect(created).toMatchObject({ file_id: expect.any(String), upload_url: expect.stringContaining(upstream.url) });

    const missingBlobType = await fetch(created.upload_url, { method: 'PUT', body: 'hello' });
    expect(missingBlobType.status).toBe(400);
    const upload = await fetch(created.upload_url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: 'hello' });
    expect(upload.status).toBe(201);

    const finalizePath = `/backend-api/files/${created.file_id}/uploaded`;
    expect(await (await postJson(finalizePath, {})).json()).toEqual({ status: 'retry' });
    const done = await (await postJson(finalizePath, {})).json();
    expect(done).toMatchObject({ status: 'success', file_name: 'notes.txt', mime_type: 'text/plain', download_url: expect.any(String) });
    expect(await (await fetch(done.download_url)).text()).toBe('hello');
    expect(upstream.file(created.file_id)).toMatchObject({ accountId: 'acct-alice', fileSize: 5, useCase: 'codex' });

    const bob = upstream.addAccount({ accountId: 'acct-bob' });
    const foreign = await fetch(`${upstream.url}${finalizePath}`, { method: 'POST', headers: authHeaders(bob) });
    expect(foreign.status).toBe(404);
  });

  it('transcribes a multipart upload', async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(16)], { type: 'audio/wav' }), 'clip.wav');
    const response = await fetch(`${upstream.backendBaseUrl}/transcribe`, { method: 'POST', headers: authHeaders(alice), body: form });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ text: expect.stringContaining('clip.wav') });

    const notMultipart = await postJson('/backend-api/transcribe', {});
    expect(notMultipart.status).toBe(400);
  });
});
