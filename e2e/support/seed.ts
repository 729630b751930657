// Seeds two Pools (A and B), an owner, one admin per Pool, accounts in several states, keys and
// request logs, straight through lib/ into the database the server under test uses. Run with
// `node --import tsx e2e/support/seed.ts` and the server's DATABASE_URL / CODEX_POOLER_SECRET_KEY;
// prints the ids as JSON.
import { loadConfig } from '../../lib/config';
import { loadInstanceKeys } from '../../lib/crypto';
import { openDatabase } from '../../lib/db';
import { bootstrapOwner, createOperatorWithPassword } from '../../lib/operators';
import { createPoolWithSettings } from '../../lib/pools';
import { importAuthJsonToPool } from '../../lib/accounts';
import { createPoolApiKey } from '../../lib/keys';
import { makeAuthJson } from './auth-json';

export const SEED_PASSWORD = 'correct horse battery';

async function main() {
  const config = loadConfig();
  const keys = loadInstanceKeys(config);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const p = db.prisma;
  const owner = await bootstrapOwner(db, { email: 'owner@example.com', password: SEED_PASSWORD });
  const poolA = await createPoolWithSettings(db, { name: 'pool-alpha' });
  const poolB = await createPoolWithSettings(db, { name: 'pool-bravo', strategy: 'quota_first' });
  await createPoolWithSettings(db, { name: 'pool-archive', status: 'archived' });
  const adminA = await createOperatorWithPassword(db, { email: 'admin-a@example.com', password: SEED_PASSWORD, role: 'instance_admin', poolIds: [poolA.id] });
  const adminB = await createOperatorWithPassword(db, { email: 'admin-b@example.com', password: SEED_PASSWORD, role: 'instance_admin', poolIds: [poolB.id] });

  const now = Date.now();
  const account = async (poolId: string, id: string, label: string, plan: string, primary: number | null, secondary: number | null, status?: 'paused' | 'reauth_required') => {
    const a = await importAuthJsonToPool(db, keys.box, { poolId, authJson: JSON.parse(makeAuthJson(id, `${id}@example.com`, plan)), label });
    if (status) await p.upstreamAccount.update({ where: { id: a.id }, data: { status } });
    if (primary !== null) await p.quotaWindow.create({ data: { accountId: a.id, kind: 'primary', usedPercent: primary, windowMinutes: 300, resetsAt: new Date(now + 2.5 * 3600_000), observedAt: new Date(), source: 'headers' } });
    if (secondary !== null) await p.quotaWindow.create({ data: { accountId: a.id, kind: 'secondary', usedPercent: secondary, windowMinutes: 10080, resetsAt: new Date(now + 3 * 86400_000), observedAt: new Date(), source: 'headers' } });
    return a;
  };
  const a1 = await account(poolA.id, 'acct-alpha-1', 'alpha-fresh', 'pro', 12, 30);
  const a2 = await account(poolA.id, 'acct-alpha-2', 'alpha-busy', 'plus', 82, 64);
  const a3 = await account(poolA.id, 'acct-alpha-3', 'alpha-exhausted', 'plus', 100, 91);
  await account(poolA.id, 'acct-alpha-4', 'alpha-paused', 'team', 40, 20, 'paused');
  await account(poolA.id, 'acct-alpha-5', 'alpha-reauth', 'pro', null, null, 'reauth_required');
  const b1 = await account(poolB.id, 'acct-bravo-1', 'bravo-secret-account', 'pro', 5, 10);

  const keyA = await createPoolApiKey(db, keys.hashKey, poolA.id, { name: 'alpha-laptop', requestsPerMinute: 60 }, owner.id);
  const keyB = await createPoolApiKey(db, keys.hashKey, poolB.id, { name: 'bravo-secret-key' }, owner.id);

  const log = async (poolId: string, apiKeyId: string, accountIds: string[], status: number, minutesAgo: number) => {
    const attempts = accountIds.map((accountId, i) => {
      const last = i === accountIds.length - 1;
      return { number: i + 1, accountId, status: last ? status : 429, latencyMs: 40 + i * 30, ttfbMs: 20, retryable: !last, errorClass: last && status < 400 ? null : ('account' as const), errorCode: last && status < 400 ? null : 'usage_limit_reached', createdAt: new Date(now - minutesAgo * 60_000) };
    });
    return p.requestLog.create({
      data: {
        createdAt: new Date(now - minutesAgo * 60_000), poolId, apiKeyId, accountId: accountIds.at(-1)!, route: '/backend-api/codex/responses', transport: 'http_sse', model: 'gpt-5.5',
        status, latencyMs: 120 + minutesAgo, ttfbMs: 60, inputTokens: 1200, cachedInputTokens: 800, outputTokens: 300, costMicros: 4200n, attemptCount: attempts.length,
        attempts: { create: attempts },
      },
    });
  };
  for (let i = 0; i < 12; i++) await log(poolA.id, keyA.id, i % 4 === 0 ? [a3.id, a1.id] : [a2.id], i === 5 ? 502 : 200, i * 95);
  const logB = await log(poolB.id, keyB.id, [b1.id], 200, 3);
  const logA = await log(poolA.id, keyA.id, [a3.id, a1.id], 200, 1);

  await db.close();
  process.stdout.write(JSON.stringify({
    ownerId: owner.id, adminAId: adminA.id, adminBId: adminB.id,
    poolA: poolA.id, poolB: poolB.id,
    accountA: a1.id, accountB: b1.id, keyA: keyA.id, keyB: keyB.id, logA: logA.id, logB: logB.id,
  }));
}

main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error));
  process.exit(1);
});
