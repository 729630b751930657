import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/gateway-harness';
import { CODEX_BIN, clientsInstalled } from '../clients/clients';

let h: Harness;
let firstServedBy: string | undefined;

beforeAll(async () => {
  if (!clientsInstalled()) throw new Error('test clients are missing: run `npm install --prefix test/clients` (npm test does)');
  h = await startHarness({ accounts: ['acct-a', 'acct-b'] });
});
afterAll(async () => {
  await h?.close();
});

/** A throwaway CODEX_HOME whose provider is the gateway, authenticated with a Pool key. */
function codexHome(options: { websockets: boolean }) {
  const home = mkdtempSync(path.join(tmpdir(), 'codex-home-'));
  writeFileSync(
    path.join(home, 'config.toml'),
    [
      'model = "gpt-5.5"',
      'model_provider = "pooler"',
      '',
      '[model_providers.pooler]',
      'name = "Codex Pooler"',
      `base_url = "${h.url}/backend-api/codex"`,
      'env_key = "CODEX_POOLER_KEY"',
      'wire_api = "responses"',
      `supports_websockets = ${options.websockets}`,
      'request_max_retries = 0',
      'stream_max_retries = 0',
    ].join('\n'),
  );
  return home;
}

/** `codex exec` with stdin closed (an open stdin makes it wait for more prompt text). */
function codexExec(home: string, prompt: string, resume = false): Promise<{ stdout: string; stderr: string }> {
  const args = resume ? ['exec', '--skip-git-repo-check', 'resume', '--last', prompt] : ['exec', '--skip-git-repo-check', prompt];
  return new Promise((resolve, reject) => {
    const child = spawn(CODEX_BIN, args, {
      env: { ...process.env, CODEX_HOME: home, CODEX_POOLER_KEY: h.key, RUST_LOG: 'error' },
      cwd: home,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 90_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve({ stdout, stderr }) : reject(new Error(`codex exited ${code}:\n${stderr}`))));
  });
}

describe('the real Codex CLI', { timeout: 120_000 }, () => {
  it('completes a turn through the gateway over HTTP/SSE', async () => {
    const home = codexHome({ websockets: false });
    const { stdout } = await codexExec(home, 'say hi');
    firstServedBy = /hi from (acct-[ab])/.exec(stdout)?.[1];
    expect(firstServedBy).toBeDefined();
    await h.gateway.context.requestLog.flush();
    const row = await h.db.prisma.requestLog.findFirst({ where: { status: 200 }, orderBy: { createdAt: 'desc' } });
    expect(row).toMatchObject({ route: '/backend-api/codex/responses', model: 'gpt-5.5' });
    expect(row!.inputTokens).toBeGreaterThan(0);
  });

  it('gets its answer when the first account is exhausted', async () => {
    const exhausted = firstServedBy ?? 'acct-a';
    const other = exhausted === 'acct-a' ? 'acct-b' : 'acct-a';
    h.upstream.account(exhausted).exhaustUntil(Math.floor(h.clock.now / 1000) + 3600);
    const { stdout } = await codexExec(codexHome({ websockets: false }), 'say hi again');
    expect(stdout).toContain(`hi from ${other}`);
  });

  it('completes turns over the websocket, and a resumed session returns to the same account', async () => {
    for (const id of ['acct-a', 'acct-b']) h.upstream.account(id).setUsage({ primary: { usedPercent: 10 }, secondary: { usedPercent: 10 } });
    h.clock.advance(7200_000); // past the earlier test's exhaustion
    await h.gateway.context.probe.refreshStale();
    const home = codexHome({ websockets: true });
    const first = await codexExec(home, 'say hi over the socket');
    const owner = /hi from (acct-[ab])/.exec(first.stdout)?.[1];
    expect(owner).toBeDefined();
    const upgradesBefore = h.upstream.requests.filter((r) => r.transport === 'websocket' && r.kind === 'request').length;
    expect(upgradesBefore).toBeGreaterThan(0);
    const second = await codexExec(home, 'and again', true);
    expect(second.stdout).toContain(`hi from ${owner}`);
    await h.gateway.context.requestLog.flush();
    const turns = await h.db.prisma.requestLog.findMany({ where: { transport: 'websocket', status: 200 } });
    expect(turns.length).toBeGreaterThanOrEqual(2);
  });

  it('gets its answer over the websocket when the first account is exhausted', async () => {
    const home = codexHome({ websockets: true });
    const probe = await codexExec(home, 'who serves');
    const served = /hi from (acct-[ab])/.exec(probe.stdout)![1]!;
    h.upstream.account(served).exhaustUntil(Math.floor(h.clock.now / 1000) + 3600);
    // The resumed thread prefers the same account, which now refuses: the other one answers.
    const { stdout } = await codexExec(home, 'say hi once more', true);
    expect(stdout).toContain(`hi from ${served === 'acct-a' ? 'acct-b' : 'acct-a'}`);
  });
});
