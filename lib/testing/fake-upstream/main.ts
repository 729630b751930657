/**
 * Runs the fake upstream for demos: `node --import tsx lib/testing/fake-upstream/main.ts`.
 * Env: PORT (default 4100), FAKE_UPSTREAM_ACCOUNTS (default 3), FAKE_UPSTREAM_AUTH_DIR (default ./data/fake-auth),
 * where each account's Codex auth.json is written to `<dir>/<accountId>/auth.json`.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startFakeUpstream } from './index';

function nonNegativeInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

const port = nonNegativeInteger('PORT', 4100);
const accountCount = nonNegativeInteger('FAKE_UPSTREAM_ACCOUNTS', 3);
const authDir = path.resolve(process.env.FAKE_UPSTREAM_AUTH_DIR ?? './data/fake-auth');

const upstream = await startFakeUpstream({ port, host: process.env.HOST ?? '127.0.0.1' });
const authFiles: string[] = [];
for (let index = 1; index <= accountCount; index++) {
  const credentials = upstream.addAccount({ accountId: `acct-fake-${index}`, email: `fake${index}@fake-upstream.test` });
  const dir = path.join(authDir, credentials.accountId);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'auth.json');
  // auth.json holds live tokens; Codex itself writes it 0600.
  writeFileSync(file, `${JSON.stringify(credentials.authJson, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  authFiles.push(file);
}

console.log(`Fake Codex upstream listening on ${upstream.url}
  backend:  ${upstream.backendBaseUrl}
  oauth:    ${upstream.authBaseUrl}/oauth/token
  accounts: ${accountCount}, auth.json files:
${authFiles.map((file) => `    ${file}`).join('\n')}

Point the gateway at it:
  CODEX_UPSTREAM_BASE_URL=${upstream.backendBaseUrl}
  CODEX_AUTH_BASE_URL=${upstream.authBaseUrl}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void upstream.close().then(() => process.exit(0));
  });
}
