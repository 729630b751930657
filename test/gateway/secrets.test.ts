import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startHarness, streamTurn, type Harness } from '../support/gateway-harness';

const run = promisify(execFile);
let h: Harness;
afterAll(async () => {
  await h?.close();
});

describe('what the database keeps', () => {
  it('a full pg_dump after real traffic holds no prompt, no bearer token, no raw key, no raw session value', async () => {
    h = await startHarness({ accounts: ['acct-a', 'acct-b'], database: 'postgres' });
    const prompt = 'PROMPT-MARKER-the-secret-plan-7731';
    const sessionValue = 'SESSION-MARKER-0199';
    const cacheKey = 'CACHE-MARKER-4242';
    const originalTokens = ['acct-a', 'acct-b'].map((id) => h.upstream.account(id).tokens());
    h.upstream.account('acct-a').expireAccessToken(); // forces a refresh: new tokens get stored too
    for (let i = 0; i < 6; i++) {
      const result = await streamTurn(h, { input: prompt, headers: { 'session-id': sessionValue, 'x-codex-window-id': `${sessionValue}:0` }, body: { prompt_cache_key: cacheKey } });
      expect(result.status).toBe(200);
    }
    await streamTurn(h, { key: `${h.key.slice(0, -3)}zzz`, input: prompt });
    await h.gateway.context.requestLog.flush();
    await h.gateway.context.affinity.flush();
    await h.gateway.context.pools.flushWindows();

    const { stdout: dump } = await run('pg_dump', ['--data-only', '--inserts', h.databaseUrl!], { maxBuffer: 64 * 1024 * 1024 });
    expect(dump).toContain('RequestLog'); // the dump is real and has the traffic
    expect(await h.db.prisma.requestLog.count()).toBeGreaterThanOrEqual(7);
    const secrets = [
      // The secret part is base64url, which has underscores of its own: it is all after the first.
      prompt, sessionValue, cacheKey, h.key, h.key.slice(h.key.indexOf('_') + 1),
      ...originalTokens.flatMap((t) => [t.accessToken, t.refreshToken, t.idToken]),
      ...['acct-a', 'acct-b'].flatMap((id) => [h.upstream.account(id).tokens().accessToken, h.upstream.account(id).tokens().refreshToken]),
    ];
    for (const secret of secrets) expect(dump.includes(secret), `dump contains ${secret.slice(0, 24)}…`).toBe(false);
    // Stored conversation keys are keyed: the plain hash of a guessed session id finds nothing.
    expect(await h.db.prisma.routingAffinity.count()).toBeGreaterThan(0);
    const guess = createHash('sha256').update(`${h.poolId}:session:${sessionValue}:0`).digest('hex');
    expect(dump.includes(guess)).toBe(false);
  });
});
