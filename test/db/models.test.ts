import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../support/databases';
import type { Database } from '../../lib/db';

// Every model is written and read back against the migrated schema, on both engines, so a
// hand-written migration that drifts from prisma/schema.prisma fails here.
describe.each(databaseTargets())('migrated schema on $name', (target) => {
  let db: Database;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('supports every model with its relations, enums, arrays, JSON and BigInt', async () => {
    const p = db.prisma;
    const operator = await p.operator.create({
      data: { email: 'o@example.com', passwordHash: 'h', role: 'instance_owner', totpSecretCipher: 'c', totpKeyVersion: 1, totpLastStep: 59_000_000 },
    });
    await p.recoveryCode.create({ data: { operatorId: operator.id, codeHash: 'x' } });
    await p.operatorSession.create({ data: { operatorId: operator.id, expiresAt: new Date(Date.now() + 1000) } });
    const pool = await p.pool.create({ data: { name: 'main', strategy: 'quota_first' } });
    await p.operatorPoolAssignment.create({ data: { operatorId: operator.id, poolId: pool.id } });
    await p.invite.create({ data: { email: 'a@example.com', poolIds: [pool.id], tokenHash: 't', expiresAt: new Date(), createdById: operator.id } });
    await p.bootstrapState.create({ data: { ownerId: operator.id } });
    const account = await p.upstreamAccount.create({
      data: {
        poolId: pool.id, label: 'a', chatgptAccountId: 'acct', accessTokenCipher: 'a', refreshTokenCipher: 'r',
        tokenKeyVersion: 1, supportedModels: ['gpt-5.5'], status: 'reauth_required',
      },
    });
    await p.quotaWindow.create({
      data: { accountId: account.id, kind: 'secondary', usedPercent: 12.5, windowMinutes: 10080, observedAt: new Date(), source: 'headers' },
    });
    await p.poolModel.create({ data: { poolId: pool.id, slug: 'gpt-5.5', info: { slug: 'gpt-5.5', context_window: 272000 } } });
    const key = await p.apiKey.create({ data: { poolId: pool.id, name: 'k', prefix: 'sk-cp-abc', keyHash: 'h', allowedModels: [] } });
    await p.apiKeyUsageBucket.create({ data: { apiKeyId: key.id, bucketStart: new Date(), requests: 1, tokens: 5_000_000_000n } });
    await p.routingAffinity.create({ data: { poolId: pool.id, kind: 'response', keyHash: 'k', accountId: account.id, expiresAt: new Date() } });
    await p.codexFile.create({ data: { poolId: pool.id, fileId: 'file_1', accountId: account.id, expiresAt: new Date() } });
    await p.requestLog.create({
      data: {
        route: '/backend-api/codex/responses', transport: 'http_sse', status: 200, latencyMs: 5, errorClass: 'account',
        costMicros: 12n, attempts: { create: [{ number: 1, status: 200, latencyMs: 5, errorClass: 'platform' }] },
      },
    });
    await p.auditEvent.create({ data: { actorType: 'operator', action: 'pool.create', outcome: 'success', details: { name: 'main' } } });
    await p.instanceSetting.create({ data: { key: 'gateway', value: { sse_keepalive_ms: 10000 } } });
    await p.mcpToken.create({ data: { operatorId: operator.id, label: 'l', prefix: 'mcp-1', tokenHash: 'h' } });
    await p.pricingSnapshot.create({
      data: { model: 'gpt-5.5', inputPerMillion: 1_250_000, cachedInputPerMillion: 125_000, outputPerMillion: 10_000_000, effectiveAt: new Date(), source: 'bundled' },
    });
    const failure = await p.loginFailure.create({ data: { subject: 'keyed-hash' } });
    expect(typeof failure.id).toBe('bigint');

    const loaded = await p.pool.findUniqueOrThrow({
      where: { id: pool.id },
      include: { accounts: { include: { quotaWindows: true } }, apiKeys: { include: { usageBuckets: true } }, operators: true, models: true },
    });
    expect(loaded.strategy).toBe('quota_first');
    expect(loaded.accounts[0]!.supportedModels).toEqual(['gpt-5.5']);
    expect(loaded.accounts[0]!.quotaWindows[0]!.usedPercent).toBe(12.5);
    expect(loaded.apiKeys[0]!.usageBuckets[0]!.tokens).toBe(5_000_000_000n);
    expect(loaded.models[0]!.info).toEqual({ slug: 'gpt-5.5', context_window: 272000 });
    const logs = await p.requestLog.findMany({ include: { attempts: true } });
    expect(logs[0]!.attempts[0]!.errorClass).toBe('platform');
    await expect(p.pool.create({ data: { name: 'main' } })).rejects.toMatchObject({ code: 'P2002' });
    await expect(p.bootstrapState.create({ data: { ownerId: operator.id } })).rejects.toMatchObject({ code: 'P2002' });

    // Cascades: deleting the Pool removes what hangs off it.
    await p.pool.delete({ where: { id: pool.id } });
    expect(await p.upstreamAccount.count()).toBe(0);
    expect(await p.quotaWindow.count()).toBe(0);
    expect(await p.apiKeyUsageBucket.count()).toBe(0);
  });
});
