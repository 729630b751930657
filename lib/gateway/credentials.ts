import type { Database } from '../db';
import type { SecretBox } from '../crypto';
import type { Logger } from '../log';
import { AppError } from '../errors';
import { accessTokenExpiry, tokenAad, type TokenKind } from '../accounts';
import { publishChange } from '../events';
import type { RoutingHealth } from '../routing';
import type { UpstreamClient } from '../upstream/client';
import { refreshAccessToken } from '../upstream/token-refresh';
import type { AccountState, PoolRegistry } from './pool-state';

/** Refresh this long before expiry, so no request leaves with a token about to die. */
const REFRESH_AHEAD_MS = 5 * 60_000;
const TRANSIENT_BACKOFF_MS = [30_000, 60_000, 120_000, 300_000, 900_000];

/**
 * Upstream access tokens: decrypted once per ciphertext, refreshed ahead of expiry and on a 401,
 * one refresh at a time per account — in this process by sharing the promise, across processes by
 * an advisory lock and a re-read of the row (another process may have refreshed already).
 */
export class CredentialStore {
  private readonly plaintext = new Map<string, string>();
  private readonly refreshing = new Map<string, Promise<string>>();
  /** Transient refresh failures in a row per account, and when the next try is due. */
  private readonly failures = new Map<string, { count: number; retryAt: number }>();

  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
    private readonly registry: PoolRegistry,
    private readonly health: RoutingHealth,
    private readonly client: UpstreamClient,
    private readonly options: { authBaseUrl: string; identity: () => Record<string, string>; log: Logger; clock: () => number },
  ) {}

  /**
   * The account's access token. `rejectedToken` is one the upstream just refused with a 401: it is
   * refreshed unless a newer token has replaced it meanwhile (then that one is returned).
   */
  async accessToken(accountId: string, rejectedToken?: string): Promise<string> {
    const account = this.mustGet(accountId);
    const current = this.open(account, account.accessTokenCipher, 'access');
    if (rejectedToken !== undefined) {
      if (current !== rejectedToken) return current;
      return this.refresh(accountId, 'unauthorized_recovery');
    }
    const now = this.options.clock();
    const expiresAt = account.tokenExpiresAt;
    if (expiresAt === null || expiresAt - now >= REFRESH_AHEAD_MS) return current;
    if (expiresAt <= now) return this.refresh(accountId, 'proactive_expiry');
    // Still valid: refreshed ahead of time, but a refresh that fails for a passing reason neither
    // stops this request nor is tried again before its backoff is over.
    if (now < (this.failures.get(accountId)?.retryAt ?? 0)) return current;
    return this.refresh(accountId, 'proactive_expiry').catch((error: unknown) => {
      if (this.registry.account(accountId)?.snapshot.status === 'reauth_required') throw error;
      return current;
    });
  }

  private refresh(accountId: string, reason: 'proactive_expiry' | 'unauthorized_recovery'): Promise<string> {
    let inFlight = this.refreshing.get(accountId);
    if (!inFlight) {
      const staleCipher = this.mustGet(accountId).accessTokenCipher;
      inFlight = this.refreshLocked(accountId, reason, staleCipher).finally(() => this.refreshing.delete(accountId));
      this.refreshing.set(accountId, inFlight);
    }
    return inFlight;
  }

  private async refreshLocked(accountId: string, reason: 'proactive_expiry' | 'unauthorized_recovery', staleCipher: string): Promise<string> {
    const account = this.mustGet(accountId);
    const { prisma } = this.db;
    const outcome = await this.db.withAdvisoryLock(`token-refresh:${accountId}`, async () => {
      const row = await prisma.upstreamAccount.findUnique({ where: { id: accountId } });
      if (!row) return { kind: 'gone' as const };
      if (row.accessTokenCipher !== staleCipher) return { kind: 'refreshed_elsewhere' as const, row };
      const refreshToken = this.box.open(
        { ciphertext: row.refreshTokenCipher, keyVersion: row.tokenKeyVersion },
        tokenAad(row.chatgptAccountId, row.chatgptUserId, 'refresh'),
      );
      const result = await refreshAccessToken(this.client, this.options.authBaseUrl, refreshToken, reason, this.options.identity());
      if (!result.ok) {
        if (result.permanent) await prisma.upstreamAccount.update({ where: { id: accountId }, data: { status: 'reauth_required', lastErrorCode: result.code } });
        return { kind: 'failed' as const, permanent: result.permanent, code: result.code };
      }
      const now = this.options.clock();
      const seal = (value: string, kind: TokenKind) => this.box.seal(value, tokenAad(row.chatgptAccountId, row.chatgptUserId, kind)).ciphertext;
      const accessToken = result.tokens.access_token!;
      const expiresAt = accessTokenExpiry(accessToken) ?? (result.tokens.expires_in ? new Date(now + result.tokens.expires_in * 1000) : null);
      // The rotated refresh token is saved at once: losing it would force a new sign-in.
      const updated = await prisma.upstreamAccount.update({
        where: { id: accountId },
        data: {
          accessTokenCipher: seal(accessToken, 'access'),
          ...(result.tokens.refresh_token ? { refreshTokenCipher: seal(result.tokens.refresh_token, 'refresh') } : {}),
          ...(result.tokens.id_token ? { idTokenCipher: seal(result.tokens.id_token, 'id') } : {}),
          tokenKeyVersion: this.box.currentVersion,
          tokenExpiresAt: expiresAt,
          lastRefreshAt: new Date(now),
          lastErrorCode: null,
        },
      });
      return { kind: 'refreshed' as const, row: updated };
    });

    if (outcome.kind === 'gone') throw new AppError('account_unavailable', 'the upstream account no longer exists', 503);
    if (outcome.kind === 'failed') {
      if (outcome.permanent) {
        await this.registry.setStatus(accountId, 'reauth_required', outcome.code);
        publishChange({ kind: 'account', accountId, poolId: account.snapshot.poolId });
        this.options.log.warn({ accountId, code: outcome.code }, 'upstream account needs a new sign-in');
      } else {
        const now = this.options.clock();
        const count = (this.failures.get(accountId)?.count ?? 0) + 1;
        const backoff = TRANSIENT_BACKOFF_MS[Math.min(count, TRANSIENT_BACKOFF_MS.length) - 1]!;
        this.failures.set(accountId, { count, retryAt: now + backoff });
        // Without a working token the account sits out the backoff; with one it keeps serving.
        const tokenUsable = reason === 'proactive_expiry' && account.tokenExpiresAt !== null && account.tokenExpiresAt > now;
        if (!tokenUsable) this.health.backOffRefresh(accountId, now + backoff);
        this.options.log.warn({ accountId, code: outcome.code, backoffMs: backoff }, 'token refresh failed; will retry');
      }
      throw new AppError('token_refresh_failed', `token refresh failed: ${outcome.code}`, 503);
    }
    this.failures.delete(accountId);
    const { row } = outcome;
    this.plaintext.delete(staleCipher);
    this.registry.updateAccount(accountId, {
      accessTokenCipher: row.accessTokenCipher,
      refreshTokenCipher: row.refreshTokenCipher,
      tokenKeyVersion: row.tokenKeyVersion,
      tokenExpiresAt: row.tokenExpiresAt?.getTime() ?? null,
    });
    return this.open(this.mustGet(accountId), row.accessTokenCipher, 'access');
  }

  private open(account: AccountState, ciphertext: string, kind: TokenKind): string {
    const cached = this.plaintext.get(ciphertext);
    if (cached) return cached;
    const value = this.box.open(
      { ciphertext, keyVersion: account.tokenKeyVersion },
      tokenAad(account.chatgptAccountId, account.chatgptUserId, kind),
    );
    if (kind === 'access') {
      // Only access tokens are kept decrypted; a refresh drops the one it replaces.
      if (this.plaintext.size > 10_000) this.plaintext.clear();
      this.plaintext.set(ciphertext, value);
    }
    return value;
  }

  private mustGet(accountId: string): AccountState {
    const account = this.registry.account(accountId);
    if (!account) throw new AppError('account_unavailable', 'the upstream account is not loaded', 503);
    return account;
  }
}
