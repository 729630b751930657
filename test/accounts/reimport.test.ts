import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import { loadInstanceKeys } from '../../lib/crypto';
import { openDatabase, type Database } from '../../lib/db';
import { createPool } from '../../lib/pools';
import { importAuthJson, tokenAad } from '../../lib/accounts';

const keys = loadInstanceKeys(loadConfig({ CODEX_POOLER_SECRET_KEY: Buffer.alloc(32, 3).toString('base64') }));
const jwt = (claims: object) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.x`;
const authJson = (refreshToken: string) => ({
  tokens: {
    id_token: jwt({ email: 'a@example.com', 'https://api.openai.com/auth': { chatgpt_account_id: 'acct-r', chatgpt_user_id: 'u1', chatgpt_plan_type: 'pro' } }),
    access_token: jwt({ exp: Math.floor(Date.now() / 1000) + 3600 }),
    refresh_token: refreshToken,
  },
  last_refresh: new Date().toISOString(),
});

let db: Database;
beforeAll(async () => {
  db = await openDatabase({ inMemory: true });
  await createPool(db, { name: 'main' });
  await createPool(db, { name: 'other' });
});
afterAll(async () => {
  await db?.close();
});

describe('importing an account that already exists', () => {
  it('refuses an active duplicate, and brings a reauth_required account back with its new tokens', async () => {
    const first = await importAuthJson(db, keys.box, { pool: 'main', authJson: authJson('rt-old') });
    await db.prisma.upstreamAccount.update({ where: { id: first.id }, data: { label: 'kept label', weight: 3 } });
    await expect(importAuthJson(db, keys.box, { pool: 'main', authJson: authJson('rt-new') })).rejects.toMatchObject({ code: 'duplicate_account' });

    await db.prisma.upstreamAccount.update({ where: { id: first.id }, data: { status: 'reauth_required', lastErrorCode: 'invalid_grant' } });
    await expect(importAuthJson(db, keys.box, { pool: 'other', authJson: authJson('rt-new') })).rejects.toMatchObject({ code: 'duplicate_account' });
    const back = await importAuthJson(db, keys.box, { pool: 'main', authJson: authJson('rt-new') });
    expect(back).toMatchObject({ id: first.id, status: 'active', label: 'kept label', weight: 3, lastErrorCode: null });
    const refresh = keys.box.open({ ciphertext: back.refreshTokenCipher, keyVersion: back.tokenKeyVersion }, tokenAad('acct-r', 'u1', 'refresh'));
    expect(refresh).toBe('rt-new');
  });
});
