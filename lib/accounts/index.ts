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
  try {
    return await db.prisma.upstreamAccount.create({
      data: {
        poolId: pool.id,
        label: input.label ?? creds.email ?? creds.chatgptAccountId,
        email: creds.email,
        chatgptAccountId: creds.chatgptAccountId,
        chatgptUserId: creds.chatgptUserId,
        planType: creds.planType,
        accessTokenCipher: access.ciphertext,
        refreshTokenCipher: seal(creds.refreshToken, 'refresh').ciphertext,
        idTokenCipher: seal(creds.idToken, 'id').ciphertext,
        tokenKeyVersion: access.keyVersion,
        tokenExpiresAt: creds.tokenExpiresAt,
        lastRefreshAt: creds.lastRefreshAt,
        supportedModels: [],
      },
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError('duplicate_account', `account ${creds.chatgptAccountId}${creds.email ? ` (${creds.email})` : ''} is already imported`, 409);
    }
    throw error;
  }
}

export async function listAccounts(db: Database) {
  const accounts = await db.prisma.upstreamAccount.findMany({
    orderBy: [{ poolId: 'asc' }, { createdAt: 'asc' }],
    include: { pool: { select: { name: true } }, quotaWindows: true },
  });
  return accounts.map((a) => ({
    id: a.id,
    poolName: a.pool.name,
    label: a.label,
    email: a.email,
    chatgptAccountId: a.chatgptAccountId,
    planType: a.planType,
    status: a.status,
    tokenExpiresAt: a.tokenExpiresAt,
    weight: a.weight,
    priority: a.priority,
    quotaWindows: a.quotaWindows.map((w) => ({ kind: w.kind, usedPercent: w.usedPercent, resetsAt: w.resetsAt })),
  }));
}
