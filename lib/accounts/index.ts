import type { Database } from '../db';
import type { SecretBox } from '../crypto';
import { AppError, isUniqueViolation } from '../errors';
import { findPoolByName } from '../pools';
import { parseAuthJson } from './auth-json';

export { parseAuthJson, decodeJwtClaims, accessTokenExpiry, type ParsedCredentials } from './auth-json';

export type TokenKind = 'access' | 'refresh' | 'id';

/** Ciphertexts are bound to their account and kind, so one cannot be swapped for another. */
export function tokenAad(chatgptAccountId: string, chatgptUserId: string, kind: TokenKind): string {
  return `upstream-token:${chatgptAccountId}:${chatgptUserId}:${kind}`;
}

export async function importAuthJson(
  db: Database,
  box: SecretBox,
  input: { pool: string; authJson: unknown; label?: string },
) {
  const pool = await findPoolByName(db, input.pool);
  const creds = parseAuthJson(input.authJson);
  const seal = (value: string, kind: TokenKind) => box.seal(value, tokenAad(creds.chatgptAccountId, creds.chatgptUserId, kind));
  const access = seal(creds.accessToken, 'access');
  // What an auth.json sets on an account, whether new or re-imported.
  const credentials = {
    planType: creds.planType,
    accessTokenCipher: access.ciphertext,
    refreshTokenCipher: seal(creds.refreshToken, 'refresh').ciphertext,
    idTokenCipher: seal(creds.idToken, 'id').ciphertext,
    tokenKeyVersion: access.keyVersion,
    tokenExpiresAt: creds.tokenExpiresAt,
    lastRefreshAt: creds.lastRefreshAt,
  };
  try {
    return await db.prisma.upstreamAccount.create({
      data: {
        ...credentials,
        poolId: pool.id,
        label: input.label ?? creds.email ?? creds.chatgptAccountId,
        email: creds.email,
        chatgptAccountId: creds.chatgptAccountId,
        chatgptUserId: creds.chatgptUserId,
        supportedModels: [],
      },
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // The way back from reauth_required: a fresh auth.json for the same account in the same Pool
    // replaces its tokens and keeps its label, weight and priority.
    const existing = await db.prisma.upstreamAccount.findUnique({
      where: { chatgptAccountId_chatgptUserId: { chatgptAccountId: creds.chatgptAccountId, chatgptUserId: creds.chatgptUserId } },
    });
    if (existing && existing.poolId === pool.id && existing.status === 'reauth_required') {
      return db.prisma.upstreamAccount.update({
        where: { id: existing.id },
        data: { ...credentials, status: 'active', lastErrorCode: null },
      });
    }
    throw new AppError('duplicate_account', `account ${creds.chatgptAccountId}${creds.email ? ` (${creds.email})` : ''} is already imported`, 409);
  }
}

// ---- Dashboard: scoped listing with routing readiness, lifecycle ----

export type QuotaWindowView = { kind: 'primary' | 'secondary'; usedPercent: number; windowMinutes: number; resetsAt: Date | null; observedAt: Date };

/** Whether an account can serve right now, and why not. Mirrors the router's hard exclusions. */
export function accountReadiness(
  account: { status: string; cooldownUntil: Date | null; quotaWindows: QuotaWindowView[] },
  poolStatus: string,
  now = new Date(),
): { ready: boolean; reason: string | null } {
  if (poolStatus !== 'active') return { ready: false, reason: `Pool is ${poolStatus}` };
  if (account.status === 'paused') return { ready: false, reason: 'Paused by an operator' };
  if (account.status === 'disabled') return { ready: false, reason: 'Disabled' };
  if (account.status === 'reauth_required') return { ready: false, reason: 'Sign-in expired: import a fresh auth.json' };
  if (account.cooldownUntil && account.cooldownUntil > now) return { ready: false, reason: `Cooling down until ${account.cooldownUntil.toISOString()}` };
  for (const w of account.quotaWindows) {
    if (w.usedPercent >= 100 && (!w.resetsAt || w.resetsAt > now)) {
      return { ready: false, reason: `${w.kind === 'primary' ? '5-hour' : 'Weekly'} window exhausted${w.resetsAt ? ` until ${w.resetsAt.toISOString()}` : ''}` };
    }
  }
  return { ready: true, reason: null };
}

export async function listAccountsIn(db: Database, scope: 'all' | string[], poolId?: string, now = new Date()) {
  const where = { ...(scope === 'all' ? {} : { poolId: { in: scope } }), ...(poolId ? { AND: [{ poolId }] } : {}) };
  const accounts = await db.prisma.upstreamAccount.findMany({
    where,
    orderBy: [{ poolId: 'asc' }, { createdAt: 'asc' }],
    include: { pool: { select: { id: true, name: true, status: true } }, quotaWindows: true },
  });
  return accounts.map((a) => {
    const quotaWindows = a.quotaWindows.map((w) => ({ kind: w.kind, usedPercent: w.usedPercent, windowMinutes: w.windowMinutes, resetsAt: w.resetsAt, observedAt: w.observedAt }));
    return {
      id: a.id,
      poolId: a.poolId,
      poolName: a.pool.name,
      label: a.label,
      email: a.email,
      chatgptAccountId: a.chatgptAccountId,
      planType: a.planType,
      status: a.status,
      tokenExpiresAt: a.tokenExpiresAt,
      lastRefreshAt: a.lastRefreshAt,
      lastErrorCode: a.lastErrorCode,
      cooldownUntil: a.cooldownUntil,
      weight: a.weight,
      priority: a.priority,
      createdAt: a.createdAt,
      quotaWindows,
      readiness: accountReadiness({ status: a.status, cooldownUntil: a.cooldownUntil, quotaWindows }, a.pool.status, now),
    };
  });
}

/** Imports an auth.json into a Pool named by id. */
export async function importAuthJsonToPool(db: Database, box: SecretBox, input: { poolId: string; authJson: unknown; label?: string }) {
  const pool = await db.prisma.pool.findUnique({ where: { id: input.poolId } });
  if (!pool) throw new AppError('pool_not_found', 'no such pool', 404);
  return importAuthJson(db, box, { pool: pool.name, authJson: input.authJson, label: input.label });
}

async function accountOrThrow(db: Database, accountId: string) {
  const account = await db.prisma.upstreamAccount.findUnique({ where: { id: accountId } });
  if (!account) throw new AppError('account_not_found', 'no such account', 404);
  return account;
}

export async function setAccountStatus(db: Database, accountId: string, status: 'active' | 'paused') {
  const account = await accountOrThrow(db, accountId);
  if (status === 'active' && account.status === 'reauth_required') throw new AppError('reauth_required', 'import a fresh auth.json for this account first', 409);
  return db.prisma.upstreamAccount.update({ where: { id: accountId }, data: { status, ...(status === 'active' ? { cooldownUntil: null } : {}) } });
}

export async function updateAccountSettings(db: Database, accountId: string, input: { label?: string; weight?: number; priority?: number }) {
  await accountOrThrow(db, accountId);
  return db.prisma.upstreamAccount.update({ where: { id: accountId }, data: input });
}

/**
 * Asks for a token refresh before the account's next use: the stored expiry is moved to now, so
 * the gateway's refresh-before-use path renews it on the next request (and the change event
 * makes it drop its cached token at once).
 */
export async function requestTokenRefresh(db: Database, accountId: string) {
  await accountOrThrow(db, accountId);
  return db.prisma.upstreamAccount.update({ where: { id: accountId }, data: { tokenExpiresAt: new Date() } });
}

export async function deleteAccount(db: Database, accountId: string) {
  const account = await accountOrThrow(db, accountId);
  await db.prisma.upstreamAccount.delete({ where: { id: accountId } });
  return account;
}
