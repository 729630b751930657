import { randomBytes } from 'node:crypto';
import * as OTPAuth from 'otpauth';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseTargets } from '../support/databases';
import type { Database } from '../../lib/db';
import { loadConfig } from '../../lib/config';
import { loadInstanceKeys, type InstanceKeys } from '../../lib/crypto';
import { createLogger } from '../../lib/log';
import { setRuntime } from '../../lib/runtime';
import { onChange, type ChangeEvent } from '../../lib/events';
import { bootstrapOwner, createOperatorWithPassword, createInvite, acceptInvite, findOpenInvite, setOperatorDisabled, changePassword, revokeOtherSessions, listSessions } from '../../lib/operators';
import { createPoolWithSettings, deleteArchivedPool, listPoolsIn, updatePool } from '../../lib/pools';
import { createPoolApiKey, deleteApiKey, revokeApiKey, rotateApiKey, setApiKeyStatus, listApiKeysIn } from '../../lib/keys';
import { accountReadiness } from '../../lib/accounts';
import { canAccessPool, inScope, poolOfTarget, visiblePoolIds } from '../../lib/auth/access';
import { acceptTotpForSignIn, confirmTotpEnrolment, consumeRecoveryCode, openTotpSecret, startTotpEnrolment, verifyTotp } from '../../lib/auth/totp';
import { clearFailures, registerAttempt } from '../../lib/auth/throttle';
import { DEFAULT_SETTINGS, getSettings, loadSettings, metricsBearerMatches, saveSettings, settingsFromRows } from '../../lib/settings';

describe('pure pieces', () => {
  it('TOTP accepts the current code and one step either side, nothing further', () => {
    const secret = new OTPAuth.Secret({ size: 20 }).base32;
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
    const now = Date.now();
    for (const step of [-1, 0, 1]) expect(verifyTotp(secret, totp.generate({ timestamp: now + step * 30_000 }), now)).toBe(true);
    expect(verifyTotp(secret, totp.generate({ timestamp: now + 3 * 30_000 }), now)).toBe(false);
    expect(verifyTotp(secret, 'abcdef', now)).toBe(false);
  });

  it('explains why an account cannot serve', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const later = new Date('2026-01-01T02:00:00Z');
    expect(accountReadiness({ status: 'active', cooldownUntil: null, quotaWindows: [] }, 'active', now)).toEqual({ ready: true, reason: null });
    expect(accountReadiness({ status: 'paused', cooldownUntil: null, quotaWindows: [] }, 'active', now).reason).toMatch(/Paused/);
    expect(accountReadiness({ status: 'active', cooldownUntil: null, quotaWindows: [] }, 'disabled', now).reason).toMatch(/Pool is disabled/);
    expect(accountReadiness({ status: 'active', cooldownUntil: later, quotaWindows: [] }, 'active', now).reason).toMatch(/Cooling down/);
    const exhausted = { kind: 'secondary' as const, usedPercent: 100, windowMinutes: 10080, resetsAt: later, observedAt: now };
    expect(accountReadiness({ status: 'active', cooldownUntil: null, quotaWindows: [exhausted] }, 'active', now).reason).toMatch(/Weekly window exhausted/);
    // Once the reset has passed, the stale 100% no longer blocks.
    expect(accountReadiness({ status: 'active', cooldownUntil: null, quotaWindows: [exhausted] }, 'active', new Date('2026-01-01T03:00:00Z')).ready).toBe(true);
  });

  it('settings rows fall back to defaults key by key', () => {
    const s = settingsFromRows([{ key: 'sseKeepaliveMs', value: 5000 }, { key: 'circuitOpenSeconds', value: -3 }, { key: 'unknown', value: 1 }]);
    expect(s.sseKeepaliveMs).toBe(5000);
    expect(s.circuitOpenSeconds).toBe(DEFAULT_SETTINGS.circuitOpenSeconds);
  });
});

describe.each(databaseTargets())('dashboard domain on $name', (target) => {
  let db: Database;
  let keys: InstanceKeys;
  beforeAll(async () => {
    db = await target.open();
    keys = loadInstanceKeys(loadConfig({ CODEX_POOLER_SECRET_KEY: randomBytes(32).toString('base64'), DATABASE_URL: 'postgres://x@localhost/x' }));
    setRuntime({ config: loadConfig({}), db, keys, log: createLogger('silent'), bootstrapped: true });
  });
  afterAll(async () => {
    setRuntime(undefined);
    await db?.close();
  });
  let events: ChangeEvent[] = [];
  beforeEach(() => {
    events = [];
  });

  it('throttles an account after 5 failures and an IP after 20, for 15 minutes, in the database', async () => {
    const store = { db, hashKey: keys.hashKey };
    const t = Date.now();
    for (let i = 0; i < 5; i++) expect(await registerAttempt(store, 'a@x', '1.1.1.1', t)).toBe(false);
    expect(await registerAttempt(store, 'a@x', '9.9.9.9', t)).toBe(true);
    expect(await registerAttempt(store, 'a@x', null, t + 15 * 60_000 + 1)).toBe(false);
    for (let i = 0; i < 20; i++) expect(await registerAttempt(store, `u${i}@x`, '2.2.2.2', t)).toBe(false);
    expect(await registerAttempt(store, 'fresh@x', '2.2.2.2', t)).toBe(true);
    // A success clears its account and gives the IP that attempt back.
    await clearFailures(store, 'fresh@x', '2.2.2.2');
    expect(await registerAttempt(store, 'again@x', '2.2.2.2', t)).toBe(true);
    // Parallel attempts see each other: no more than the limit get through.
    const burst = await Promise.all(Array.from({ length: 12 }, () => registerAttempt(store, 'burst@x', null, t)));
    expect(burst.filter((throttled) => !throttled).length).toBeLessThanOrEqual(5);
    // What is stored names neither the email nor the address.
    const stored = (await db.prisma.loginFailure.findMany()).map((row) => row.subject).join(' ');
    expect(stored).not.toMatch(/a@x|1\.1\.1\.1|2\.2\.2\.2/);
    await db.sql('DELETE FROM "LoginFailure"');
  });

  it('scopes Pools by role and resolves a target to its Pool', async () => {
    const owner = await bootstrapOwner(db, { email: 'o@example.com', password: 'password-123' });
    const a = await createPoolWithSettings(db, { name: 'a' });
    const b = await createPoolWithSettings(db, { name: 'b' });
    const admin = await createOperatorWithPassword(db, { email: 'adm@example.com', password: 'password-123', role: 'instance_admin', poolIds: [a.id] });
    expect(await visiblePoolIds(owner)).toBe('all');
    expect(await visiblePoolIds(admin)).toEqual([a.id]);
    expect(await canAccessPool(admin, a.id)).toBe(true);
    expect(await canAccessPool(admin, b.id)).toBe(false);
    expect(inScope([a.id], b.id)).toBe(false);
    expect((await listPoolsIn(db, [a.id])).map((p) => p.name)).toEqual(['a']);
    const key = await createPoolApiKey(db, keys.hashKey, b.id, { name: 'k' });
    expect(await poolOfTarget({ keyId: key.id })).toBe(b.id);
    expect(await poolOfTarget({ poolId: 'nope' })).toBeNull();
    expect(await listApiKeysIn(db, [a.id])).toEqual([]);
  });

  it('runs the key lifecycle: pause, rotate (new prefix), revoke, typed delete', async () => {
    const pool = await createPoolWithSettings(db, { name: 'keys' });
    await expect(createPoolApiKey(db, keys.hashKey, pool.id, { name: 'x', expiresAt: new Date(Date.now() - 1000) })).rejects.toMatchObject({ code: 'invalid_expiry' });
    const key = await createPoolApiKey(db, keys.hashKey, pool.id, { name: 'x', allowedModels: ['gpt-5.5'], tokensPerDay: 1000 });
    expect((await setApiKeyStatus(db, key.id, 'paused')).status).toBe('paused');
    const rotated = await rotateApiKey(db, keys.hashKey, key.id);
    expect(rotated.prefix).not.toBe(key.prefix);
    expect(rotated.previousPrefix).toBe(key.prefix);
    expect(rotated.key.startsWith(rotated.prefix)).toBe(true);
    await revokeApiKey(db, key.id);
    await expect(setApiKeyStatus(db, key.id, 'active')).rejects.toMatchObject({ code: 'key_revoked' });
    await expect(deleteApiKey(db, key.id, 'wrong')).rejects.toMatchObject({ code: 'confirmation_mismatch' });
    await deleteApiKey(db, key.id, rotated.prefix);
    expect(await db.prisma.apiKey.count({ where: { id: key.id } })).toBe(0);
  });

  it('deletes a Pool only once archived', async () => {
    const pool = await createPoolWithSettings(db, { name: 'old', ringSize: 5 });
    await expect(deleteArchivedPool(db, pool.id)).rejects.toMatchObject({ code: 'pool_not_archived' });
    await updatePool(db, pool.id, { status: 'archived' });
    await deleteArchivedPool(db, pool.id);
    await expect(createPoolWithSettings(db, { name: 'bad', ringSize: 99 })).rejects.toThrow();
  });

  it('never deactivates yourself or the last active owner; invites work once within 24 h', async () => {
    const owner = (await db.prisma.operator.findUnique({ where: { email: 'o@example.com' } }))!;
    await expect(setOperatorDisabled(db, owner.id, owner.id, true)).rejects.toMatchObject({ code: 'self_deactivation' });
    const other = await createOperatorWithPassword(db, { email: 'o2@example.com', password: 'password-123', role: 'instance_owner' });
    await setOperatorDisabled(db, other.id, owner.id, true);
    // `other` is now the last active owner.
    const third = await createOperatorWithPassword(db, { email: 'o3@example.com', password: 'password-123', role: 'instance_admin' });
    await expect(setOperatorDisabled(db, third.id, other.id, true)).rejects.toMatchObject({ code: 'last_owner' });
    await setOperatorDisabled(db, other.id, owner.id, false);

    const pool = await createPoolWithSettings(db, { name: 'invited' });
    const { token, invite } = await createInvite(db, keys.hashKey, owner.id, { email: 'New@Example.com', role: 'instance_admin', poolIds: [pool.id] });
    expect(invite.tokenHash).not.toContain(token);
    expect(invite.expiresAt.getTime() - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    const created = await acceptInvite(db, keys, token, 'a-good-password');
    expect(created.email).toBe('new@example.com');
    expect(await visiblePoolIds(created)).toEqual([pool.id]);
    await expect(acceptInvite(db, keys, token, 'a-good-password')).rejects.toMatchObject({ code: 'invalid_invite' });
    const expired = await createInvite(db, keys.hashKey, owner.id, { email: 'late@example.com' });
    await db.prisma.invite.update({ where: { id: expired.invite.id }, data: { expiresAt: new Date(Date.now() - 1) } });
    expect(await findOpenInvite(db, keys, expired.token)).toBeNull();
  });

  it('changes a password and ends the other sessions', async () => {
    const op = await createOperatorWithPassword(db, { email: 'pw@example.com', password: 'password-123', role: 'instance_admin', mustChangePassword: true });
    const s1 = await db.prisma.operatorSession.create({ data: { operatorId: op.id, expiresAt: new Date(Date.now() + 60_000) } });
    await db.prisma.operatorSession.create({ data: { operatorId: op.id, expiresAt: new Date(Date.now() + 60_000) } });
    await expect(changePassword(db, op.id, 'wrong-one', 'password-456')).rejects.toMatchObject({ code: 'invalid_password' });
    await changePassword(db, op.id, 'password-123', 'password-456');
    expect((await db.prisma.operator.findUniqueOrThrow({ where: { id: op.id } })).mustChangePassword).toBe(false);
    expect(await revokeOtherSessions(db, op.id, s1.id)).toBe(1);
    expect((await listSessions(db, op.id)).map((s) => s.id)).toEqual([s1.id]);
  });

  it('stores the TOTP secret sealed and recovery codes hashed, single use', async () => {
    const op = await createOperatorWithPassword(db, { email: 'totp@example.com', password: 'password-123', role: 'instance_admin' });
    const { secret } = await startTotpEnrolment(op.id);
    const row = await db.prisma.operator.findUniqueOrThrow({ where: { id: op.id } });
    expect(row.totpSecretCipher).not.toContain(secret);
    expect(openTotpSecret(row)).toBe(secret);
    await expect(confirmTotpEnrolment(op.id, '000000')).rejects.toMatchObject({ code: 'invalid_code' });
    const codes = await confirmTotpEnrolment(op.id, new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) }).generate());
    expect(codes).toHaveLength(10);
    const stored = await db.prisma.recoveryCode.findMany({ where: { operatorId: op.id } });
    expect(stored.some((c) => codes.includes(c.codeHash))).toBe(false);
    expect(await consumeRecoveryCode(op.id, codes[3]!.toUpperCase())).toBe(true);
    expect(await consumeRecoveryCode(op.id, codes[3]!)).toBe(false);
    expect(await consumeRecoveryCode(op.id, 'nonsense')).toBe(false);
  });

  it('a TOTP code signs in once, in any process; an older step after a newer one is refused', async () => {
    const op = await createOperatorWithPassword(db, { email: 'replay@example.com', password: 'password-123', role: 'instance_admin' });
    const secret = new OTPAuth.Secret({ size: 20 }).base32;
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
    const now = Date.now();
    const current = totp.generate({ timestamp: now });
    expect(await acceptTotpForSignIn(op.id, secret, current, now)).toBe(true);
    expect(await acceptTotpForSignIn(op.id, secret, current, now)).toBe(false);
    expect(await acceptTotpForSignIn(op.id, secret, totp.generate({ timestamp: now - 30_000 }), now)).toBe(false);
    expect(await acceptTotpForSignIn(op.id, secret, totp.generate({ timestamp: now + 30_000 }), now)).toBe(true);
    // The step lives in the database: a second process would refuse the same code too.
    expect((await db.prisma.operator.findUniqueOrThrow({ where: { id: op.id } })).totpLastStep).toBe(Math.floor(now / 30_000) + 1);
  });

  it('saves settings, reloads the cache and publishes the change; the metrics bearer is stored hashed', async () => {
    const off = onChange((e) => events.push(e));
    await loadSettings(db);
    expect(getSettings()).toEqual(DEFAULT_SETTINGS);
    const { changed } = await saveSettings(db, keys.hashKey, { sseKeepaliveMs: 2500, ipAllowlist: ['10.0.0.0/8', '::1'], metricsBearer: 'a-very-long-bearer-token' });
    expect(changed.sort()).toEqual(['ipAllowlist', 'metricsBearerHash', 'sseKeepaliveMs']);
    expect(getSettings().sseKeepaliveMs).toBe(2500);
    expect(events).toContainEqual({ kind: 'settings' });
    const rows = await db.prisma.instanceSetting.findMany();
    expect(JSON.stringify(rows)).not.toContain('a-very-long-bearer-token');
    expect(metricsBearerMatches(keys, 'a-very-long-bearer-token')).toBe(true);
    expect(metricsBearerMatches(keys, 'wrong')).toBe(false);
    await expect(saveSettings(db, keys.hashKey, { ipAllowlist: ['not-an-ip'] })).rejects.toThrow();
    await expect(saveSettings(db, keys.hashKey, { sseKeepaliveMs: -1 })).rejects.toThrow();
    await saveSettings(db, keys.hashKey, { metricsBearer: null });
    expect(getSettings().metricsBearerHash).toBeNull();
    expect(metricsBearerMatches(keys, undefined)).toBe(true);
    // Another writer (same process, event-driven reload) is picked up without a restart.
    await db.prisma.instanceSetting.update({ where: { key: 'sseKeepaliveMs' }, data: { value: 7000 } });
    await loadSettings(db);
    expect(getSettings().sseKeepaliveMs).toBe(7000);
    off();
  });
});
